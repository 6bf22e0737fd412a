"""The files of a content directory, and reading a YAML one into a pydantic model
(any problem names the file, field and reason)."""
from __future__ import annotations

from pathlib import Path
from typing import Type, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ContentError

Model = TypeVar("Model", bound=BaseModel)

# What a content directory (content/ in the project) holds.
CATALOGUE_FILE = "catalogue.yml"
PROJECT_TOPICS_FILE = "project_topics.yml"
SOURCES_FILE = "sources.yml"
PHRASES_FILE = "phrases.yml"
TERMINOLOGY_FILE = "terminology.yml"
TOPICS_DIR = "topics"


def load_yaml_model(path: Path, model: Type[Model]) -> Model:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(path, "-", str(exc)) from exc
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ContentError(path, ".".join(map(str, error["loc"])), error["msg"]) from exc
