"""The consultation request form: take the details out of what the visitor types,
store them only with consent, and queue them to the clinic's staff.

Where ``clinic.yml`` names no destination for requests, the form asks nothing
and the visitor gets the clinic's own contact lines instead of a promise the
software could not keep.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.answers import render_phrase
from bot.consultations import ConsultationRequest, ConsultationStore
from bot.contact_details import ContactKind, find_contact, find_name
from bot.knowledge import get_knowledge
from bot.smtp import Email
from bot.settings import get_settings
from bot.staff_outbox import StaffOutbox

FORM_SLOTS = ("consult_name", "consult_contact", "consult_consent")
# Never an answer to the form's question: the form steps aside and its rules
# take these (cancel, the crisis answer, a kind word).
STEP_ASIDE = {"stop", "crisis", "share_feelings"}
ASKED_AGAIN = object()  # a button or another click on "contact me": ask the question again


def clear_form() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def _reply(tracker: Tracker, slot: str) -> object:
    """The visitor's reply when it answers ``slot``; ASKED_AGAIN for a button or a repeated
    request; None when the form should step aside (a command, a crisis, a question)."""
    if tracker.get_slot("requested_slot") != slot:
        return None
    text = tracker.latest_message.get("text") or ""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in STEP_ASIDE:
        return None
    if intent == "faq":  # a question, unless it holds what was asked (an email can look like one)
        found = (find_contact(text, _region()) if slot == "consult_contact"
                 else find_name(text) if len(text.split()) <= 2 else None)
        return text if found else None
    if intent == "request_consultation" or text.lstrip().startswith("/"):
        return ASKED_AGAIN
    return text


def _extracted(slot: str, reply: object) -> Dict[Text, Any]:
    if reply is None:
        return {}  # nothing extracted: Rasa rejects the form for this turn and the rules answer
    return {slot: None if reply is ASKED_AGAIN else reply}


def _region() -> str:
    return get_knowledge().clinic.crisis.region


class ValidateConsultationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_consultation_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # Nowhere to send a request: ask for nothing, and the submit action says so.
        return domain_slots if get_knowledge().clinic.consultations.destinations else []

    async def extract_consult_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _extracted("consult_name", _reply(tracker, "consult_name"))

    async def extract_consult_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _extracted("consult_contact", _reply(tracker, "consult_contact"))

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
        detail = find_contact(str(value or ""), _region())
        if detail is None and value is not None:
            dispatcher.utter_message(response="utter_invalid_consult_contact")
        return {"consult_contact": detail.value if detail else None}


class ActionSubmitConsultation(Action):
    """Store and queue the request only when the visitor agreed to be contacted."""

    def name(self) -> Text:
        return "action_submit_consultation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = get_knowledge()
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
            channel=_channel(tracker) or "web",
            name=tracker.get_slot("consult_name"),
            contact=contact,
            contact_kind=ContactKind.email if "@" in contact else ContactKind.phone,
            consent=True,
        )
        email = Email(
            subject=render_phrase(knowledge.library, "consultation_email_subject", clinic, request=request),
            text=render_phrase(knowledge.library, "consultation_email_body", clinic, request=request),
        )
        ConsultationStore(StaffOutbox(get_settings().staff_db_path)).submit(request, clinic, email)
        dispatcher.utter_message(response="utter_consultation_sent", clinic_name=clinic.name)
        return clear_form()


def _channel(tracker: Tracker) -> Optional[str]:
    return tracker.get_latest_input_channel()


class ActionCancelConsultation(Action):
    def name(self) -> Text:
        return "action_cancel_consultation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_consultation_cancelled")
        return clear_form()
