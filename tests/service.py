"""Run the real service (``kapbot serve``) in a subprocess for tests that need a process,
or an app built in the test under uvicorn in a thread (``serving``)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Literal, Optional

import httpx
import uvicorn
from starlette.types import ASGIApp

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    def __init__(self, env: Optional[Dict[str, str]] = None, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.process: Optional[subprocess.Popen] = None
        self.log = PROJECT_DIR / "tests" / "artifacts" / f"service-{self.port}.log"

    def start(self) -> "Service":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
            cwd=PROJECT_DIR, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        return self

    def wait_until(self, path: str, status: int = 200, timeout: float = 240.0) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            assert self.process and self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(self.url + path, timeout=2).status_code == status:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{path} not {status} after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Service":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serving(app: ASGIApp, port: int, lifespan: Literal["on", "off"] = "on") -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1:``port`` in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan=lifespan,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), f"the app on port {port} did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
