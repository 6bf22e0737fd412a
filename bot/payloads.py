"""Button payloads: the only slash commands a visitor's client may send.

Rasa reads a message starting with "/" as an intent, skipping NLU. Buttons
rely on that, but a typed "/restart" or "/crisis" must not steer the
dialogue, so anything that is not a payload we issue is read as plain text.
"""
from __future__ import annotations

import json
import re

TELL_ME_MORE = "/tell_me_more"
REQUEST_CONSULTATION = "/request_consultation"
_ISSUED = re.compile(r'^/(faq\{"topic":"[a-z]+\.[a-z_]+"\}|tell_me_more|out_of_scope|request_consultation|stop|affirm|deny)$')


def topic_payload(topic_id: str) -> str:
    """The button payload that asks for one topic, as Rasa parses it."""
    return "/faq" + json.dumps({"topic": topic_id}, separators=(",", ":"))


def as_user_text(text: str) -> str:
    """The text handed to Rasa: issued payloads as they are, anything else as words."""
    if not text.startswith("/") or _ISSUED.match(text):
        return text
    return text.lstrip("/").strip() or "?"
