"""What the assistant knows at response time: the content library and the clinic's facts.

Loaded once per process. The clinic file is re-read when it changes on disk,
so a clinic can correct its phone number without a restart or retraining.
"""
from __future__ import annotations

from pathlib import Path
from threading import Lock
from typing import Optional

from bot.content.clinic import Clinic, load_clinic
from bot.content.library import Library, load_library
from bot.settings import Settings


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
