"""Custom actions, run in process (bot/action_runner.py) and built with what they use."""
from __future__ import annotations

from typing import List

from rasa_sdk import Action

from actions.consultation import (
    ActionCancelConsultation,
    ActionSubmitConsultation,
    ValidateConsultationForm,
)
from actions.topics import ActionAnswerTopic, ActionClarify
from bot.content.knowledge import Knowledge
from bot.staff.outbox import StaffOutbox


def build_actions(knowledge: Knowledge, outbox: StaffOutbox) -> List[Action]:
    """Every custom action of domain.yml, given the knowledge and outbox of one assistant."""
    return [
        ActionAnswerTopic(knowledge),
        ActionClarify(knowledge),
        ValidateConsultationForm(knowledge),
        ActionSubmitConsultation(knowledge, outbox),
        ActionCancelConsultation(),
    ]
