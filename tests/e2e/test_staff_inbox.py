"""The staff inbox in Chromium: log in, mark a request contacted, read a flagged
conversation and note it, log out; axe on the pages at 375 px. The app runs under
uvicorn in a thread, without its lifespan: the inbox needs no model."""
from __future__ import annotations

import contextlib
import json
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.settings import Settings
from tests.e2e.browser import PHONE, serious_violations
from tests.paths import PROJECT_DIR
from tests.service import free_port
from tests.service import serving as serve_app
from tests.staff_inbox_data import (
    FLAGGED_ID,
    FLAGGED_TEXT,
    STAFF_PASSWORD,
    STAFF_USER,
    VISITOR_NAME,
    add_staff_user,
    submit_request,
    write_flagged_conversation,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    from api.main import create_app

    with serve_app(create_app(settings), settings.port, lifespan="off") as url:
        yield url


@pytest.fixture(scope="module")
def staff_url(tmp_path_factory) -> Iterator[str]:
    settings = Settings(var_dir=tmp_path_factory.mktemp("staff-var"), env="test", port=free_port(),
                        staff_session_secret="e2e-staff-secret")
    add_staff_user(settings)
    submit_request(settings)
    write_flagged_conversation(settings.database)
    with serving(settings) as url:
        yield url


@pytest.fixture
def page(browser: Browser, staff_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=staff_url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def log_in(page: Page) -> None:
    page.goto("/staff")
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
    page.get_by_label("User name").fill(STAFF_USER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation requests")


def assert_accessible(page: Page) -> None:
    serious = serious_violations(page)
    assert serious == [], json.dumps([(v["id"], v["help"]) for v in serious], indent=1)
    # Usable at 375 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_log_in_mark_contacted_note_a_flagged_conversation_and_log_out(page: Page) -> None:
    log_in(page)
    request = page.get_by_role("article", name=VISITOR_NAME)
    expect(request).to_contain_text("after 5pm")
    expect(request.locator(".status")).to_have_text("new")
    request.get_by_role("button", name="Mark contacted").click()
    expect(page.get_by_role("article", name=VISITOR_NAME).locator(".status")).to_have_text("contacted")

    page.get_by_role("link", name="Flagged conversations").click()
    expect(page.get_by_role("link", name="Flagged conversations")).to_have_attribute("aria-current", "page")
    conversation = page.locator("article", has_text=FLAGGED_ID)
    expect(conversation).to_contain_text(FLAGGED_TEXT)
    expect(conversation).to_contain_text("suicide.passive_ideation")
    conversation.get_by_label("Add a note").fill("Called back; safe with family.")
    conversation.get_by_role("button", name="Save note").click()
    expect(page.locator("article", has_text=FLAGGED_ID)).to_contain_text("Called back; safe with family.")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
    page.goto("/staff/requests")
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()


def test_no_serious_accessibility_violations_at_375px(page: Page) -> None:
    page.goto("/staff/login")
    assert_accessible(page)
    log_in(page)
    assert_accessible(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-requests-phone.png"), full_page=True)
    for tab in ("Flagged conversations", "Unsure questions"):
        page.get_by_role("link", name=tab).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(tab)
        assert_accessible(page)
    page.get_by_role("link", name="Flagged conversations").click()
    page.screenshot(path=str(ARTIFACTS / "staff-flagged-phone.png"), full_page=True)
    # Focus is visible: a focused button gets an outline.
    page.get_by_role("button", name="Log out").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_a_form_without_its_csrf_token_is_refused(page: Page) -> None:
    log_in(page)
    form = page.get_by_role("article", name=VISITOR_NAME).locator("form").first
    form.evaluate("f => f.querySelector('input[name=csrf_token]').remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button").click()
    assert posted.value.status == 403


def test_wrong_passwords_are_rate_limited(browser: Browser, tmp_path) -> None:
    # A server of its own: the limit also counts per address, and would lock out the other tests.
    settings = Settings(var_dir=tmp_path, env="test", port=free_port(), staff_session_secret="e2e-staff-secret")
    add_staff_user(settings)
    statuses = []
    with serving(settings) as url:
        page = browser.new_page(viewport=PHONE)
        for _ in range(6):
            page.goto(url + "/staff/login")
            page.get_by_label("User name").fill(STAFF_USER)
            page.get_by_label("Password").fill("not the password")
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.get_by_role("button", name="Log in").click()
            statuses.append(posted.value.status)
        page.close()
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_without_a_staff_user_the_inbox_is_not_there(browser: Browser, tmp_path) -> None:
    settings = Settings(var_dir=tmp_path, env="test", port=free_port(), staff_session_secret="e2e-staff-secret")
    with serving(settings) as url:
        page = browser.new_page()
        assert page.goto(url + "/staff").status == 404
        assert page.goto(url + "/staff/login").status == 404
        page.close()
