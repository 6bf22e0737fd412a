"""What the assistant knows at response time: the content library and the clinic's facts.

Loaded once per process. The clinic file is re-read when it changes on disk,
so a clinic can correct its phone number without a restart or retraining.
"""
from __future__ import annotations

from pathlib import Path
from threading import Lock
from typing import Optional

from bot.clinic import Clinic, load_clinic
from bot.content import Library, load_library
from bot.settings import Settings, get_settings


class Knowledge:
    def __init__(self, content_dir: Path, clinic_file: Path) -> None:
        self.library: Library = load_library(content_dir)
        self._clinic_file = clinic_file
        self._clinic: Optional[Clinic] = None
        self._clinic_mtime: float = -1.0
        self._lock = Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Knowledge":
        return cls(settings.content_dir, settings.clinic_file)

    @property
    def clinic(self) -> Clinic:
        mtime = self._clinic_file.stat().st_mtime
        with self._lock:
            if self._clinic is None or mtime != self._clinic_mtime:
                self._clinic = load_clinic(self._clinic_file)
                self._clinic_mtime = mtime
            return self._clinic


_knowledge: Optional[Knowledge] = None


def get_knowledge() -> Knowledge:
    """The environment's knowledge, for api/channels/twilio.py only (its rewrite takes the
    assistant's). Everything else is handed the Knowledge built from its own settings."""
    global _knowledge
    if _knowledge is None:
        _knowledge = Knowledge.from_settings(get_settings())
    return _knowledge
