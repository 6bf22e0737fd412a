"""What the crisis detector answers: the kind of crisis and the rule that found it."""
from __future__ import annotations

from enum import Enum

from pydantic import BaseModel


class CrisisCategory(str, Enum):
    self_harm = "self_harm"  # suicide or self-harm thoughts, plans, intent
    harm_to_others = "harm_to_others"
    abuse = "abuse"  # abuse or violence at home / being hurt by someone
    medical_emergency = "medical_emergency"  # overdose, can't breathe, chest pain, unresponsive


class CrisisSignal(BaseModel):
    category: CrisisCategory
    rule: str  # the name of the rule that matched (for tests and audit, never the text)
    asks_about_treatment: bool  # also a question about the treatment: show resources AND answer
    # Suicidality, self-harm or thoughts of death named as a subject (a question about the
    # treatment, screening, a piece of work), with no one at risk now ("how do you screen for
    # suicide risk?"): the answer, with the crisis lines before it as a note; not the crisis
    # path, so no staff alert.
    subject_only: bool = False

    @property
    def crisis_path(self) -> bool:
        """Does this signal take the crisis path (crisis reply or resources first, staff alert)?"""
        return not self.subject_only

    @property
    def replaces_answer(self) -> bool:
        """The crisis reply alone: the crisis path, and no question about the treatment to answer."""
        return self.crisis_path and not self.asks_about_treatment

    class Config:
        allow_mutation = False
        extra = "forbid"
