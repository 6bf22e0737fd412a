"""Answers from curated content (content/ + clinic.yml), and the low-confidence fallback."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Button, render, render_phrase
from bot.boundary import asks_personal_medical
from bot.content import Library
from bot.knowledge import Knowledge, get_knowledge
from bot.payloads import topic_payload

OUT_OF_SCOPE = "boundary.out_of_scope"
MEDICAL_ADVICE = "boundary.medical_advice"
CAPABILITIES = "meta.capabilities"
JOURNEY_START = "before.getting_started"
# Topics never offered as a guess: they are answered only when clearly asked.
NOT_GUESSED = {OUT_OF_SCOPE, "safety.crisis"}
# Entities (spaCy terminology matcher) that make a question personal.
PERSONAL_ENTITIES = {"medication", "condition"}
# Answers that already say, in their own words, to ask a provider.
NO_PROVIDER_NOTE = {MEDICAL_ADVICE, "safety.crisis", OUT_OF_SCOPE}


def _intent(message: Dict[Text, Any]) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def _selected_faq(message: Dict[Text, Any]) -> str:
    selector = (message.get("response_selector") or {}).get("faq") or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    return key.partition("/")[2]


def topic_from_message(message: Dict[Text, Any], current: Optional[str], library: Library) -> str:
    """Which curated topic answers this message."""
    intent = _intent(message)
    for entity in message.get("entities") or []:
        # A follow-up button names its topic: /faq{"topic": "during.setting"}
        if entity.get("entity") == "topic" and library.has(str(entity.get("value"))):
            return str(entity["value"])
    if intent == "tell_me_more":
        return current or CAPABILITIES
    if intent == "ask_next":
        return (library.next_topic(current) if current and library.has(current) else None) or JOURNEY_START
    if intent == "faq" and library.has(_selected_faq(message)):
        return _selected_faq(message)
    entry = library.entry_for_intent(intent or "")
    return entry.id if entry else OUT_OF_SCOPE


def likely_topics(message: Dict[Text, Any], library: Library, count: int = 2) -> List[str]:
    """The most likely topics by the model's own rankings, best first."""
    scored: List[Tuple[float, str]] = []
    selector = (message.get("response_selector") or {}).get("faq") or {}
    for intent in message.get("intent_ranking") or []:
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0)
        if name == "faq":
            for option in selector.get("ranking") or []:
                topic = str(option.get("intent_response_key", "")).partition("/")[2]
                scored.append((confidence * float(option.get("confidence") or 0), topic))
        else:
            entry = library.entry_for_intent(name or "")
            if entry:
                scored.append((confidence, entry.id))
    ranked: List[str] = []
    for _, topic in sorted(scored, reverse=True):
        if topic not in ranked and topic not in NOT_GUESSED and library.has(topic):
            ranked.append(topic)
    return ranked[:count]


def is_personal_medical(message: Dict[Text, Any]) -> bool:
    """Rules (bot/boundary.py) or a named medication or condition make it personal."""
    if asks_personal_medical(str(message.get("text") or "")):
        return True
    return any(e.get("entity") in PERSONAL_ENTITIES for e in message.get("entities") or [])


def answer(
    dispatcher: CollectingDispatcher, knowledge: Knowledge, topic: str, more: bool = False,
    provider_note: bool = False,
) -> None:
    library, clinic = knowledge.library, knowledge.clinic
    result = render(library.get(topic), library, clinic, more=more)
    text = result.text
    if provider_note and topic not in NO_PROVIDER_NOTE:
        text += "\n\n" + render_phrase(library, "provider_note", clinic)
    dispatcher.utter_message(
        text=text,
        buttons=[button.dict() for button in result.buttons],
        topic=result.topic,
        sources=result.sources,
    )


class ActionAnswerTopic(Action):
    """Answer the topic the visitor asked about, clicked, or wants more of."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = get_knowledge()
        message = tracker.latest_message or {}
        current = tracker.get_slot("current_topic")
        topic = topic_from_message(message, current, knowledge.library)
        more = _intent(message) == "tell_me_more" and topic == current
        answer(dispatcher, knowledge, topic, more=more, provider_note=is_personal_medical(message))
        return [SlotSet("current_topic", topic), SlotSet("clarifying", False)]


class ActionClarify(Action):
    """Low confidence: first offer the two likeliest topics, then say what we can help with."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = get_knowledge()
        library = knowledge.library
        message = tracker.latest_message or {}
        if is_personal_medical(message):
            # The boundary is a rule, not a guess: a personal medical question the
            # model cannot place still gets "only your provider can answer this".
            answer(dispatcher, knowledge, MEDICAL_ADVICE)
            return [SlotSet("clarifying", False), SlotSet("current_topic", MEDICAL_ADVICE)]
        options = likely_topics(message, library)
        if tracker.get_slot("clarifying") or not options:
            answer(dispatcher, knowledge, OUT_OF_SCOPE)
            return [SlotSet("clarifying", False), SlotSet("current_topic", OUT_OF_SCOPE)]
        buttons = [Button(title=library.get(t).meta.button, payload=topic_payload(t)) for t in options]
        buttons.append(
            Button(title=library.phrases.something_else_button, payload="/out_of_scope")
        )
        dispatcher.utter_message(
            text=render_phrase(library, "clarify", knowledge.clinic),
            buttons=[b.dict() for b in buttons],
            fallback=True,
        )
        return [SlotSet("clarifying", True)]
