"""Turn a content entry into the answer a visitor sees, with the clinic's facts filled in.

Rendering happens at response time, so editing clinic.yml changes answers
without retraining. Templates run in Jinja's sandbox with StrictUndefined:
a typo in a template fails ``kapbot validate`` instead of printing nothing.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from bot.content.clinic import Clinic
from bot.content.library import Entry, Library
from bot.errors import ContentError
from bot.payloads import REQUEST_CONSULTATION, TELL_ME_MORE, topic_payload

_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)
_BLANK_LINES = re.compile(r"\n{3,}")


@lru_cache(maxsize=2048)
def _compiled(template: str) -> Template:
    # Compiling is most of a render's cost, and the content's templates are few and fixed.
    return _env.from_string(template)


class Button(BaseModel):
    title: str
    payload: str


class Answer(BaseModel):
    topic: str
    text: str
    buttons: List[Button] = []
    sources: List[str] = []


def render_text(path: Path, template: str, clinic: Clinic, **context: object) -> str:
    """Render one template; ContentError names the file when it fails."""
    try:
        text = _compiled(template).render(clinic=clinic, **context)
    except TemplateError as exc:
        raise ContentError(path, "body", f"template error: {exc}") from exc
    # Unwrap hard-wrapped prose lines but keep paragraphs and list items.
    paragraphs = [p.strip() for p in _BLANK_LINES.sub("\n\n", text).split("\n\n") if p.strip()]
    return "\n\n".join(_unwrap(p) for p in paragraphs)


def _unwrap(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if any(line.lstrip().startswith(("- ", "* ", "1.")) for line in lines):
        return "\n".join(line.strip() for line in lines)
    return " ".join(line.strip() for line in lines)


def render(entry: Entry, library: Library, clinic: Clinic, more: bool = False) -> Answer:
    """The answer for ``entry``; with ``more``, its "tell me more" part."""
    template = entry.more if more and entry.more else entry.answer
    buttons: List[Button] = []
    if entry.more and not more:
        buttons.append(Button(title=library.phrases.tell_me_more_button, payload=TELL_ME_MORE))
    if entry.meta.offer_consultation and clinic.consultations.destinations:
        buttons.append(
            Button(title=library.phrases.request_consultation_button, payload=REQUEST_CONSULTATION)
        )
    buttons += [
        Button(title=library.get(f).meta.button, payload=topic_payload(f))
        for f in entry.meta.follow_ups
    ]
    return Answer(
        topic=entry.id,
        text=render_text(entry.path, template, clinic),
        buttons=buttons,
        sources=library.citations(entry),
    )


def render_phrase(library: Library, name: str, clinic: Clinic, **context: object) -> str:
    """One of the library's phrases (content/phrases.yml), rendered with the clinic's facts (and ``context``)."""
    template = getattr(library.phrases, name)
    return render_text(library.phrases_path, template, clinic, **context)
