"""The topic catalogue: every topic an installation must answer (content/catalogue.yml, a copy
of shared/topics.yml kept by bot/build/shared_copies.py), plus the topics this project adds
(content/project_topics.yml)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Dict, List

from pydantic import BaseModel, Field

from bot.content.files import load_yaml_model
from bot.errors import UnknownTopicError

TOPIC_ID = r"^[a-z]+\.[a-z_]+$"


class TopicKind(str, Enum):
    faq = "faq"
    clinic = "clinic"
    boundary = "boundary"
    safety = "safety"
    meta = "meta"


class Topic(BaseModel):
    id: str = Field(..., regex=TOPIC_ID)
    kind: TopicKind
    must_convey: List[str] = Field(..., min_items=1)


class Catalogue(BaseModel):
    topics: List[Topic]

    @property
    def by_id(self) -> Dict[str, Topic]:
        return {topic.id: topic for topic in self.topics}

    def get(self, topic_id: str, path: Path) -> Topic:
        try:
            return self.by_id[topic_id]
        except KeyError:
            raise UnknownTopicError(path, "id", f"'{topic_id}' is not in the topic catalogue") from None


def load_catalogue(path: Path, *more: Path) -> Catalogue:
    """The catalogue at ``path``, extended by the topics of ``more`` (which may not redefine one)."""
    catalogue = load_yaml_model(path, Catalogue)
    for extra in more:
        added = load_yaml_model(extra, Catalogue)
        for topic in added.topics:
            if topic.id in catalogue.by_id:
                raise UnknownTopicError(extra, "id", f"'{topic.id}' is already in {path.name}")
        catalogue = Catalogue(topics=catalogue.topics + added.topics)
    return catalogue
