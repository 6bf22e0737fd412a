"""A way to a person: the consultation request form, stored only with consent,
and delivered to the clinic's real webhook and SMTP server on loopback."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any, Dict, List

import pytest

from bot.staff.consultations import ConsultationStore, Delivery
from bot.staff.contact_details import ContactKind, find_contact, find_name
from bot.staff.outbox import SIGNATURE_HEADER, StaffOutbox
from bot.storage.database import open_database
from tests.databases import database
from tests.paths import PROJECT_DIR
from tests.staff_servers import STAFF_EMAIL, WEBHOOK_PATH, WEBHOOK_SECRET, find_email


@pytest.fixture
def requests(settings) -> ConsultationStore:
    return ConsultationStore(StaffOutbox(open_database(settings)))


def new_id() -> str:
    return "consult-" + uuid.uuid4().hex[:10]


def last_text(body: dict) -> str:
    return body["messages"][-1]["text"]


def all_text(body: dict) -> str:
    return "\n".join(m["text"] for m in body["messages"])


def stored_for(requests: ConsultationStore, sender: str) -> List[Any]:
    return [s for s in requests.requests() if s.request.conversation_id == sender]


def wait_for(check, timeout: float = 15.0) -> Any:
    """Delivery happens in the background: poll until ``check()`` is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("not delivered in time")


def webhook_bodies(server) -> List[Dict[str, Any]]:
    return [json.loads(r.data) for r, _ in server.log if r.path == WEBHOOK_PATH]


# ---- taking details out of what people type (no model needed) ----

@pytest.mark.parametrize("raw, name", [
    ("Sam", "Sam"), ("ok my name is Sam", "Sam"), ("  Mary   Ann ", "Mary Ann"), ("I'm Jo, thanks", "Jo"),
    ("sure, call me alex", "Alex"), ("Anne-Marie O'Neil", "Anne-Marie O'Neil"),
    ("", None), ("12345", None), ("a@b.co", None), ("how long is a session?", None),
    ("/request_consultation", None), ('/faq{"topic":"clinic.cost"}', None),
])
def test_a_name_is_found_in_a_sentence(raw, name) -> None:
    assert find_name(raw) == name


@pytest.mark.parametrize("raw, kind, value", [
    ("you can reach me at (415) 555-0101 after 5pm", ContactKind.phone, "+14155550101"),
    ("555 010 4477", ContactKind.phone, "+15550104477"),
    ("+44 20 7946 0958 is my mobile", ContactKind.phone, "+442079460958"),
    ("email me: Sam@Example.org.", ContactKind.email, "Sam@example.org"),
    ("hello", None, None), ("12", None, None), ("/affirm", None, None), ("my cell I guess", None, None),
])
def test_a_contact_is_found_in_a_sentence(raw, kind, value) -> None:
    found = find_contact(raw, "US")
    assert (found.kind, found.value) == (kind, value) if kind else found is None


# ---- the form, with the real model ----

@pytest.mark.slow
def test_talk_to_someone_gives_contact_and_offers_a_request(say, settings) -> None:
    from bot.content.clinic import load_clinic

    body = say(new_id(), "can I talk to a real person please")
    assert body["topic"] in ("meta.human", "clinic.contact")
    answer = next(m for m in body["messages"] if m["kind"] == "answer")
    assert load_clinic(settings.clinic_file).contact.phone in answer["text"]
    assert any(b["payload"] == "/request_consultation" for b in answer["buttons"])


@pytest.mark.slow
def test_awkward_replies_complete_the_form_and_reach_webhook_and_email(
    say, requests, staff_webhook, staff_smtp
) -> None:
    sender = new_id()
    assert "What name" in last_text(say(sender, "please have someone from the clinic call me"))
    again = say(sender, "/request_consultation")  # a second click on the button is not a name
    assert "/request_consultation" not in all_text(again) and "What name" in last_text(again)
    question = say(sender, "wait, how much does it cost?")  # answered, then the form goes on
    assert question["topic"] == "clinic.cost" and "$600" in all_text(question)
    assert "What name" in last_text(question)
    assert "Thanks, Sam." in last_text(say(sender, "ok my name is Sam"))
    assert "good time" in last_text(say(sender, "you can reach me at (415) 555-0142 after 5pm"))
    consent = say(sender, "after 5pm on weekdays")["messages"][-1]  # read back before sending
    assert "Sam" in consent["text"] and "+14155550142" in consent["text"] and "after 5pm on weekdays" in consent["text"]
    assert [b["payload"] for b in consent["buttons"]] == ["/affirm", "/request_consultation", "/deny"]
    assert "has been sent" in last_text(say(sender, "/affirm"))

    [stored] = stored_for(requests, sender)
    assert (stored.request.name, stored.request.contact) == ("Sam", "+14155550142")
    assert stored.request.preferred_time == "after 5pm on weekdays"
    notice = wait_for(lambda: [b for b in webhook_bodies(staff_webhook) if b["request_id"] == stored.id])[0]
    assert notice["type"] == "consultation_request" and notice["name"] == "Sam"
    assert notice["contact"] == "+14155550142" and notice["contact_kind"] == "phone"
    assert notice["preferred_time"] == "after 5pm on weekdays" and notice["channel"] == "web"
    request = next(r for r, _ in staff_webhook.log if json.loads(r.data).get("request_id") == stored.id)
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), request.data, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected
    # The SMTP server lives for the whole session and other tests send requests too: this
    # number is used by no other test, so the email found is this request's.
    email = wait_for(lambda: find_email(staff_smtp.inbox, "+14155550142"))
    assert email["To"] == STAFF_EMAIL and "Sam" in email["Subject"]
    assert "Best time: after 5pm on weekdays" in email.get_payload(decode=True).decode()
    wait_for(lambda: stored_for(requests, sender)[0].delivery is Delivery.delivered)


@pytest.mark.slow
def test_details_can_be_corrected_before_sending(say, requests, staff_webhook) -> None:
    sender = new_id()
    for text in ("/request_consultation", "Jo", "jo@example.org", "any time"):
        say(sender, text)
    assert "What name" in last_text(say(sender, "/request_consultation"))  # "Change my details"
    say(sender, "Joanna")
    say(sender, "555 010 2233")
    consent = last_text(say(sender, "mornings"))
    assert "Joanna" in consent and "+15550102233" in consent and "jo@example.org" not in consent
    say(sender, "/affirm")
    [stored] = stored_for(requests, sender)
    assert (stored.request.name, stored.request.contact, stored.request.preferred_time) == (
        "Joanna", "+15550102233", "mornings")


@pytest.mark.slow
def test_no_consent_stores_nothing(say, requests) -> None:
    sender = new_id()
    say(sender, "/request_consultation")
    say(sender, "Alex")
    say(sender, "alex@example.com")
    say(sender, "any time")
    assert "haven't kept" in last_text(say(sender, "/deny"))
    assert stored_for(requests, sender) == []


@pytest.mark.slow
@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_cancel_at_any_step(say, requests, step) -> None:
    sender = new_id()
    say(sender, "/request_consultation")
    for answer in ["Jordan", "555 010 1234", "evenings"][:step]:
        say(sender, answer)
    assert "stopped" in last_text(say(sender, "cancel"))
    assert stored_for(requests, sender) == []
    # The conversation goes on normally afterwards.
    assert say(sender, "how long is a session")["topic"] == "during.session_length"


# ---- delivery that outlasts a webhook down and a restart ----

def test_a_request_refused_for_a_while_is_delivered_after_a_restart(httpserver, tmp_path, loop) -> None:
    from werkzeug import Response

    from bot.content.clinic import Clinic
    from bot.staff.consultations import ConsultationRequest
    from bot.staff.outbox import RetryPolicy
    from bot.staff.smtp import Email

    refusing, calls = True, []

    def webhook(request):
        calls.append(refusing)
        return Response("not now", status=503) if refusing else Response("ok")

    httpserver.expect_request("/requests").respond_with_handler(webhook)
    clinic = Clinic(name="Test Clinic", consultations={"webhook_url": httpserver.url_for("/requests")})
    fast = RetryPolicy(first_delay=0.01, max_delay=0.05, give_up_after=30, timeout=0.5)
    first = StaffOutbox(database(tmp_path), fast)
    request = ConsultationRequest(conversation_id="c1", name="Robin", contact="robin@example.org",
                                  contact_kind=ContactKind.email, consent=True)
    request_id = ConsultationStore(first).submit(request, clinic, Email(subject="s", text="t"))

    async def fail_for_a_while_then_die() -> None:
        first.send_pending()
        while len(calls) < 3:
            await _sleep(0.01)
        await first.abandon()  # the process goes away mid-retry

    loop.run_until_complete(fail_for_a_while_then_die())
    assert ConsultationStore(first).requests(pending_only=True)[0].id == request_id
    refusing = False
    second = StaffOutbox(database(tmp_path), fast)

    async def restart() -> None:
        second.resume_pending()
        await second.drain()

    loop.run_until_complete(restart())
    [stored] = ConsultationStore(second).requests()
    assert stored.delivery is Delivery.delivered and calls[-1] is False
    assert json.loads(httpserver.log[-1][0].data)["contact"] == "robin@example.org"
    assert ConsultationStore(second).requests(pending_only=True) == []


def test_kapbot_requests_lists_undelivered_requests(tmp_path) -> None:
    from bot.content.clinic import Clinic
    from bot.staff.consultations import ConsultationRequest
    from bot.staff.smtp import Email

    clinic = Clinic(name="Test Clinic", consultations={"webhook_url": "http://127.0.0.1:9/down"})
    request = ConsultationRequest(conversation_id="c2", name="Kim", contact="+15550100000",
                                  contact_kind=ContactKind.phone, consent=True)
    ConsultationStore(StaffOutbox(database(tmp_path))).submit(request, clinic, Email(subject="s", text="t"))
    env = {**os.environ, "KAPBOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "requests", "--pending"], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Kim" in result.stdout and "pending" in result.stdout and "http://127.0.0.1:9/down" in result.stdout


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


# ---- no destination: no form, no promise ----

@pytest.mark.slow
def test_without_a_destination_the_form_is_not_offered(model_path, tmp_path) -> None:
    from tests.service import Service

    env = {"KAPBOT_VAR_DIR": str(tmp_path), "KAPBOT_CLINIC_FILE": str(PROJECT_DIR / "clinic.yml")}
    with Service(env) as service:
        service.wait_until("/readyz")
        import httpx

        def say(text: str) -> dict:
            response = httpx.post(service.url + "/v1/chat", json={"sender_id": "no-dest", "message": text},
                                  timeout=30)
            assert response.status_code == 200, response.text
            return response.json()

        answer = say("can I talk to a real person please")
        assert all(b["payload"] != "/request_consultation" for m in answer["messages"] for b in m["buttons"])
        reply = all_text(say("/request_consultation"))
        assert "can't pass on requests" in reply and "(555) 010-4477" in reply
        assert "What name" not in reply and "has been sent" not in reply


def test_requests_past_the_clinics_retention_are_deleted_with_their_deliveries(tmp_path) -> None:
    import datetime as dt

    from bot.content.clinic import Clinic
    from bot.staff.consultations import ConsultationRequest
    from bot.staff.smtp import Email

    clinic = Clinic(name="Test Clinic", consultations={"webhook_url": "http://127.0.0.1:9/down"},
                    data_retention={"days": 30})
    outbox = StaffOutbox(database(tmp_path))
    store = ConsultationStore(outbox)
    old = ConsultationRequest(conversation_id="old", name="Lee", contact="lee@example.org",
                              contact_kind=ContactKind.email, consent=True,
                              created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31))
    store.submit(old, clinic, Email(subject="s", text="t"))
    assert [s.request.name for s in store.requests()] == ["Lee"]
    fresh = old.copy(update={"conversation_id": "new", "name": "Ash", "contact": "ash@example.org",
                              "created_at": dt.datetime.now(dt.timezone.utc)})
    store.submit(fresh, clinic, Email(subject="s", text="t"))  # storing a new one purges the old
    assert [s.request.name for s in store.requests()] == ["Ash"]
    assert all("lee@example.org" not in m.payload for m in outbox.messages())
