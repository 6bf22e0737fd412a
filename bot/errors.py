"""Every error kapbot raises on purpose, as one tree.

    KapbotError
    ├── ConfigError             settings, clinic.yml or the crisis patterns are missing or invalid
    ├── ContentError            a content file is missing, unreadable or invalid
    │   └── UnknownTopicError   a topic id that is not in the catalogue
    └── ModelError              a trained or sentence model is missing or cannot be loaded

The API maps these to HTTP statuses in ``api/errors.py`` (a client's bad input
is refused there, by validation, before it reaches kapbot); nothing else
should need to catch a bare ``Exception``.
"""
from __future__ import annotations

from pathlib import Path


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

