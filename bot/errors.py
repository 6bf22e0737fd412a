"""Every error kapbot raises on purpose, as one tree.

    KapbotError
    ├── ConfigError             settings or clinic.yml are missing or invalid
    ├── ContentError            a content file is missing, unreadable or invalid
    │   └── UnknownTopicError   a topic id that is not in the catalogue
    ├── ModelError              the trained model is missing or cannot be loaded
    │   └── NotReadyError       a message arrived before the model was loaded
    └── InputError              a client sent something we refuse (API maps to 4xx)

The API maps these to HTTP statuses in ``api/errors.py``; nothing else
should need to catch a bare ``Exception``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional


class KapbotError(Exception):
    """Base of every error kapbot raises on purpose."""


class ConfigError(KapbotError):
    """Raised when settings or the clinic configuration are invalid."""


class ContentError(KapbotError):
    """Raised when a content file is invalid; names the file, the field and why."""

    def __init__(self, path: Path, field: str, reason: str) -> None:
        self.path = path
        self.field = field
        self.reason = reason
        super().__init__(f"{path}: {field}: {reason}")


class UnknownTopicError(ContentError):
    """Raised when a topic id is not in the catalogue."""


class ModelError(KapbotError):
    """Raised when the trained model is missing or cannot be loaded."""


class NotReadyError(ModelError):
    """Raised when a message arrives before the model is loaded."""


class InputError(KapbotError):
    """Raised when a client sends input we refuse; ``field`` names the culprit."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        self.field = field
        super().__init__(message)
