"""The widget in a real browser (Debian's Chromium via Playwright) against the real service."""
from __future__ import annotations

import json
import re
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import PHONE, serious_violations
from tests.paths import PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"


@pytest.fixture
def page(browser: Browser, live_service) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=live_service.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/")
    page.wait_for_selector("#kapbot-launcher")
    yield page
    context.close()


def ask(page: Page, text: str) -> None:
    page.fill("#kapbot-input", text)
    page.click("#kapbot-send")


def answers(page: Page):
    return page.locator(".kapbot-msg--answer .kapbot-text")


def test_ask_follow_up_crisis_and_reload(page: Page) -> None:
    page.click("#kapbot-launcher")
    expect(page.locator("#kapbot-panel")).to_be_visible()
    expect(page.locator("#kapbot-input")).to_be_focused()

    ask(page, "how long does a session take?")
    expect(answers(page).last).to_contain_text("one and two hours")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))

    follow_up = page.locator(".kapbot-reply").filter(has_not_text="Tell me more").first
    title = follow_up.inner_text()
    follow_up.click()
    expect(page.locator(".kapbot-msg--user .kapbot-text").last).to_have_text(title)
    expect(answers(page)).to_have_count(2)

    ask(page, "i dont want to be alive anymore")
    expect(page.locator(".kapbot-msg--crisis .kapbot-text").last).to_contain_text("988")
    expect(page.locator("#kapbot-crisis-banner")).to_be_visible()
    # The crisis lines are one tap away, in the message and in the banner; no markdown shows.
    crisis_message = page.locator(".kapbot-msg--crisis .kapbot-text").last
    expect(crisis_message.locator('a.kapbot-action[href="tel:988"]')).to_have_text("Call 988")
    expect(crisis_message.locator('a.kapbot-action[href="sms:741741?body=HOME"]')).to_have_text("Text HOME to 741741")
    expect(crisis_message).not_to_contain_text("](")
    expect(page.locator('#kapbot-crisis-banner a.kapbot-action[href="sms:988"]')).to_be_visible()
    assert crisis_message.locator("a.kapbot-action").first.bounding_box()["height"] >= 44  # a thumb's width
    page.screenshot(path=str(ARTIFACTS / "widget-crisis-phone.png"))

    page.reload()
    page.wait_for_selector("#kapbot-launcher")
    page.evaluate("window.KapbotWidget.open()")
    expect(answers(page).first).to_contain_text("one and two hours")
    expect(page.locator("#kapbot-crisis-banner")).to_be_visible()
    expect(page.locator("#kapbot-crisis-banner")).to_contain_text("988")


def test_keyboard_only(page: Page) -> None:
    page.keyboard.press("Tab")  # skip link first, then on to the launcher
    for _ in range(30):
        if page.evaluate("document.activeElement && document.activeElement.id") == "kapbot-launcher":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "kapbot-launcher"
    page.keyboard.press("Enter")
    expect(page.locator("#kapbot-input")).to_be_focused()
    page.keyboard.type("what does it cost")
    page.keyboard.press("Enter")
    expect(answers(page).last).to_contain_text("$600")
    page.keyboard.press("Escape")
    expect(page.locator("#kapbot-panel")).to_be_hidden()
    expect(page.locator("#kapbot-launcher")).to_be_focused()


def test_markup_is_shown_as_text(page: Page) -> None:
    page.click("#kapbot-launcher")
    markup = '<b>bold</b><img src=x onerror="window.pwned=1">'
    ask(page, markup)
    expect(page.locator(".kapbot-msg--user .kapbot-text").last).to_have_text(markup)
    expect(page.locator(".kapbot-msg--bot").last).to_be_visible()
    assert page.locator("#kapbot-log b, #kapbot-log img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_unreachable_server_shows_retry_and_loses_nothing(page: Page) -> None:
    page.route("**/v1/chat", lambda route: route.abort())
    page.route_web_socket(re.compile(r".*/socket\.io/.*"), lambda ws: ws.close())
    page.click("#kapbot-launcher")
    ask(page, "where are you located")
    expect(page.locator("#kapbot-error")).to_be_visible(timeout=40_000)
    expect(page.locator(".kapbot-msg--failed .kapbot-text")).to_have_text("where are you located")
    page.unroute("**/v1/chat")
    page.click("#kapbot-retry")
    expect(answers(page).last).to_contain_text("Alder Street")


def test_no_serious_accessibility_violations_with_the_panel_open(page: Page) -> None:
    page.click("#kapbot-launcher")
    ask(page, "what is KAP")
    expect(answers(page).last).to_be_visible()
    serious = serious_violations(page)
    assert serious == [], json.dumps([(v["id"], v["help"]) for v in serious], indent=1)


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 640}, {"width": 640, "height": 400}],
                         ids=["320px", "1280x800-at-200%-zoom"])
def test_usable_narrow_and_zoomed(browser: Browser, live_service, viewport) -> None:
    # 200% zoom of a 1280x800 window lays out like a 640x400 one.
    context = browser.new_context(viewport=viewport, base_url=live_service.url)
    page = context.new_page()
    page.goto("/")
    page.click("#kapbot-launcher")
    ask(page, "where are you")
    expect(answers(page).last).to_be_visible()
    for selector in ("#kapbot-input", "#kapbot-send", "#kapbot-close"):
        expect(page.locator(selector)).to_be_in_viewport()
    no_sideways_scroll = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    assert page.evaluate(no_sideways_scroll)
    context.close()
