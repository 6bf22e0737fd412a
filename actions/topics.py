"""The one action that answers from curated content (content/ + clinic.yml)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import render
from bot.content import Library
from bot.knowledge import get_knowledge

OUT_OF_SCOPE = "boundary.out_of_scope"


def topic_from_message(message: Dict[Text, Any], current: Optional[str], library: Library) -> str:
    """Which curated topic answers this message."""
    intent = (message.get("intent") or {}).get("name")
    for entity in message.get("entities") or []:
        # A follow-up button names its topic: /faq{"topic": "during.setting"}
        if entity.get("entity") == "topic" and library.has(str(entity.get("value"))):
            return str(entity["value"])
    if intent == "tell_me_more":
        return current or "meta.capabilities"
    if intent == "faq":
        selected = (
            (message.get("response_selector") or {}).get("faq", {}).get("response", {})
        ).get("intent_response_key") or ""
        topic = selected.partition("/")[2]
        if library.has(topic):
            return topic
    entry = library.entry_for_intent(intent or "")
    return entry.id if entry else OUT_OF_SCOPE


class ActionAnswerTopic(Action):
    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = get_knowledge()
        message = tracker.latest_message or {}
        current = tracker.get_slot("current_topic")
        topic = topic_from_message(message, current, knowledge.library)
        more = (message.get("intent") or {}).get("name") == "tell_me_more" and topic == current
        answer = render(knowledge.library.get(topic), knowledge.library, knowledge.clinic, more=more)
        dispatcher.utter_message(
            text=answer.text,
            buttons=[button.dict() for button in answer.buttons],
            topic=answer.topic,
            sources=answer.sources,
        )
        return [SlotSet("current_topic", topic)]
