"""Short texts around the answers (content/phrases.yml): button labels, prompts, notes."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import ContentError


class Phrases(BaseModel):
    tell_me_more_button: str
    something_else_button: str
    request_consultation_button: str
    clarify: str
    provider_note: str
    disclaimer: str
    crisis_reminder: str

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


def load_phrases(path: Path) -> Phrases:
    try:
        return Phrases.parse_obj(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(path, "-", str(exc)) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ContentError(path, ".".join(map(str, error["loc"])), error["msg"]) from exc
