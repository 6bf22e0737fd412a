"""How the staff outbox names where a message goes: a webhook URL, or ``mailto:`` an address."""
from __future__ import annotations

from typing import Optional

EMAIL_SCHEME = "mailto:"


def email_destination(address: str) -> str:
    return EMAIL_SCHEME + address


def email_address(destination: str) -> Optional[str]:
    """The address of an email destination; None for a webhook."""
    return destination[len(EMAIL_SCHEME):] if destination.startswith(EMAIL_SCHEME) else None
