"""What the staff inbox tests put in front of staff: a user, a consultation request,
and a flagged conversation written by Rasa's own SQL tracker store."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

from pydantic import SecretStr

from bot.settings import Settings
from bot.storage.database import open_database

STAFF_USER, STAFF_PASSWORD = "alice", "correct horse battery"
VISITOR_NAME = "Sam Rivera"
FLAGGED_ID = "visitor-flagged-1"
FLAGGED_TEXT = "i dont want to be alive anymore"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_staff_user(settings: Settings) -> None:
    from bot.staff.inbox import StaffDirectory

    StaffDirectory(open_database(settings)).add_user(STAFF_USER, SecretStr(STAFF_PASSWORD))


def submit_request(settings: Settings) -> int:
    """One request as the form stores it (the destination is never reached: delivery stays pending)."""
    from bot.content.clinic import Clinic
    from bot.staff.consultations import ConsultationRequest, ConsultationStore
    from bot.staff.contact_details import ContactKind
    from bot.staff.outbox import StaffOutbox
    from bot.staff.smtp import Email

    clinic = Clinic(name="Test Clinic", consultations={"webhook_url": "http://127.0.0.1:9/down"})
    request = ConsultationRequest(conversation_id="c-staff", name=VISITOR_NAME, contact="+15550100000",
                                  contact_kind=ContactKind.phone, preferred_time="after 5pm", consent=True)
    return ConsultationStore(StaffOutbox(open_database(settings))).submit(request, clinic, Email(subject="s", text="t"))


def write_flagged_conversation(database_url: str) -> None:
    """A crisis turn as bot/engine.py records it, saved by Rasa's SQLTrackerStore, and one ordinary conversation."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    intent = {"name": "crisis", "confidence": 1.0}
    flagged = DialogueStateTracker.from_events(FLAGGED_ID, [
        UserUttered("how long does a session take?", intent={"name": "ask", "confidence": 0.9}),
        BotUttered("Between one and two hours."),
        UserUttered(FLAGGED_TEXT, intent=intent, parse_data={"intent": intent, "entities": [], "text": FLAGGED_TEXT,
                                                             "crisis_rule": "suicide.passive_ideation"}),
        ActionExecuted("action_answer_topic"),
        BotUttered("Please call or text 988 now."),
        SlotSet("crisis_flag", True),
        ActionExecuted("action_listen"),
    ])
    calm = DialogueStateTracker.from_events("visitor-calm", [
        UserUttered("what does it cost", intent={"name": "ask", "confidence": 0.9}),
        BotUttered("A session costs $600."),
        SlotSet("crisis_flag", False),
    ])

    save_trackers(database_url, flagged, calm)


def save_trackers(database_url: str, *trackers) -> None:
    """Store trackers with Rasa's SQLTrackerStore, as the engine does."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(host=database_url)

    async def save() -> None:
        for tracker in trackers:
            await store.save(tracker)

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, save()).result()
    store.engine.dispose()
