"""A name and a phone number or email, taken out of what a visitor types.

Visitors answer in sentences ("ok my name is Sam", "you can reach me at
(415) 555-0101 after 5pm"), so the form looks for the detail inside the reply
instead of asking for the bare value again. Phone numbers are read with
``phonenumbers`` in the clinic's region, emails with ``email-validator``.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel

# Words people put around their name; stripped from the start of the reply, in any order.
_NAME_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|sure|yes|yeah|yep|hi|hello|hey|well|so|um+|uh+|fine|alright|right)\b[\s,.!-]*)*"
    r"(?:(?:my\s+(?:first\s+|full\s+)?name\s+is|my\s+name'?s|name'?s|name\s*:|"
    r"i'?m|i\s+am|it'?s|it\s+is|this\s+is|call\s+me|you\s+can\s+call\s+me|they\s+can\s+call\s+me|"
    r"please\s+call\s+me|just)\b[\s,:-]*)?",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(r"[\s,.!]*(?:thanks?(?:\s+you)?|thx|please|pls|here)?[\s,.!]*$", re.IGNORECASE)
_EMAIL_LIKE = re.compile(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+\.[A-Za-z]{2,}")


class ContactKind(str, Enum):
    phone = "phone"
    email = "email"


class ContactDetail(BaseModel):
    kind: ContactKind
    value: str  # E.164 for a phone number, the normalised address for an email


def find_name(text: str) -> Optional[str]:
    """The name in a reply, or None when the reply does not read as a name."""
    value = " ".join(text.split())
    if value.startswith("/"):
        return None  # a button payload, never a name
    value = _NAME_LEAD.sub("", value, count=1)
    value = _NAME_TAIL.sub("", value, count=1).strip(" .,!-")
    if not 1 <= len(value) <= 80 or len(value.split()) > 4:
        return None
    if not re.search(r"[^\W\d_]", value) or re.search(r"\d|@|https?:|[?!/{}]", value):
        return None
    return value[0].upper() + value[1:] if value.islower() else value


def find_contact(text: str, region: str) -> Optional[ContactDetail]:
    """The first email address or phone number in a reply (phone numbers read in ``region``)."""
    if text.lstrip().startswith("/"):
        return None
    for candidate in _EMAIL_LIKE.findall(text):
        try:
            email = validate_email(candidate.rstrip("."), check_deliverability=False)
        except EmailNotValidError:
            continue
        return ContactDetail(kind=ContactKind.email, value=email.normalized)
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        if phonenumbers.is_possible_number(match.number):
            formatted = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            return ContactDetail(kind=ContactKind.phone, value=formatted)
    return None
