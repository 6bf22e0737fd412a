"""The conversation engine: the trained Rasa model, loaded once, behind one call.

``Assistant.respond(sender_id, text)`` is the single path every channel uses
(HTTP API, Rasa REST, socket.io, messaging), in this order:

1. the deterministic crisis check (bot/safety/), before any model;
2. a crisis statement is answered at once with the clinic's crisis resources,
   recorded in the conversation without asking the model, and any open form
   is closed; a question about the treatment that mentions suicidality gets
   the resources first and then the model's answer;
3. otherwise the model answers (NLU, policies, custom actions in process);
4. a flagged conversation keeps the resources visible on every later reply,
   and the first reply of a conversation carries the disclaimer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from pydantic import BaseModel
from rasa.core.actions.action import create_bot_utterance
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions import build_actions
from actions.consultation import SUBMIT_ACTION
from actions.topics import ANSWER_ACTION, OUT_OF_SCOPE, TOPIC_SLOT
from bot.action_runner import InProcessActionEndpoint
from bot.build.model_archives import latest_model
from bot.content.action_links import ActionLink, LinkKind, crisis_links
from bot.content.answers import render, render_phrase
from bot.content.knowledge import Knowledge
from bot.conversation_processor import ConversationAgent, ConversationProcessor, is_continued_session
from bot.curation.log import SOMETHING_ELSE, CurationLog, UnsureKind
from bot.errors import ModelError
from bot.log import logger, quiet_rasa_logs
from bot.messages import (
    CRISIS_TOPIC,
    LINKED_KINDS,
    MODEL_DETECTED,
    ActionPayload,
    BotMessage,
    BotMessageKind,
    ReplyOutcome,
    bot_message,
    payload_of,
    utterance,
)
from bot.nlu.confidence import decision_of, is_crisis
from bot.payloads import OUT_OF_SCOPE_PAYLOAD, as_user_text, topic_from_payload
from bot.safety import CrisisSignal, detect_crisis, warm_up
from bot.settings import Settings
from bot.staff.alerts import Alert, now_iso
from bot.staff.consultations import ConsultationStore, check_destinations
from bot.staff.flagged import FLAG_SLOT
from bot.staff.outbox import MessageKind, StaffOutbox
from bot.storage.conversations import tracker_store
from bot.storage.database import open_database
from bot.storage.locks import LOCK_FAILURES, lock_store

__all__ = ["Assistant", "BotMessage", "Reply", "latest_model"]  # channels and benches import these from here

CURATION_SLOT = "unsure_question"  # the curators' log row whose offered topics are on screen


class Reply(BaseModel):
    sender_id: str
    topic: Optional[str]
    crisis: bool = False
    flagged: bool = False
    fallback: bool = False
    messages: List[BotMessage]
    outcome: ReplyOutcome = ReplyOutcome.answer
    crisis_category: Optional[str] = None  # a CrisisCategory value, or MODEL_DETECTED


class ReplyCollector(CollectingOutputChannel):
    """Keeps each bot message whole, with the topic and sources our action adds."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **message})


def _outcome(messages: List[BotMessage], crisis: bool, fallback: bool) -> ReplyOutcome:
    if crisis:
        return ReplyOutcome.crisis
    if fallback:
        return ReplyOutcome.clarification
    if any(m.topic == OUT_OF_SCOPE for m in messages):
        return ReplyOutcome.out_of_scope
    if any(m.kind is BotMessageKind.prompt for m in messages):
        return ReplyOutcome.offer
    if any(m.kind is BotMessageKind.answer and m.topic for m in messages):
        return ReplyOutcome.answer
    return ReplyOutcome.other


def _ran_this_turn(tracker: DialogueStateTracker, action: str) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == action:
            return True
    return False


def staff_outbox(settings: Settings, knowledge: Knowledge) -> StaffOutbox:
    """The outbox for staff alerts and consultation requests; ConfigError when clinic.yml
    names a destination the settings cannot sign or mail to."""
    check_destinations(knowledge.clinic, settings.staff_webhook_secret, settings.smtp)
    return StaffOutbox.from_settings(settings)


class Assistant:
    def __init__(
        self, agent: Agent, settings: Settings, knowledge: Knowledge, outbox: Optional[StaffOutbox] = None
    ) -> None:
        """``agent`` runs its own actions, built by ``load``; tests reuse one agent with other knowledge."""
        self.agent = agent
        self.settings = settings
        self.knowledge = knowledge
        self.observers: List[Callable[[str, Reply], None]] = []  # told of every reply (api/metrics.py)
        self.outbox = outbox or staff_outbox(settings, knowledge)
        ConsultationStore(self.outbox).purge(knowledge.clinic.consultation_keep_days)  # clinic.yml's promise
        self.curation = CurationLog(open_database(settings))

    @classmethod
    def load(
        cls, settings: Settings, model_path: Optional[Path] = None, knowledge: Optional[Knowledge] = None
    ) -> "Assistant":
        """Load the model (slow: Rasa rebuilds its TensorFlow graphs). Once per process.

        Content and clinic facts come from ``knowledge``, else from the settings' own
        content_dir and clinic_file; the custom actions are handed the same.
        """
        quiet_rasa_logs()
        knowledge = knowledge or Knowledge.from_settings(settings)
        outbox = staff_outbox(settings, knowledge)
        model_path = model_path or latest_model(settings.models_dir)
        store = tracker_store(settings)
        logger.info("loading model %s", model_path.name)
        actions = InProcessActionEndpoint(build_actions(knowledge, outbox))
        agent = ConversationAgent(tracker_store=store, lock_store=lock_store(settings), action_endpoint=actions)
        agent.load_model(model_path)  # what Agent.load does, which makes a plain Agent
        if not agent.is_ready() or not isinstance(agent.processor, ConversationProcessor):
            raise ModelError(f"model {model_path} did not load")
        agent.processor.max_session_events = settings.max_session_events
        warm_up()  # compile the crisis rules now, not on a visitor's first message
        return cls(agent, settings, knowledge, outbox)

    async def respond(
        self, sender_id: str, text: str, channel: str = "web", metadata: Optional[Dict[str, Any]] = None
    ) -> Reply:
        """``metadata`` is the client's, as Rasa's channels take it: stored with the user's
        message (``tracker.latest_message.metadata``) for actions to read."""
        signal = detect_crisis(text)
        urgent = bool(signal and signal.replaces_answer)
        reply: Optional[Reply] = None
        try:
            async with self.agent.lock_store.lock(sender_id):
                reply = await self._turn(sender_id, text, channel, metadata, signal)
        except LOCK_FAILURES:
            if reply is not None:  # the turn is done and stored; only letting go of the lock failed
                logger.exception("the conversation lock could not be released")
            elif urgent:
                # A crisis reply (and the staff alert) never waits on Redis.
                logger.exception("the conversation lock is unavailable: crisis reply given without it")
                reply = await self._turn(sender_id, text, channel, metadata, signal)
            else:
                raise
        for observe in self.observers:
            observe(channel, reply)
        return reply

    async def _turn(
        self,
        sender_id: str,
        text: str,
        channel: str,
        metadata: Optional[Dict[str, Any]],
        signal: Optional[CrisisSignal],
    ) -> Reply:
        """One message, answered and stored: the crisis rules' reply, or the model's turn."""
        processor = self.agent.processor
        fallback = False
        if signal and signal.replaces_answer:
            tracker = await processor.fetch_tracker_and_update_session(sender_id)
            first_turn, was_flagged = self._turn_state(tracker, before=True)
            messages = [self._crisis_message()]
            self._record_crisis_turn(tracker, text, signal, messages[0], metadata)
        else:
            collector = ReplyCollector()
            tracker = await self._model_turn(
                UserMessage(as_user_text(text), collector, sender_id, input_channel=channel, metadata=metadata)
            )
            first_turn, was_flagged = self._turn_state(tracker, before=False)
            if _ran_this_turn(tracker, SUBMIT_ACTION):
                self.outbox.send_pending()  # the request the action just stored
            messages = [m for m in map(bot_message, collector.messages) if m]
            fallback = any(payload_of(raw).fallback for raw in collector.messages)
            if signal and signal.crisis_path:  # a question about the treatment: resources first, then the answer
                messages = [self._crisis_message()] + [m for m in messages if m.kind is not BotMessageKind.crisis]
            elif signal and not any(m.kind is BotMessageKind.crisis for m in messages):
                # The rules saw suicidality named as a subject ("how do you screen for suicide
                # risk?") and the model saw no crisis: the answer, with the crisis lines as a note first.
                messages.insert(0, self._phrase_message("crisis_reminder", BotMessageKind.reminder))
        crisis = any(m.kind is BotMessageKind.crisis for m in messages)
        slots = [] if crisis else self._curate(tracker, text, messages, fallback, channel)
        if crisis:
            slots.append(SlotSet(FLAG_SLOT, True))
        if slots:
            for event in slots:
                tracker.update(event)
            await processor.save_tracker(tracker)
        if crisis:
            self._alert(sender_id, signal, channel, text)
        elif was_flagged and not any(m.kind is BotMessageKind.reminder for m in messages):
            messages.append(self._phrase_message("crisis_reminder", BotMessageKind.reminder))
        if first_turn and not crisis:
            messages.insert(0, self._phrase_message("disclaimer", BotMessageKind.disclaimer))
        if any(m.kind in LINKED_KINDS for m in messages):
            links = self._crisis_links()
            messages = [m.copy(update={"links": links}) if m.kind in LINKED_KINDS else m for m in messages]
        topic = next((m.topic for m in messages if m.topic), None)
        return Reply(
            sender_id=sender_id,
            topic=CRISIS_TOPIC if crisis else topic,
            crisis=crisis,
            flagged=crisis or was_flagged,
            fallback=fallback,
            messages=messages,
            outcome=_outcome(messages, crisis, fallback),
            crisis_category=(signal.category.value if signal else MODEL_DETECTED) if crisis else None,
        )

    async def _model_turn(self, message: UserMessage) -> DialogueStateTracker:
        """``MessageProcessor.handle_message``, step for step, keeping the tracker it stored.

        Rasa's method returns only the messages, so the tracker had to be read back from the
        database: a second full read of the session on every turn.
        """
        processor = self.agent.processor
        tracker = await processor.log_message(message, should_save_tracker=False)
        tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
        await processor._run_prediction_loop(message.output_channel, tracker)
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)
        return tracker

    @staticmethod
    def _turn_state(tracker: DialogueStateTracker, before: bool) -> Tuple[bool, bool]:
        """(first turn of a conversation or after a pause, flagged before this turn). The model never sets
        the flag, so it reads the same before and after the model's turn."""
        said = sum(isinstance(e, UserUttered) for e in tracker.events)
        first = said == (0 if before else 1) and not is_continued_session(tracker)
        return first, bool(tracker.get_slot(FLAG_SLOT))

    def _curate(
        self, tracker: DialogueStateTracker, text: str, messages: List[BotMessage], fallback: bool, channel: str
    ) -> List[SlotSet]:
        """Log an unsure turn for the clinic (bot/curation/log.py), and the topic picked after one."""
        slots: List[SlotSet] = []
        pending = tracker.get_slot(CURATION_SLOT)
        if pending is not None:
            chosen = topic_from_payload(text) or (SOMETHING_ELSE if text == OUT_OF_SCOPE_PAYLOAD else None)
            if chosen:
                self.curation.choose(int(pending), chosen)
            slots.append(SlotSet(CURATION_SLOT, None))
        if text.startswith("/"):
            return slots  # a button, not a question
        payloads = (b.payload for m in messages if m.kind is BotMessageKind.prompt for b in m.buttons)
        offered = [t for t in map(topic_from_payload, payloads) if t]
        if fallback:
            kind = UnsureKind.CLARIFICATION
        elif offered:
            kind = UnsureKind.OFFER
        elif any(m.topic == OUT_OF_SCOPE for m in messages):
            kind = UnsureKind.OUT_OF_SCOPE
        else:
            return slots
        record = self.curation.record(kind, text, offered, channel, self.knowledge.clinic.retention_days)
        if offered:
            slots.append(SlotSet(CURATION_SLOT, record))
        return slots

    def _crisis_message(self) -> BotMessage:
        library, clinic = self.knowledge.library, self.knowledge.clinic
        answer = render(library.get(CRISIS_TOPIC), library, clinic)
        return BotMessage(**answer.dict(), kind=BotMessageKind.crisis)

    def _crisis_links(self) -> List[ActionLink]:
        library, clinic = self.knowledge.library, self.knowledge.clinic

        def title_of(kind: LinkKind, number: str, body: Optional[str]) -> str:
            return render_phrase(library, f"{kind.value}_link", clinic, number=number, body=body)

        return crisis_links(clinic, title_of)

    def _phrase_message(self, name: str, kind: BotMessageKind) -> BotMessage:
        text = render_phrase(self.knowledge.library, name, self.knowledge.clinic)
        return BotMessage(text=text, kind=kind)

    @staticmethod
    def _record_crisis_turn(
        tracker: DialogueStateTracker, text: str, signal: CrisisSignal, reply: BotMessage,
        metadata: Optional[Dict[str, Any]],
    ) -> None:
        """Store the turn as if the model had run: the visitor's words, the answer action's
        reply and slot (as ``action_answer_topic`` stores them), the flag set by the caller."""
        tracker.update(
            UserUttered(
                text,
                intent={"name": "crisis", "confidence": 1.0},
                parse_data={"intent": {"name": "crisis", "confidence": 1.0}, "entities": [],
                            "text": text, "crisis_rule": signal.rule},
                metadata=metadata,
            )
        )
        if tracker.active_loop_name:
            tracker.update(ActiveLoop(None))
            tracker.update(SlotSet("requested_slot", None))
        tracker.update(ActionExecuted(ANSWER_ACTION))
        tracker.update(_as_model_utterance(reply))
        tracker.update(SlotSet(TOPIC_SLOT, reply.topic))
        tracker.update(ActionExecuted("action_listen"))

    async def screen_silently(self, sender_id: str, text: str, channel: str) -> bool:
        """A message no reply may go to (the number texted STOP): still checked, and staff alerted.

        Both nets run, as for any message; nothing is stored in the conversation.
        """
        signal = detect_crisis(text)
        crisis = bool(signal and signal.crisis_path) or is_crisis(decision_of(await self.agent.parse_message(text)))
        if crisis:
            self._alert(sender_id, signal, channel, text, opted_out=True)
        return crisis

    def _alert(
        self, sender_id: str, signal: Optional[CrisisSignal], channel: str, text: str, opted_out: bool = False
    ) -> None:
        alerts = self.knowledge.clinic.alerts
        if not alerts.webhook_url:
            return
        alert = Alert(
            conversation_id=sender_id,
            category=signal.category.value if signal else MODEL_DETECTED,
            channel=channel,
            detected_at=now_iso(),
            message_text=text if alerts.include_message_text else None,
            opted_out=opted_out,
        )
        self.outbox.enqueue(MessageKind.alert, str(alerts.webhook_url), alert)


def _as_model_utterance(message: BotMessage) -> BotUttered:
    """The event the model path stores for ``message``: the action's ``utterance`` through
    rasa-sdk's dispatcher and Rasa's own conversion, as if an action had said it."""
    dispatcher = CollectingDispatcher()
    payload = ActionPayload(kind=message.kind, topic=message.topic, sources=message.sources)
    dispatcher.utter_message(**utterance(message.text, message.buttons, payload))
    raw = dispatcher.messages[0]
    raw.pop("response", None)  # Rasa pops it from an action's message, looking for a domain response
    return create_bot_utterance(raw)
