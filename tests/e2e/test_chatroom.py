"""Chatroom 0.12.0 (npm @scalableminds/chatroom) on a clinic's page on another origin, over Rasa's REST channel.

What Chatroom does that a clinic should know, asserted here as it is:
- a clicked button sends its payload as the visitor's message, and shows that payload
  (e.g. ``/faq{"topic": ...}``) as the visitor's bubble, not the button's title;
- it keeps its sender id in sessionStorage but the transcript only in memory: a reload
  shows the welcome message alone, crisis resources included in what is gone, while the
  server carries on the same conversation.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.clinic_site import ClinicSite
from tests.e2e.visitor import CRISIS, DISCLAIMER, QUESTION, expect_answer_with_follow_ups, expect_crisis_reply
from tests.service import Service

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WELCOME = "Hi, ask me about ketamine-assisted therapy."  # as chatroom.html sets it


def ask(page: Page, text: str) -> None:
    page.fill(".chatroom form.input input[type=text]", text)
    page.keyboard.press("Enter")


def bot_bubbles(page: Page) -> Locator:
    return page.locator(".chats .chat.left")


def visitor_bubbles(page: Page) -> Locator:
    return page.locator(".chats .chat.right")


def sender_id(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('simple-chatroom-cid')")


def test_buttons_click_crisis_and_reload(
    context: BrowserContext, clinic_site: ClinicSite, clients_service: Service, clinic_line: str
) -> None:
    page = context.new_page()
    page.goto(clinic_site.page("chatroom.html", clients_service.url))
    expect(bot_bubbles(page)).to_have_text([WELCOME])

    ask(page, QUESTION)
    button = expect_answer_with_follow_ups(bot_bubbles(page), page.locator(".chat-buttons .chat-button"))
    # Only the newest buttons are clickable, and only once every queued message is shown.
    expect(button).not_to_have_class(re.compile("chat-button-disabled"))
    before = bot_bubbles(page).count()
    button.click()
    expect(visitor_bubbles(page).last).to_have_text(re.compile(r"^/faq\{.*\}$"))
    expect(bot_bubbles(page)).to_have_count(before + 1)
    visitor = sender_id(page)
    assert visitor

    page.reload()
    expect(bot_bubbles(page)).to_have_text([WELCOME])
    expect(visitor_bubbles(page)).to_have_count(0)
    assert sender_id(page) == visitor
    # The server kept the conversation: a new one would open with the disclaimer again.
    ask(page, "what does it cost?")
    expect(bot_bubbles(page).filter(has_text="$600")).to_be_visible()
    expect(bot_bubbles(page).filter(has_text=DISCLAIMER)).to_have_count(0)

    ask(page, CRISIS)
    expect_crisis_reply(bot_bubbles(page), clinic_line)

    page.reload()
    expect(bot_bubbles(page)).to_have_text([WELCOME])
