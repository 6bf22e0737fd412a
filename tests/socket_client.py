"""A Socket.IO client as Rasa's web chat widgets are, for the tests of /socket.io."""
from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Optional

import socketio


class RasaSocketClient:
    """A client as Rasa's web chat widgets are: session_request, user_uttered, bot_uttered."""

    def __init__(self, url: str, origin: Optional[str] = None) -> None:
        self.url = url
        # websocket-client sends the server's own origin unless told otherwise.
        self.headers = {"Origin": origin} if origin else {}
        self.sio = socketio.Client(reconnection=False)
        self.received: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.confirmed = threading.Event()
        self.session_id: Optional[str] = None
        self.sio.on("session_confirm", self._confirm)
        self.sio.on("bot_uttered", self.received.append)
        self.sio.on("kapbot_error", self.errors.append)

    def _confirm(self, session_id: str) -> None:
        self.session_id = session_id
        self.confirmed.set()

    def start(self, session_id: str) -> "RasaSocketClient":
        self.sio.connect(self.url, socketio_path="socket.io", transports=["websocket"],
                         headers=self.headers)
        self.sio.emit("session_request", {"session_id": session_id})
        assert self.confirmed.wait(10), "no session_confirm"
        return self

    def say(self, text: str, expect: int = 1) -> List[Dict[str, Any]]:
        before = len(self.received)
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if len(self.received) - before >= expect:
                time.sleep(0.3)  # let the rest of the reply arrive
                return self.received[before:]
            time.sleep(0.05)
        raise TimeoutError(f"no reply to {text!r}")
