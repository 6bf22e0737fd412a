"""Fixtures of the browser tests."""
from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser

from tests.e2e.browser import launch_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_chromium()
