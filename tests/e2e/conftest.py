"""Fixtures of the browser tests."""
from __future__ import annotations

import json
import re
from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.e2e.browser import PHONE, launch_chromium
from tests.e2e.clinic_site import ClinicSite
from tests.service import Service

OFF_MACHINE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_chromium()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser profile: storage starts empty, and nothing loads from the internet.

    The clients must work from the npm install alone; rasa-webchat's import of a Google
    font is refused here as it fails offline (it falls back to the system font).
    """
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(20_000)
    context.route(OFF_MACHINE, lambda route: route.abort())
    yield context
    context.close()


@pytest.fixture(scope="session")
def clinic_site() -> Iterator[ClinicSite]:
    with ClinicSite() as site:
        yield site


@pytest.fixture(scope="session")
def clients_service(model_path, clinic_site: ClinicSite, tmp_path_factory) -> Iterator[Service]:
    """The real service with the clinic's site, another origin, on its allowlist."""
    service = Service({
        "KAPBOT_VAR_DIR": str(tmp_path_factory.mktemp("clients-var")),
        "KAPBOT_ALLOWED_ORIGINS": json.dumps([clinic_site.origin]),
    })
    with service:
        service.wait_until("/readyz")
        yield service


@pytest.fixture(scope="session")
def clinic_line(settings) -> str:
    """The clinic's own phone line: in the crisis reply and in no other message."""
    from bot.content.clinic import load_clinic

    return load_clinic(settings.clinic_file).crisis.clinic_line.phone
