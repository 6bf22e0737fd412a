"""Crisis numbers a patient can act on with one tap: ``tel:`` and ``sms:`` links.

The numbers come from clinic.yml (each crisis resource's ``call``, ``text`` and
``text_body``, and the clinic line); the link titles from content/phrases.yml.
Web clients get them as markdown links in the text (rasa-webchat and Chatroom
render markdown; kapbot's widget renders the same links) and as ``links`` on
the message; SMS and chat apps already turn numbers into links themselves.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Callable, Iterable, List, Optional
from urllib.parse import quote

import phonenumbers
from pydantic import BaseModel

from bot.content.clinic import Clinic

_DIGITS = re.compile(r"[^0-9+]")
_MARKDOWN_SPECIAL = re.compile(r"([\\\[\]])")


class LinkKind(str, Enum):
    call = "call"
    text = "text"


class ActionLink(BaseModel):
    kind: LinkKind
    title: str
    href: str


def dial_string(number: str, region: str) -> str:
    """What a phone dials: E.164 for a full number, the digits for a short code like 988."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    # A short code (988, 116 123) only works as dialled inside its country.
    if parsed is not None and not phonenumbers.is_valid_short_number(parsed) \
            and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return _DIGITS.sub("", number)


def call_link(title: str, number: str, region: str) -> ActionLink:
    return ActionLink(kind=LinkKind.call, title=title, href="tel:" + dial_string(number, region))


def text_link(title: str, number: str, region: str, body: Optional[str] = None) -> ActionLink:
    # RFC 5724: sms:<number>?body=<text>; iOS and Android both open it with the body filled in.
    query = f"?body={quote(body)}" if body else ""
    return ActionLink(kind=LinkKind.text, title=title, href=f"sms:{dial_string(number, region)}{query}")


# The title of a link: (kind, number, word to text or None) -> "Call 988".
TitleOf = Callable[[LinkKind, str, Optional[str]], str]


def crisis_links(clinic: Clinic, title_of: TitleOf) -> List[ActionLink]:
    """One link per way to reach each crisis resource, then the clinic line."""
    region = clinic.crisis.region
    links: List[ActionLink] = []
    for resource in clinic.crisis.resources:
        if resource.call:
            links.append(call_link(title_of(LinkKind.call, resource.call, None), resource.call, region))
        if resource.text:
            title = title_of(LinkKind.text, resource.text, resource.text_body)
            links.append(text_link(title, resource.text, region, resource.text_body))
    line = clinic.crisis.clinic_line
    if line:
        links.append(call_link(title_of(LinkKind.call, line.phone, None), line.phone, region))
    return links


def with_markdown_links(text: str, links: List[ActionLink], kinds: Iterable[LinkKind] = tuple(LinkKind)) -> str:
    """``text`` and a last line of markdown links of ``kinds``, for clients that render markdown."""
    wanted = set(kinds)
    links = [link for link in links if link.kind in wanted]
    if not links:
        return text
    return text + "\n\n" + " · ".join(f"[{_escape(link.title)}]({link.href})" for link in links)


def _escape(title: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", title)
