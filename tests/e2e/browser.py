"""What the browser tests share: Debian's Chromium for Playwright, and axe's verdict on a page."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 667}


def launch_chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def serious_violations(page: Page) -> List[dict]:
    """axe's serious and critical violations on the page as it is now."""
    # The pages' CSP blocks injected script tags; evaluate axe's source instead.
    page.evaluate(Axe().axe_script)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
