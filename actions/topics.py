"""Answers from curated content (content/ + clinic.yml), and the low-confidence fallback."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.answers import Button, render, render_phrase
from bot.content.knowledge import Knowledge
from bot.content.library import Library
from bot.messages import CRISIS_TOPIC, ActionPayload, BotMessageKind, utterance
from bot.nlu.boundary import asks_personal_medical, speaks_of_self
from bot.nlu.confidence import ReplyKind, decision_of, offered_topics
from bot.payloads import OUT_OF_SCOPE_PAYLOAD, topic_payload

ANSWER_ACTION = "action_answer_topic"
TOPIC_SLOT = "current_topic"
OUT_OF_SCOPE = "boundary.out_of_scope"
MEDICAL_ADVICE = "boundary.medical_advice"
CAPABILITIES = "meta.capabilities"
JOURNEY_START = "before.getting_started"
# Entities (spaCy terminology matcher) that make a question personal.
PERSONAL_ENTITIES = {"medication", "condition"}
# Answers that already say, in their own words, to ask a provider.
NO_PROVIDER_NOTE = {MEDICAL_ADVICE, CRISIS_TOPIC, OUT_OF_SCOPE}


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


def is_personal_medical(message: Dict[Text, Any]) -> bool:
    """Rules (bot/nlu/boundary.py), or one's own named medication or condition, make it personal:
    "my lithium" is, "how effective is ketamine for depression" is not."""
    text = str(message.get("text") or "")
    if asks_personal_medical(text):
        return True
    return speaks_of_self(text) and any(e.get("entity") in PERSONAL_ENTITIES for e in message.get("entities") or [])


def answer(
    dispatcher: CollectingDispatcher, knowledge: Knowledge, topic: str, more: bool = False,
    provider_note: bool = False,
) -> None:
    library, clinic = knowledge.library, knowledge.clinic
    result = render(library.get(topic), library, clinic, more=more)
    text = result.text
    if provider_note and topic not in NO_PROVIDER_NOTE:
        text += "\n\n" + render_phrase(library, "provider_note", clinic)
    dispatcher.utter_message(**utterance(text, result.buttons, ActionPayload.for_topic(result.topic, result.sources)))


class ActionAnswerTopic(Action):
    """Answer the topic the visitor asked about, clicked, or wants more of."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def name(self) -> Text:
        return ANSWER_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = self.knowledge
        message = tracker.latest_message or {}
        current = tracker.get_slot(TOPIC_SLOT)
        topic = topic_from_message(message, current, knowledge.library)
        more = _intent(message) == "tell_me_more" and topic == current
        answer(dispatcher, knowledge, topic, more=more, provider_note=is_personal_medical(message))
        decision = decision_of(message)
        if decision and decision.kind is ReplyKind.OFFER:
            # Only the runner-up itself: a topic far down the ranking is no real alternative.
            runner_up = decision.copy(update={"ranking": decision.ranking[1:2]})
            offer_runner_up(dispatcher, knowledge, offered_topics(runner_up, knowledge.library, skip=topic))
        return [SlotSet(TOPIC_SLOT, topic), SlotSet("clarifying", False)]


def offer_runner_up(dispatcher: CollectingDispatcher, knowledge: Knowledge, options: List[str]) -> None:
    """Nearly sure: after the answer, "Or were you asking about ...?" with the runner-up."""
    if not options:
        return
    library = knowledge.library
    runner_up = options[0]
    button = Button(title=library.get(runner_up).meta.button, payload=topic_payload(runner_up))
    text = render_phrase(library, "offer_runner_up", knowledge.clinic)
    dispatcher.utter_message(**utterance(text, [button], ActionPayload(kind=BotMessageKind.prompt)))


class ActionClarify(Action):
    """Unsure (bot/nlu/confidence.py): first ask with the likeliest topics, then say what we can help with."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        knowledge = self.knowledge
        library = knowledge.library
        message = tracker.latest_message or {}
        if is_personal_medical(message):
            # The boundary is a rule, not a guess: a personal medical question the
            # model cannot place still gets "only your provider can answer this".
            answer(dispatcher, knowledge, MEDICAL_ADVICE)
            return [SlotSet("clarifying", False), SlotSet(TOPIC_SLOT, MEDICAL_ADVICE)]
        options = offered_topics(decision_of(message), library)
        if tracker.get_slot("clarifying") or not options:
            answer(dispatcher, knowledge, OUT_OF_SCOPE)
            return [SlotSet("clarifying", False), SlotSet(TOPIC_SLOT, OUT_OF_SCOPE)]
        buttons = [Button(title=library.get(t).meta.button, payload=topic_payload(t)) for t in options]
        buttons.append(
            Button(title=library.phrases.something_else_button, payload=OUT_OF_SCOPE_PAYLOAD)
        )
        text = render_phrase(library, "clarify", knowledge.clinic)
        dispatcher.utter_message(**utterance(text, buttons, ActionPayload(kind=BotMessageKind.prompt, fallback=True)))
        return [SlotSet("clarifying", True)]
