"""The consultation request form: validate, store with consent, or cancel."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.consultations import ConsultationRequest, ConsultationStore, normalise_contact, normalise_name
from bot.knowledge import get_knowledge
from bot.settings import get_settings

FORM_SLOTS = ("consult_name", "consult_contact", "consult_consent")


def store() -> ConsultationStore:
    return ConsultationStore(get_settings().var_dir / "consultations.db")


def clear_form() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ValidateConsultationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_consultation_form"

    def validate_consult_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = normalise_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_consult_name")
        return {"consult_name": name}

    def validate_consult_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        contact = normalise_contact(str(value or ""))
        if contact is None:
            dispatcher.utter_message(response="utter_invalid_consult_contact")
        return {"consult_contact": contact}


class ActionSubmitConsultation(Action):
    """Store the request only when the visitor agreed to be contacted."""

    def name(self) -> Text:
        return "action_submit_consultation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if tracker.get_slot("consult_consent") is not True:
            dispatcher.utter_message(response="utter_consultation_declined")
            return clear_form()
        store().add(
            ConsultationRequest(
                conversation_id=tracker.sender_id,
                name=tracker.get_slot("consult_name"),
                contact=tracker.get_slot("consult_contact"),
                consent=True,
            )
        )
        clinic = get_knowledge().clinic
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
