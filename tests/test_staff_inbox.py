"""The staff inbox over HTTP (TestClient on create_app, no model): off without users,
login and sessions, CSRF, the login limit, the three tabs and the audit log."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.staff.inbox import AuditAction, StaffDirectory
from bot.storage.database import default_url, open_database
from tests.databases import database
from tests.staff_inbox_data import (
    CSRF,
    FLAGGED_ID,
    FLAGGED_TEXT,
    STAFF_PASSWORD,
    STAFF_USER,
    VISITOR_NAME,
    add_staff_user,
    save_trackers,
    submit_request,
    write_flagged_conversation,
)


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path, env="test", staff_session_secret="test-staff-secret")


@pytest.fixture
def client(staff_settings: Settings) -> Iterator[TestClient]:
    from api.main import create_app

    # Not entered as a context manager: no lifespan, so no model is loaded.
    yield TestClient(create_app(staff_settings))


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, html
    return match.group(1)


def log_in(client: TestClient, password: str = STAFF_PASSWORD):
    token = csrf_of(client.get("/staff/login").text)
    return client.post("/staff/login", data={"csrf_token": token, "username": STAFF_USER, "password": password},
                       follow_redirects=False)


def actions(settings: Settings) -> list:
    return [(e.who, e.action) for e in StaffDirectory(open_database(settings)).audit_log()]


def test_without_a_staff_user_every_staff_path_is_404(client) -> None:
    for path in ("/staff", "/staff/", "/staff/login", "/staff/requests", "/staff/staff.css"):
        assert client.get(path, follow_redirects=False).status_code == 404, path
    assert client.post("/staff/login", data={}).status_code == 404
    assert client.get("/staff/login").json() == client.get("/no-such-page").json()  # nothing tells it apart
    assert not [path for path in client.get("/openapi.json").json()["paths"] if path.startswith("/staff")]


def test_login_tabs_status_note_and_logout(client, staff_settings) -> None:
    add_staff_user(staff_settings)
    request_id = submit_request(staff_settings)
    write_flagged_conversation(staff_settings.database)
    assert client.get("/staff/requests", follow_redirects=False).headers["location"] == "/staff/login"

    response = log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff/requests"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert "secure" not in cookie  # plain http here; https gets Secure

    page = client.get("/staff/requests")
    assert page.status_code == 200 and VISITOR_NAME in page.text and "after 5pm" in page.text
    assert 'href="/staff/requests" aria-current="page"' in page.text
    assert page.headers["cache-control"] == "no-store"
    token = csrf_of(page.text)
    marked = client.post(f"/staff/requests/{request_id}/status", data={"csrf_token": token, "status": "contacted"})
    assert marked.status_code == 200 and "status--contacted" in marked.text

    flagged = client.get("/staff/flagged")
    assert FLAGGED_ID in flagged.text and FLAGGED_TEXT in flagged.text and "suicide.passive_ideation" in flagged.text
    assert "visitor-calm" not in flagged.text
    noted = client.post("/staff/flagged/note", data={"csrf_token": token, "conversation_id": FLAGGED_ID,
                                                     "note": "Called back, safe with family."})
    assert "Called back, safe with family." in noted.text

    assert client.get("/staff/questions").status_code == 200
    copied = client.cookies["kapbot_staff"]
    out = client.post("/staff/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/login"
    assert client.get("/staff/requests", follow_redirects=False).status_code == 303
    client.cookies.set("kapbot_staff", copied)  # a copy of the cookie kept from before the logout
    assert client.get("/staff/requests", follow_redirects=False).status_code == 303

    assert actions(staff_settings) == [
        ("cli", AuditAction.user_added), (STAFF_USER, AuditAction.login), (STAFF_USER, AuditAction.status_change),
        (STAFF_USER, AuditAction.note), (STAFF_USER, AuditAction.logout),
    ]
    with sqlite3.connect(open_database(staff_settings).url.database) as db:
        dump = "\n".join(db.iterdump())
    assert STAFF_PASSWORD not in dump


def test_over_https_the_cookie_is_secure(staff_settings) -> None:
    from api.main import create_app

    add_staff_user(staff_settings)
    client = TestClient(create_app(staff_settings), base_url="https://testserver")
    assert "secure" in log_in(client).headers["set-cookie"].lower()


def test_a_post_without_the_right_csrf_token_is_refused(client, staff_settings) -> None:
    add_staff_user(staff_settings)
    request_id = submit_request(staff_settings)
    log_in(client)
    for data in ({"status": "closed"}, {"status": "closed", "csrf_token": "forged"}):
        response = client.post(f"/staff/requests/{request_id}/status", data=data)
        assert response.status_code == 403 and "no longer valid" in response.text
    login = client.post("/staff/login", data={"username": STAFF_USER, "password": STAFF_PASSWORD})
    assert login.status_code == 403
    assert [r.staff_status.value for r in client.app.state.staff.requests.requests()] == ["new"]


def test_six_wrong_passwords_are_answered_429(client, staff_settings) -> None:
    add_staff_user(staff_settings)
    for _ in range(5):
        assert log_in(client, "wrong password!").status_code == 401
    response = log_in(client, "wrong password!")
    assert response.status_code == 429 and "Too many failed logins" in response.text
    assert int(response.headers["retry-after"]) > 0
    assert log_in(client).status_code == 429  # the right password too, until the window has passed
    assert actions(staff_settings).count((STAFF_USER, AuditAction.login_failed)) == 5


def test_an_idle_or_forged_session_goes_back_to_login(staff_settings) -> None:
    from api.main import create_app

    add_staff_user(staff_settings)
    client = TestClient(create_app(staff_settings))
    log_in(client)
    assert client.get("/staff/requests").status_code == 200
    forged = client.cookies["kapbot_staff"][:-2] + "xx"
    client.cookies.clear()
    client.cookies.set("kapbot_staff", forged)
    assert client.get("/staff/requests", follow_redirects=False).headers["location"] == "/staff/login"
    # An app whose idle limit is already past for any cookie signed a second ago.
    idle = staff_settings.copy(update={"staff_idle_minutes": 1})
    other = TestClient(create_app(idle))
    log_in(other)
    other.app.state.staff.signer.idle_seconds = -1
    assert other.get("/staff/requests", follow_redirects=False).status_code == 303


def test_an_older_staff_db_is_moved_into_the_one_database(tmp_path) -> None:
    from bot.staff.consultations import ConsultationStore, StaffStatus
    from bot.staff.outbox import DeliveryStatus, StaffOutbox

    with sqlite3.connect(tmp_path / "staff.db") as db:  # a request from before the staff inbox, and its delivery
        db.execute("CREATE TABLE consultation_requests (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL,"
                   " channel TEXT NOT NULL, name TEXT NOT NULL, contact TEXT NOT NULL, contact_kind TEXT NOT NULL,"
                   " preferred_time TEXT, consent INTEGER NOT NULL CHECK (consent = 1), created_at TEXT NOT NULL)")
        db.execute("INSERT INTO consultation_requests VALUES (7, 'c', 'web', 'Kim', 'kim@example.org', 'email',"
                   " NULL, 1, '2026-01-01T00:00:00+00:00')")
        db.execute("CREATE TABLE staff_messages (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref INTEGER,"
                   " destination TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
                   " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at REAL NOT NULL,"
                   " next_attempt_at REAL)")
        db.execute("INSERT INTO staff_messages (kind, ref, destination, payload, attempts, created_at)"
                   " VALUES ('consultation', 7, 'http://127.0.0.1:9/down', '{}', 4, 1767225600)")
    store = ConsultationStore(StaffOutbox(open_database(Settings(var_dir=tmp_path))))
    [stored] = store.requests()
    assert (stored.id, stored.request.name, stored.staff_status) == (7, "Kim", StaffStatus.new)
    assert stored.destinations == {"http://127.0.0.1:9/down": DeliveryStatus.pending}
    assert store.set_staff_status(7, StaffStatus.closed) and store.requests()[0].staff_status is StaffStatus.closed
    assert not (tmp_path / "staff.db").exists() and (tmp_path / "staff.db.imported").exists()


def test_kapbot_staff_add_reads_the_password_from_stdin(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from tests.paths import PROJECT_DIR

    env = {**os.environ, "KAPBOT_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "bot.cli", "staff", "add", "bob", "--password-stdin"]
    short = subprocess.run(command, input="short\n", cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                           timeout=120)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    added = subprocess.run(command, input="a long enough password\n", cwd=PROJECT_DIR, env=env, capture_output=True,
                           text=True, timeout=120)
    assert added.returncode == 0, added.stdout + added.stderr
    directory = StaffDirectory(database(tmp_path))
    assert directory.verify("bob", "a long enough password") and not directory.verify("bob", "short")


def test_flagged_conversations_from_the_tracker_store(tmp_path) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.staff.flagged import MODEL_CATEGORY, flagged_conversations

    assert flagged_conversations(database(tmp_path)) == []  # no conversation yet
    db = default_url(tmp_path)
    write_flagged_conversation(db)
    by_classifier = DialogueStateTracker.from_events("visitor-model", [
        UserUttered("everything feels pointless lately"), BotUttered("Please call or text 988."),
        SlotSet("crisis_flag", True),
    ])
    restarted = DialogueStateTracker.from_events("visitor-cleared", [
        UserUttered("i want to die"), SlotSet("crisis_flag", True), SlotSet("crisis_flag", None),
    ])
    save_trackers(db, by_classifier, restarted)
    found = {c.conversation_id: c for c in flagged_conversations(database(tmp_path))}
    assert set(found) == {FLAGGED_ID, "visitor-model"}
    assert list(found) == ["visitor-model", FLAGGED_ID]  # the most recently flagged first
    assert found["visitor-model"].category == MODEL_CATEGORY
    assert found[FLAGGED_ID].category == "suicide.passive_ideation"
    assert [(u.speaker, u.text) for u in found[FLAGGED_ID].transcript][-2:] == [
        ("visitor", FLAGGED_TEXT), ("assistant", "Please call or text 988 now.")]


def test_without_a_session_secret_a_random_one_is_made_and_the_log_says_so(tmp_path, caplog) -> None:
    from api.staff_session import SessionSigner

    settings = Settings(var_dir=tmp_path, env="test", staff_session_secret=None)
    with caplog.at_level("WARNING", logger="kapbot"):
        first, second = SessionSigner(settings), SessionSigner(settings)
    assert "staff sessions end when the service restarts" in caplog.text
    assert first.serializer.secret_keys != second.serializer.secret_keys


def test_notes_past_the_clinics_retention_are_deleted(tmp_path) -> None:
    from sqlalchemy import text

    from bot.staff.inbox import StaffDirectory

    directory = StaffDirectory(database(tmp_path))
    directory.add_note("conv-old", "ana", "called back")
    directory.add_note("conv-new", "ana", "left a message")
    with database(tmp_path).begin() as db:  # the first note is 31 days old
        db.execute(text("UPDATE staff_notes SET created_at = '2000-01-01T00:00:00+00:00'"
                        " WHERE conversation_id = 'conv-old'"))
    assert set(directory.notes()) == {"conv-old", "conv-new"}
    assert set(directory.notes(keep_days=30)) == {"conv-new"}
    assert set(directory.notes()) == {"conv-new"}  # deleted, not only hidden
