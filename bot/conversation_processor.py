"""Rasa's agent and message processor, with sessions that stay short.

A turn costs Rasa time in proportion to the events of the current session: the tracker
is read back from the database, every policy rebuilds the states of the whole session,
and each custom action is sent the whole session as JSON. Rasa ends a session only after
``session_expiration_time`` of silence, so a visitor who keeps talking made every turn
slower: turn 200 of one conversation took 4.9 times as long as turn 1.

Here a session also ends once it holds ``max_session_events`` events: at the start of a
turn, never inside a form. Rasa's own ``action_session_start`` begins the next session
and carries the slots over, as after a pause. Each rule of this assistant looks at the
current turn only (and at slots and the active form), so the answers stay the same
(tests/test_long_conversations.py); the conversation stays one conversation in the
database. The new session is marked as continued in Rasa's ``session_started_metadata``
slot, so the greeting of a first turn is not repeated.

Rasa's ``action_session_start`` carries slots over by copying every ``SlotSet`` event of
the session, the ones it carried over itself included, so each session began with more of
them than the last (1.4 million after 200 turns with short sessions). Here it sets each
slot that has a value once.

Rasa's NLU sees the message alone. While a form is asking for something, the message is
parsed with a mark saying so (``FORM_REPLY_KEY``, in a copy of its metadata: the stored
event keeps the visitor's own), and the model's crisis net holds such a reply to the form's
own threshold: "it doesn't matter, any time" answers "when should we call?".
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Union

from rasa.core.actions.action import Action, ActionSessionStart
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_SESSION_START_NAME, REQUESTED_SLOT, SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.confidence import FORM_REPLY_KEY

CONTINUED = "kapbot_continued"  # key in session_started_metadata: this session goes on from a full one


def asks_in_form(tracker: DialogueStateTracker) -> bool:
    """A form is active and waiting for the answer to one of its questions."""
    return bool(tracker.active_loop_name and tracker.get_slot(REQUESTED_SLOT))


def is_continued_session(tracker: DialogueStateTracker) -> bool:
    """True when the current session began because the one before it was full."""
    metadata = tracker.get_slot(SESSION_START_METADATA_SLOT)
    return isinstance(metadata, dict) and bool(metadata.get(CONTINUED))


class SessionStart(ActionSessionStart):
    """Rasa's session start, carrying each slot over once, with its current value."""

    @staticmethod
    def _slot_set_events_from_tracker(tracker: DialogueStateTracker) -> List[SlotSet]:
        return [SlotSet(slot.name, slot.value) for slot in tracker.slots.values() if slot.has_been_set]


class ConversationProcessor(MessageProcessor):
    max_session_events: Optional[int] = None  # no limit until Assistant.load sets the settings' value

    def _is_full(self, tracker: DialogueStateTracker) -> bool:
        limit = self.max_session_events
        return limit is not None and len(tracker.events) >= limit and tracker.active_loop_name is None

    async def parse_message(
        self, message: UserMessage, tracker: Optional[DialogueStateTracker] = None, only_output_properties: bool = True
    ) -> Dict[Text, Any]:
        # Always set, so a client's own metadata can never claim the mark.
        form_reply = tracker is not None and asks_in_form(tracker)
        marked = UserMessage(
            text=message.text, output_channel=message.output_channel, sender_id=message.sender_id,
            parse_data=message.parse_data, input_channel=message.input_channel, message_id=message.message_id,
            metadata={**(message.metadata or {}), FORM_REPLY_KEY: form_reply},
        )
        return await super().parse_message(marked, tracker, only_output_properties)

    def _get_action(self, action_name: Text) -> Optional[Action]:
        return SessionStart() if action_name == ACTION_SESSION_START_NAME else super()._get_action(action_name)

    def _has_session_expired(self, tracker: DialogueStateTracker) -> bool:
        return super()._has_session_expired(tracker) or self._is_full(tracker)

    async def _update_tracker_session(
        self, tracker: DialogueStateTracker, output_channel: OutputChannel, metadata: Optional[Dict] = None
    ) -> None:
        # Every new session records whether it continues a full one, so a mark carried
        # over from an earlier continuation never outlives a real pause.
        marked: Dict[str, Any] = {**(metadata or {}), CONTINUED: self._is_full(tracker)}
        await super()._update_tracker_session(tracker, output_channel, marked)


class ConversationAgent(Agent):
    """``Agent`` whose processor is a ``ConversationProcessor``."""

    def load_model(self, model_path: Union[Text, Path], fingerprint: Optional[Text] = None) -> None:
        # Agent.load_model, with the processor class swapped (it names MessageProcessor itself).
        self.processor = ConversationProcessor(
            model_path=model_path,
            tracker_store=self.tracker_store,
            lock_store=self.lock_store,
            action_endpoint=self.action_endpoint,
            generator=self.nlg,
            http_interpreter=self.http_interpreter,
        )
        self.domain = self.processor.domain
        self._set_fingerprint(fingerprint)
        self.tracker_store.domain = self.domain
        if isinstance(self.nlg, TemplatedNaturalLanguageGenerator):
            self.nlg.responses = self.domain.responses if self.domain else {}
