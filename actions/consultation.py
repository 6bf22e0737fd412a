"""The consultation request form: take the details out of what the visitor types,
store them only with consent, and queue them to the clinic's staff.

Where ``clinic.yml`` names no destination for requests, the form asks nothing
and the visitor gets the clinic's own contact lines instead of a promise the
software could not keep.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.answers import render_phrase
from bot.content.knowledge import Knowledge
from bot.staff.consultations import ConsultationRequest, ConsultationStore
from bot.staff.contact_details import ContactKind, find_contact, find_name
from bot.staff.outbox import StaffOutbox
from bot.staff.smtp import Email

SUBMIT_ACTION = "action_submit_consultation"
FORM_SLOTS = ("consult_name", "consult_contact", "consult_time", "consult_consent")
DETAILS = ("consult_name", "consult_contact", "consult_time")
ANY_TIME = "any time"
_NO_PREFERENCE = re.compile(
    r"^\W*(any ?time|whenever|no preference|doesn'?t matter|does not matter|skip|either|anything|any)\W*$",
    re.IGNORECASE,
)
# Never an answer to the form's question: the form steps aside and its rules
# take these (cancel; the crisis answer, whichever net raised it).
STEP_ASIDE = {"stop", "crisis"}
# A reply the model reads as one of these is a question or a feeling, unless it holds
# what was asked: the model knows questions, not names or phone numbers.
NOT_DETAILS = {"faq", "share_feelings"}
ASKED_AGAIN = object()  # a button or another click on "contact me": ask the question again


def clear_form() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def _reply(tracker: Tracker, slot: str, region: str) -> object:
    """The visitor's reply when it answers ``slot``; ASKED_AGAIN for a button or a repeated
    request; None when the form should step aside (a command, a crisis, a question).
    ``region`` is where a phone number without a country code is read as local."""
    if tracker.get_slot("requested_slot") != slot:
        return None
    text = tracker.latest_message.get("text") or ""
    intent = _intent(tracker)
    if intent in STEP_ASIDE:
        return None
    if intent == "request_consultation" or text.lstrip().startswith("/"):
        return ASKED_AGAIN
    if intent not in NOT_DETAILS:
        return text
    if slot == "consult_contact":
        holds_it = find_contact(text, region) is not None
    elif slot == "consult_name":
        holds_it = len(text.split()) <= 2 and find_name(text) is not None
    else:  # a time ("after 5pm on weekdays") is free text; only a question is not one
        holds_it = "?" not in text
    return text if holds_it else None


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _extracted(slot: str, reply: object) -> Dict[Text, Any]:
    if reply is None:
        return {}  # nothing extracted: Rasa rejects the form for this turn and the rules answer
    return {slot: None if reply is ASKED_AGAIN else reply}


class ValidateConsultationForm(FormValidationAction):
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def name(self) -> Text:
        return "validate_consultation_form"

    def _region(self) -> str:
        return self.knowledge.clinic.crisis.region

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # Nowhere to send a request: ask for nothing, and the submit action says so.
        return domain_slots if self.knowledge.clinic.consultations.destinations else []

    async def extract_consult_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") == "consult_consent" and _intent(tracker) == "request_consultation":
            return {slot: None for slot in DETAILS}  # "Change my details": ask them all again
        return _extracted("consult_name", _reply(tracker, "consult_name", self._region()))

    async def extract_consult_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _extracted("consult_contact", _reply(tracker, "consult_contact", self._region()))

    async def extract_consult_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _extracted("consult_time", _reply(tracker, "consult_time", self._region()))

    def validate_consult_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None:
            return {"consult_time": None}
        text = " ".join(str(value).split())[:100]
        return {"consult_time": ANY_TIME if _NO_PREFERENCE.match(text) else text}

    def validate_consult_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = find_name(str(value or ""))
        if name is None and value is not None:
            dispatcher.utter_message(response="utter_invalid_consult_name")
        return {"consult_name": name}

    def validate_consult_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        detail = find_contact(str(value or ""), self._region())
        if detail is None and value is not None:
            dispatcher.utter_message(response="utter_invalid_consult_contact")
        return {"consult_contact": detail.value if detail else None}


class ActionSubmitConsultation(Action):
    """Store and queue the request only when the visitor agreed to be contacted.

    The engine sends what was queued once the action has run (bot/engine.py)."""

    def __init__(self, knowledge: Knowledge, outbox: StaffOutbox) -> None:
        self.knowledge = knowledge
        self.outbox = outbox

    def name(self) -> Text:
        return SUBMIT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = self.knowledge
        clinic = knowledge.clinic
        if not clinic.consultations.destinations:
            dispatcher.utter_message(text=render_phrase(knowledge.library, "consultation_unavailable", clinic))
            return clear_form()
        if tracker.get_slot("consult_consent") is not True:
            dispatcher.utter_message(response="utter_consultation_declined")
            return clear_form()
        contact = str(tracker.get_slot("consult_contact"))
        request = ConsultationRequest(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "web",
            name=tracker.get_slot("consult_name"),
            contact=contact,
            contact_kind=ContactKind.email if "@" in contact else ContactKind.phone,
            preferred_time=None if tracker.get_slot("consult_time") == ANY_TIME else tracker.get_slot("consult_time"),
            consent=True,
        )
        email = Email(
            subject=render_phrase(knowledge.library, "consultation_email_subject", clinic, request=request),
            text=render_phrase(knowledge.library, "consultation_email_body", clinic, request=request),
        )
        ConsultationStore(self.outbox).submit(request, clinic, email)
        dispatcher.utter_message(response="utter_consultation_sent", clinic_name=clinic.name)
        return clear_form()


class ActionCancelConsultation(Action):
    def name(self) -> Text:
        return "action_cancel_consultation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_consultation_cancelled")
        return clear_form()
