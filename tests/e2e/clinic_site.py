"""A clinic's website on another origin than kapbot: the web client pages and their npm bundles.

Served by a static server on 127.0.0.1 so the clients talk to kapbot cross-origin,
as they do on a real clinic's site, and load their bundles from the npm install, never a CDN.
"""
from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Optional, Type
from urllib.parse import urlencode

import pytest

from tests.service import free_port

WEB_CLIENTS = Path(__file__).resolve().parent / "web_clients"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # pytest shows failures; a line per bundle request would bury them


class ClinicSite:
    def __init__(self) -> None:
        if not (WEB_CLIENTS / "node_modules").is_dir():
            pytest.fail("The Rasa web clients are missing: run scripts/ensure-web-clients (make test does)")
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        handler = functools.partial(_QuietHandler, directory=str(WEB_CLIENTS))
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page(self, name: str, service_url: str, **params: str) -> str:
        return f"{self.origin}/{name}?{urlencode({'service': service_url, **params})}"

    def __enter__(self) -> "ClinicSite":
        self.thread.start()
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.server.shutdown()
        self.server.server_close()
