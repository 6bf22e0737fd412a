"""Short texts around the answers (content/phrases.yml): button labels, prompts, notes."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bot.content.files import load_yaml_model


class Phrases(BaseModel):
    tell_me_more_button: str
    something_else_button: str
    request_consultation_button: str
    clarify: str
    offer_runner_up: str
    provider_note: str
    disclaimer: str
    crisis_reminder: str
    call_link: str
    text_link: str
    sms_stop: str
    sms_start: str
    sms_help: str
    consultation_unavailable: str
    consultation_email_subject: str
    consultation_email_body: str

    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


def load_phrases(path: Path) -> Phrases:
    return load_yaml_model(path, Phrases)
