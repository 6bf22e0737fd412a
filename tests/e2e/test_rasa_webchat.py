"""rasa-webchat 1.0.1 (npm) on a clinic's page on another origin, over kapbot's Socket.IO.

rasa-webchat always keeps its session: it stores the session id and the transcript in
localStorage (``storage: "local"``) or sessionStorage (``"session"``) and sends the stored
id in ``session_request``; it has no setting to turn that off. ``"session"`` is the
nearest to off: a reload keeps the conversation, a new tab starts a new one.
"""
from __future__ import annotations

import json
from typing import Optional

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.clinic_site import ClinicSite
from tests.e2e.visitor import ANSWER, CRISIS, DISCLAIMER, QUESTION, expect_answer_with_follow_ups, expect_crisis_reply
from tests.service import Service

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def open_webchat(context: BrowserContext, site: ClinicSite, service: Service, storage: str) -> Page:
    page = context.new_page()
    page.goto(site.page("webchat.html", service.url, storage=storage))
    expect(page.locator(".rw-new-message")).to_be_visible()
    return page


def ask(page: Page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def answers(page: Page) -> Locator:
    return page.locator(".rw-response .rw-message-text")


def stored_session_id(page: Page, storage: str) -> Optional[str]:
    raw = page.evaluate(f"window.{storage}Storage.getItem('chat_session')")
    return json.loads(raw)["session_id"] if raw else None


def test_buttons_click_crisis_and_reload_with_local_storage(
    context: BrowserContext, clinic_site: ClinicSite, clients_service: Service, clinic_line: str
) -> None:
    page = open_webchat(context, clinic_site, clients_service, "local")
    ask(page, QUESTION)
    follow_up = expect_answer_with_follow_ups(answers(page), page.locator(".rw-replies .rw-reply"))
    title = follow_up.inner_text()
    before = answers(page).count()
    follow_up.click()
    expect(page.locator(".rw-client .rw-message-text").last).to_have_text(title)
    expect(answers(page)).to_have_count(before + 1)
    followed_answer = answers(page).last.text_content() or ""
    session_id = stored_session_id(page, "local")
    assert session_id

    page.reload()
    expect(answers(page).filter(has_text=ANSWER)).to_be_visible()
    expect(answers(page).last).to_have_text(followed_answer)
    assert stored_session_id(page, "local") == session_id
    # The server kept the conversation too: a new conversation would open with the disclaimer again.
    ask(page, "what does it cost?")
    expect(answers(page).last).to_contain_text("$600")
    expect(answers(page).filter(has_text=DISCLAIMER)).to_have_count(1)

    ask(page, CRISIS)
    expect_crisis_reply(answers(page), clinic_line, hrefs=["tel:988", "sms:988", "sms:741741?body=HOME"])

    # localStorage is shared by the site's tabs: a second tab shows the same conversation.
    tab = open_webchat(context, clinic_site, clients_service, "local")
    expect(answers(tab).filter(has_text=clinic_line)).to_contain_text("988")
    assert stored_session_id(tab, "local") == session_id


def test_session_storage_keeps_a_reload_but_not_a_new_tab(
    context: BrowserContext, clinic_site: ClinicSite, clients_service: Service
) -> None:
    page = open_webchat(context, clinic_site, clients_service, "session")
    ask(page, QUESTION)
    expect(answers(page).filter(has_text=ANSWER)).to_be_visible()
    session_id = stored_session_id(page, "session")
    assert session_id and stored_session_id(page, "local") is None

    page.reload()
    expect(answers(page).filter(has_text=ANSWER)).to_be_visible()
    assert stored_session_id(page, "session") == session_id

    tab = open_webchat(context, clinic_site, clients_service, "session")
    expect(tab.locator(".rw-group-message")).to_have_count(0)
    ask(tab, QUESTION)
    expect(answers(tab).filter(has_text=ANSWER)).to_be_visible()
    expect(answers(tab).filter(has_text=DISCLAIMER)).to_have_count(1)  # a new conversation on the server
    new_id = stored_session_id(tab, "session")
    assert new_id and new_id != session_id
