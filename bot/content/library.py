"""Curated answers: Markdown files with YAML front matter under ``content/topics/``.

Each file is one topic of the catalogue. The body is the answer, a Jinja
template that may read the clinic's facts (``{{ clinic.contact.phone }}``);
an optional part after a ``<!-- more -->`` line is the "tell me more" text.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, validator

from bot.content.catalogue import TOPIC_ID, Catalogue, load_catalogue
from bot.content.files import (
    CATALOGUE_FILE,
    PHRASES_FILE,
    PROJECT_TOPICS_FILE,
    SOURCES_FILE,
    TOPICS_DIR,
    load_yaml_model,
)
from bot.content.phrases import Phrases, load_phrases
from bot.errors import ContentError

FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
MORE_MARKER = re.compile(r"^<!--\s*more\s*-->\s*$", re.MULTILINE)


class Source(BaseModel):
    """One entry of content/sources.yml."""

    title: str
    kind: str
    url: Optional[str] = None
    note: Optional[str] = None

    @property
    def citation(self) -> str:
        return f"{self.title} ({self.url})" if self.url else self.title


class SourceRef(BaseModel):
    ref: str = Field(..., description="A key of content/sources.yml.")
    quote: Optional[str] = Field(default=None, description="The passage relied on, verbatim.")

    class Config:
        extra = "forbid"


class FrontMatter(BaseModel):
    """What each content file declares about itself."""

    id: str = Field(..., regex=TOPIC_ID)
    title: str = Field(..., min_length=3, max_length=80)
    button: str = Field(
        default=..., min_length=3, max_length=40,
        description="The label when another answer suggests this one as a follow-up.",
    )
    intent: Optional[str] = Field(
        default=None, description="A plain (non-FAQ) intent that this entry also answers."
    )
    conveys: List[str] = Field(..., min_items=1, description="must_convey facts covered.")
    sources: List[SourceRef] = Field(..., min_items=1)
    follow_ups: List[str] = Field(default=[], max_items=4)
    next: Optional[str] = Field(
        default=None, regex=TOPIC_ID,
        description="What comes next in the patient's journey ('and after that?'); "
        "default: the first follow-up.",
    )
    offer_consultation: bool = Field(
        default=False, description="Add a button that asks the clinic to contact the visitor."
    )
    reviewed_by: str = Field(..., min_length=2)
    reviewed_on: datetime.date

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True

    @validator("follow_ups", each_item=True)
    def follow_up_is_topic_id(cls, value: str) -> str:
        if not re.match(TOPIC_ID, value):
            raise ValueError(f"'{value}' is not a topic id")
        return value


class Entry(BaseModel):
    meta: FrontMatter
    answer: str = Field(..., min_length=1)
    more: Optional[str] = None
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id


class Library(BaseModel):
    """All content entries, checked against the catalogue and the sources."""

    entries: Dict[str, Entry]
    sources: Dict[str, Source]
    catalogue: Catalogue
    phrases: Phrases
    phrases_path: Path  # named when a phrase fails to render

    def get(self, topic_id: str) -> Entry:
        return self.entries[topic_id]

    def next_topic(self, topic_id: str) -> Optional[str]:
        """The step after ``topic_id`` in the patient's journey."""
        meta = self.entries[topic_id].meta
        return meta.next or (meta.follow_ups[0] if meta.follow_ups else None)

    def has(self, topic_id: str) -> bool:
        return topic_id in self.entries

    def entry_for_intent(self, intent: str) -> Optional[Entry]:
        return next((e for e in self.entries.values() if e.meta.intent == intent), None)

    def citations(self, entry: Entry) -> List[str]:
        return list(dict.fromkeys(self.sources[ref.ref].citation for ref in entry.meta.sources))


def parse_entry(path: Path) -> Entry:
    """Read one content file; ContentError names the file, the field and the reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, "-", f"cannot read: {exc}") from exc
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ContentError(path, "front matter", "file must start with '---', YAML, '---'")
    try:
        raw = yaml.safe_load(match["meta"])
    except yaml.YAMLError as exc:
        raise ContentError(path, "front matter", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ContentError(path, "front matter", "must be a mapping")
    try:
        meta = FrontMatter.parse_obj(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ContentError(path, ".".join(map(str, error["loc"])), error["msg"]) from exc
    answer, more = _split_more(match["body"])
    if not answer:
        raise ContentError(path, "body", "the answer is empty")
    return Entry(meta=meta, answer=answer, more=more or None, path=path)


def _split_more(body: str) -> Tuple[str, str]:
    parts = MORE_MARKER.split(body, maxsplit=1)
    return parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")


class Sources(BaseModel):
    __root__: Dict[str, Source]


def load_sources(path: Path) -> Dict[str, Source]:
    return load_yaml_model(path, Sources).__root__


def load_library(content_dir: Path) -> Library:
    """Load and cross-check every entry under ``content_dir/topics``."""
    catalogue = load_catalogue(content_dir / CATALOGUE_FILE, content_dir / PROJECT_TOPICS_FILE)
    sources = load_sources(content_dir / SOURCES_FILE)
    entries: Dict[str, Entry] = {}
    for path in sorted((content_dir / TOPICS_DIR).rglob("*.md")):
        entry = parse_entry(path)
        topic = catalogue.get(entry.id, path)
        if entry.id in entries:
            raise ContentError(path, "id", f"'{entry.id}' is also used by {entries[entry.id].path}")
        for fact in entry.meta.conveys:
            if fact not in topic.must_convey:
                raise ContentError(path, "conveys", f"'{fact}' is not a must_convey fact of {entry.id}")
        for ref in entry.meta.sources:
            if ref.ref not in sources:
                raise ContentError(path, "sources", f"unknown source '{ref.ref}'")
        entries[entry.id] = entry
    for entry in entries.values():
        for follow_up in entry.meta.follow_ups:
            if follow_up not in entries:
                raise ContentError(entry.path, "follow_ups", f"no content for '{follow_up}'")
        if entry.meta.next and entry.meta.next not in entries:
            raise ContentError(entry.path, "next", f"no content for '{entry.meta.next}'")
    phrases_path = content_dir / PHRASES_FILE
    phrases = load_phrases(phrases_path)
    return Library(entries=entries, sources=sources, catalogue=catalogue, phrases=phrases, phrases_path=phrases_path)
