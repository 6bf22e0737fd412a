"""A long conversation: its sessions end after ``max_session_events`` so a turn costs what an
early one does (bot/conversation_processor.py), and nothing the visitor sees changes. The
tracker store reads back what Rasa's own would (bot/storage/rasa_store.py)."""
from __future__ import annotations

import uuid
from typing import List, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import func, select

from bot.storage.conversations import EVENTS, tracker_store
from bot.storage.database import open_database

pytestmark = pytest.mark.slow

# Answers, follow-ups that read the topic slot, small talk, and a form that runs over many
# turns with a question inside it: a short session limit falls in the middle of each.
SCRIPT = [
    "hi",
    "how long does a session last",
    "tell me more",
    "what are the side effects",
    "thanks",
    "how much does it cost",
    "is it covered by my insurance",
    "please have someone from the clinic call me",
    "wait, how much does it cost?",
    "ok my name is Sam",
    "you can reach me at (415) 555-0101 after 5pm",
    "stop",
    "can i drive home after",
    "and after that?",
    "how many sessions will I need",
    "tell me more",
    "where are you",
    "what is KAP",
]
SHORT = 12  # events: a new session every two or three turns


def seen(reply) -> Tuple[str, str, List[Tuple[str, str]]]:
    return reply.outcome.value, str(reply.topic), [(m.kind.value, m.text) for m in reply.messages]


def carried_over(settings, sender: str) -> List[int]:
    """For each session, the slot events between its start and its first action."""
    with open_database(settings).connect() as db:
        kinds = db.execute(
            select(EVENTS.c.type_name).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)
        ).scalars().all()
    counts: List[int] = []
    starting = False
    for kind in kinds:
        if kind == "session_started":
            counts.append(0)
            starting = True
        elif starting and kind == "slot":
            counts[-1] += 1
        else:
            starting = False
    return counts


def sessions(settings, sender: str) -> int:
    with open_database(settings).connect() as db:
        return db.execute(
            select(func.count()).where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "session_started")
        ).scalar()


def converse(assistant, loop, sender: str, limit: int) -> list:
    """The script from ``sender``, sessions ending after ``limit`` events."""
    processor = assistant.agent.processor
    configured, processor.max_session_events = processor.max_session_events, limit
    try:
        return [loop.run_until_complete(assistant.respond(sender, text)) for text in SCRIPT]
    finally:
        processor.max_session_events = configured


def test_the_settings_limit_is_what_the_processor_uses(assistant, settings) -> None:
    assert assistant.agent.processor.max_session_events == settings.max_session_events
    assert settings.max_session_events > 6 * len(SCRIPT)  # so the reference run below is one session


def test_a_conversation_over_many_sessions_reads_as_one(assistant, loop, settings) -> None:
    reference_sender, split_sender = "long-" + uuid.uuid4().hex[:8], "long-" + uuid.uuid4().hex[:8]
    reference = converse(assistant, loop, reference_sender, settings.max_session_events)
    split = converse(assistant, loop, split_sender, SHORT)

    assert sessions(settings, reference_sender) == 1
    assert sessions(settings, split_sender) >= 4
    for text, one, many in zip(SCRIPT, reference, split, strict=True):
        assert seen(many) == seen(one), text
    kinds = [m.kind.value for reply in split for m in reply.messages]
    assert kinds.count("disclaimer") == 1  # a session that continues a full one does not greet again
    assert {"answer", "offer"} & {r.outcome.value for r in split}
    # Each session starts with at most one carried-over value per slot (Rasa copies every
    # slot event of the session before, its own copies included).
    assert max(carried_over(settings, split_sender)) <= len(assistant.agent.domain.slots)


def test_the_store_reads_back_what_rasas_own_reads(assistant, loop, settings) -> None:
    sender = "long-" + uuid.uuid4().hex[:8]
    converse(assistant, loop, sender, SHORT)
    ours = tracker_store(settings)
    rasas = SQLTrackerStore(host=settings.database)
    ours.domain = rasas.domain = assistant.agent.domain
    trackers = {}
    for full in (False, True):
        mine = loop.run_until_complete(ours._retrieve(sender, fetch_events_from_all_sessions=full))
        theirs = loop.run_until_complete(rasas._retrieve(sender, fetch_events_from_all_sessions=full))
        assert mine is not None and theirs is not None
        assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in theirs.events]
        assert mine.current_slot_values() == theirs.current_slot_values()
        assert mine.active_loop_name == theirs.active_loop_name
        trackers[full] = mine
    # The full history spans several sessions; a turn reads only the last.
    assert len(trackers[True].events) > len(trackers[False].events)
