"""Button payloads: the only slash commands a visitor's client may send.

Rasa reads a message starting with "/" as an intent, skipping NLU. Buttons
rely on that, but a typed "/restart" or "/crisis" must not steer the
dialogue, so anything that is not a payload we issue is read as plain text.
"""
from __future__ import annotations

import json
import re
from typing import Optional

TELL_ME_MORE = "/tell_me_more"
REQUEST_CONSULTATION = "/request_consultation"
OUT_OF_SCOPE_PAYLOAD = "/out_of_scope"  # the "Something else" button
_ISSUED = re.compile(
    r'^/(faq\{"topic":"[a-z]+\.[a-z_]+"\}|tell_me_more|out_of_scope|request_consultation|stop|affirm|deny)$'
)


def topic_payload(topic_id: str) -> str:
    """The button payload that asks for one topic, as Rasa parses it."""
    return "/faq" + json.dumps({"topic": topic_id}, separators=(",", ":"))


def topic_from_payload(payload: str) -> Optional[str]:
    """The topic a button asks for, or None for any other payload."""
    if not payload.startswith("/faq{"):
        return None
    try:
        topic = json.loads(payload[len("/faq"):]).get("topic")
    except (ValueError, AttributeError):
        return None
    return topic if isinstance(topic, str) else None


def as_user_text(text: str) -> str:
    """The text handed to Rasa: issued payloads as they are, anything else as words."""
    if not text.startswith("/") or _ISSUED.match(text):
        return text
    return text.lstrip("/").strip() or "?"
