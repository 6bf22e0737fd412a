"""Twilio SMS/WhatsApp: signed form posts in, TwiML out, over real HTTP to the app.

The transport tests answer with the fake assistant; the last ones (marked slow)
go through the real model."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

import pytest
from twilio.request_validator import RequestValidator

from bot.storage.database import open_database
from tests.channels.conftest import PUBLIC_URL, TWILIO_TOKEN, channel_settings, open_client, unique_number
from tests.channels.fake_assistant import CRISIS, LONG, SESSION_LENGTH, FakeAssistant
from tests.databases import database

PATH = "/webhooks/twilio/webhook"


def params(sender: str, body: str, sid: Optional[str] = None) -> Dict[str, str]:
    return {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+15550001111",
        "Body": body,
        "NumMedia": "0",
    }


def post(client, form: Dict[str, str], url: str = PUBLIC_URL + PATH, token: str = TWILIO_TOKEN,
         signature: Optional[str] = None):
    signature = signature if signature is not None else RequestValidator(token).compute_signature(url, form)
    return client.post(PATH, data=form, headers={"X-Twilio-Signature": signature})


def messages(response) -> List[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]


def say(client, sender: str, body: str) -> List[str]:
    return messages(post(client, params(sender, body)))


def test_a_question_is_answered_in_twiml_with_numbered_options(channels_client) -> None:
    texts = say(channels_client, unique_number(), SESSION_LENGTH)
    joined = "\n".join(texts)
    assert "one and two hours" in joined
    assert "Reply 1 for Tell me more" in joined and "Reply 2 for What does it feel like?" in joined
    assert all(len(text) <= 1600 for text in texts)


def test_a_long_answer_goes_as_sentence_cut_segments(channels_client) -> None:
    texts = say(channels_client, unique_number(), LONG)
    assert len(texts) > 1 and all(len(text) <= 320 for text in texts)
    assert all(text.endswith(".") for text in texts)


def test_reply_2_sends_the_second_options_payload(channels_client, runtime, fake: FakeAssistant) -> None:
    number = unique_number()
    say(channels_client, number, SESSION_LENGTH)
    conversation = runtime.conversation_id("twilio", number)
    options = runtime.store.options(conversation)
    assert options[1] == '/faq{"topic":"during.experience"}'
    assert say(channels_client, number, "2")
    assert fake.texts(conversation)[-1] == '/faq{"topic":"during.experience"}'
    assert fake.received[conversation][-1][0] == "twilio"


def test_a_number_without_options_is_just_text(channels_client, runtime, fake: FakeAssistant) -> None:
    number = unique_number()
    assert say(channels_client, number, "7")  # answered (as words), not an error
    say(channels_client, number, SESSION_LENGTH)
    assert say(channels_client, number, "9")  # only 4 options: "9" is text again
    conversation = runtime.conversation_id("twilio", number)
    assert fake.texts(conversation) == ["7", SESSION_LENGTH, "9"]


@pytest.mark.parametrize(
    "url, token, signature",
    [
        (PUBLIC_URL + PATH, "not-the-auth-token", None),  # signed with another account's token
        ("http://testserver" + PATH, TWILIO_TOKEN, None),  # not over the public URL
        (PUBLIC_URL + PATH, TWILIO_TOKEN, ""),  # no signature at all
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_processed(
    channels_client, runtime, fake: FakeAssistant, url, token, signature
) -> None:
    number = unique_number()
    form = params(number, SESSION_LENGTH)
    response = post(channels_client, form, url=url, token=token, signature=signature)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    conversation = runtime.conversation_id("twilio", number)
    assert fake.texts(conversation) == []
    # The message id was not recorded either: the genuine delivery is answered.
    assert "one and two hours" in "\n".join(messages(post(channels_client, form)))


def test_a_redelivery_is_acknowledged_not_answered_twice(channels_client, runtime, fake: FakeAssistant) -> None:
    form = params(unique_number(), SESSION_LENGTH)
    assert messages(post(channels_client, form))
    conversation = runtime.conversation_id("twilio", form["From"])
    assert messages(post(channels_client, form)) == []
    assert fake.texts(conversation) == [SESSION_LENGTH]


def test_a_failure_answers_503_and_the_redelivery_is_answered(channels_client, runtime, fake: FakeAssistant,
                                                               failing) -> None:
    form = params(unique_number(), SESSION_LENGTH)
    response = post(channels_client, form)
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"
    failing.failing = False
    assert "one and two hours" in "\n".join(messages(post(channels_client, form)))  # the claim was given back


def test_a_crisis_message_gets_the_crisis_resources(channels_client) -> None:
    texts = say(channels_client, unique_number(), CRISIS)
    assert "988" in texts[0]
    assert "](tel:" not in texts[0]  # phones link numbers in a text themselves; markdown would show raw


def test_stop_silences_the_number_until_start(channels_client, runtime, fake: FakeAssistant) -> None:
    number = unique_number()
    conversation = runtime.conversation_id("twilio", number)
    say(channels_client, number, SESSION_LENGTH)
    [confirmation] = say(channels_client, number, "Stop")
    assert "unsubscribed" in confirmation and "START" in confirmation
    assert say(channels_client, number, SESSION_LENGTH) == []
    assert say(channels_client, number, "2") == []  # old options are gone too
    assert fake.texts(conversation) == [SESSION_LENGTH]  # nothing reached the assistant while stopped
    assert fake.screened[conversation] == [SESSION_LENGTH, "2"]  # but each message was checked
    [welcome] = say(channels_client, number, "START")
    assert "subscribed again" in welcome
    assert "one and two hours" in "\n".join(say(channels_client, number, SESSION_LENGTH))


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "cancel", "END", "quit"])
def test_stop_synonyms_opt_out_and_yes_opts_back_in(channels_client, runtime, word) -> None:
    number = unique_number()
    conversation = runtime.conversation_id("twilio", number)
    say(channels_client, number, word)
    assert runtime.store.is_opted_out(conversation)
    assert "subscribed again" in say(channels_client, number, "yes")[0]
    assert not runtime.store.is_opted_out(conversation)


def test_yes_is_an_answer_when_not_opted_out(channels_client) -> None:
    texts = say(channels_client, unique_number(), "yes")
    assert not any("subscribed again" in text for text in texts)


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_names_the_clinic_and_its_contact(channels_client, runtime, fake: FakeAssistant, word) -> None:
    number = unique_number()
    [text] = say(channels_client, number, word)
    assert "Cedar Grove Wellness" in text and "(555) 010-4477" in text and "988" in text
    assert fake.texts(runtime.conversation_id("twilio", number)) == []  # no assistant call


def test_no_phone_number_is_stored_or_used_as_an_id(channels_client, runtime, fake: FakeAssistant) -> None:
    number = unique_number()
    say(channels_client, number, SESSION_LENGTH)
    conversation = runtime.conversation_id("twilio", number)
    assert conversation.startswith("twilio-") and number.lstrip("+") not in conversation
    keys = list(fake.received)
    assert conversation in keys and not any(number.lstrip("+") in key for key in keys)
    path = runtime.store.path
    files = [path, path.with_name(path.name + "-wal")]  # WAL: recent rows are in the -wal file
    assert all(number.lstrip("+").encode() not in f.read_bytes() for f in files if f.exists())


def test_without_a_public_url_the_request_url_is_signed(fake, make_httpserver, tmp_path) -> None:
    settings = channel_settings(tmp_path, make_httpserver.url_for, public_url=None, channel_id_key=None)
    with open_client(settings, fake) as client:
        form = params(unique_number(), SESSION_LENGTH)
        assert post(client, form).status_code == 403  # the public URL no longer counts
        texts = messages(post(client, form, url="http://testserver" + PATH))
        assert "one and two hours" in "\n".join(texts)
    # No key configured: one was made for this installation, and used.
    assert (tmp_path / "channel_id.key").exists()


@pytest.mark.slow
def test_reply_2_picks_the_second_option_with_the_model(model_client, model_runtime, tracker) -> None:
    number = unique_number()
    texts = say(model_client, number, "how long is a session")
    assert "one and two hours" in "\n".join(texts) and "Reply 2 for What does it feel like?" in "\n".join(texts)
    conversation = model_runtime.conversation_id("twilio", number)
    assert say(model_client, number, "2") and tracker(conversation).get_slot("current_topic") == "during.experience"


@pytest.mark.slow
def test_reply_1_picks_the_first_buttons_topic(model_client, model_runtime, tracker) -> None:
    number = unique_number()
    say(model_client, number, "how long is a session")
    say(model_client, number, "1")  # "Tell me more" about the topic just answered
    conversation = model_runtime.conversation_id("twilio", number)
    last_user = [e for e in tracker(conversation).events if e.type_name == "user"][-1]
    assert last_user.intent["name"] == "tell_me_more"
    assert tracker(conversation).get_slot("current_topic") == "during.session_length"


@pytest.mark.slow
def test_a_stopped_number_in_crisis_alerts_staff_and_gets_no_sms(assistant, settings, make_httpserver, tmp_path,
) -> None:
    import json
    import time

    from bot.content.clinic import load_clinic
    from bot.content.knowledge import Knowledge
    from bot.engine import Assistant
    from bot.staff.outbox import RetryPolicy, StaffOutbox

    staff = "/staff-" + uuid.uuid4().hex[:8]
    make_httpserver.expect_request(staff).respond_with_data("ok")
    raw = json.loads(load_clinic(settings.clinic_file).json(exclude_none=True))
    raw["alerts"] = {"webhook_url": make_httpserver.url_for(staff), "include_message_text": False}
    (tmp_path / "clinic.yml").write_text(json.dumps(raw))
    alerting = Assistant(assistant.agent, settings, Knowledge(settings.content_dir, tmp_path / "clinic.yml"))
    alerting.outbox = StaffOutbox(database(tmp_path), RetryPolicy(first_delay=0.01, max_delay=0.05))
    number = unique_number()
    with open_client(channel_settings(tmp_path, make_httpserver.url_for), alerting) as client:
        say(client, number, "STOP")
        assert say(client, number, "how long is a session") == []
        assert say(client, number, "I'm going to kill myself tonight") == []

        def alerts():
            return [json.loads(request.data) for request, _ in make_httpserver.log if request.path == staff]

        deadline = time.monotonic() + 10  # the alert is sent in the background
        while not alerts() and time.monotonic() < deadline:
            time.sleep(0.05)
    [alert] = alerts()
    assert alert["opted_out"] is True and alert["channel"] == "twilio" and alert["message_text"] is None


@pytest.mark.slow
def test_the_consultation_form_over_sms_takes_details_from_sentences(model_client, model_runtime, settings) -> None:
    from bot.staff.consultations import ConsultationStore
    from bot.staff.outbox import StaffOutbox

    number = unique_number()
    assert "What name" in "\n".join(say(model_client, number, "can someone from the clinic call me back"))
    assert "Thanks, Sam." in "\n".join(say(model_client, number, "ok my name is Sam"))
    asked = "\n".join(say(model_client, number, "you can reach me at (415) 555-0101 after 5pm"))
    assert "good time" in asked and "Reply 1 for Any time" in asked
    consent = "\n".join(say(model_client, number, "1"))
    assert "+14155550101" in consent and "any time" in consent and "Reply 1 for Yes, contact me" in consent
    assert "has been sent" in "\n".join(say(model_client, number, "1"))
    conversation = model_runtime.conversation_id("twilio", number)
    [stored] = [s for s in ConsultationStore(StaffOutbox(open_database(settings))).requests()
                if s.request.conversation_id == conversation]
    assert (stored.request.name, stored.request.contact, stored.request.channel) == ("Sam", "+14155550101", "twilio")
