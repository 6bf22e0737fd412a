"""The staff inbox at /staff: consultation requests, flagged conversations and the
questions the assistant was unsure about, server-rendered (Jinja2), no script.

Off until ``kapbot staff add`` made a user: before that every /staff path answers
the same 404 as any unknown path (``StaffGate``), so the inbox is not even visible.
Sessions, CSRF and the login limit are in api/staff_session.py; records in
bot/staff/inbox.py. Every login, failed login, logout, status change and note is audited.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Optional, Type, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, SecretStr, ValidationError, validator
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response
from api.rate_limits import client_address
from api.staff_session import (
    CSRF_FIELD,
    LoginLimits,
    LoginRequired,
    SessionSigner,
    StaffError,
    StaffSession,
    check_csrf,
)
from bot.content.clinic import load_clinic
from bot.curation.log import CurationLog
from bot.curation.report import group
from bot.settings import Settings
from bot.staff.consultations import ConsultationStore, StaffStatus
from bot.staff.flagged import flagged_conversations
from bot.staff.inbox import AuditAction, StaffDirectory
from bot.staff.outbox import StaffOutbox
from bot.storage.database import open_database

PREFIX = "/staff"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates" / "staff"))
STYLESHEET = Path(__file__).resolve().parent / "static" / "staff.css"
TABS = (("/staff/requests", "Consultation requests"), ("/staff/flagged", "Flagged conversations"),
        ("/staff/questions", "Unsure questions"))
REPORT_DAYS = 30

router = APIRouter(prefix=PREFIX, include_in_schema=False)


class LoginForm(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: SecretStr = Field(..., max_length=1024)  # argon2 hashes anything; cap the work


class StatusForm(BaseModel):
    status: StaffStatus


class NoteForm(BaseModel):
    conversation_id: str = Field(..., min_length=1, max_length=200)
    note: str = Field(..., max_length=2000)

    @validator("note")
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write a note first")
        return value.strip()


class StaffInbox:
    """What the staff routes share, one per app (``app.state.staff``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = open_database(settings)
        self.directory = StaffDirectory(self.database)
        self.requests = ConsultationStore(StaffOutbox.from_settings(settings))
        self.signer = SessionSigner(settings)
        self.login_limits = LoginLimits()


class StaffGate:
    """404 on every /staff path while no staff user exists.

    Checked per request: `kapbot staff add` may run any time.
    """

    def __init__(self, app: ASGIApp, inbox: StaffInbox) -> None:
        self.app, self.inbox = app, inbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == PREFIX or path.startswith(PREFIX + "/")) \
                and not self.inbox.directory.has_users():
            await error_response(404, "not_found", "Not Found")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_staff_inbox(app: FastAPI, settings: Settings) -> None:
    inbox = StaffInbox(settings)
    app.state.staff = inbox
    app.include_router(router)
    app.add_middleware(StaffGate, inbox=inbox)

    @app.exception_handler(StaffError)
    async def staff_error(request: Request, exc: StaffError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        session = inbox.signer.read(request)
        return TEMPLATES.TemplateResponse(request, "error.html", _context(session, None, title=exc.title,
                                          message=exc.message), status_code=exc.status, headers=headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        inbox.signer.clear(response, request)
        return response


def _inbox(request: Request) -> StaffInbox:
    return request.app.state.staff


def _signed_in(request: Request) -> StaffSession:
    """The session of a user who still exists and has not logged out since, or LoginRequired."""
    inbox = _inbox(request)
    session = inbox.signer.read(request)
    if session is None or session.user is None or inbox.directory.session_epoch(session.user) != session.epoch:
        raise LoginRequired()
    return session


def _context(session: Optional[StaffSession], active: Optional[str], **values: Any) -> Dict[str, Any]:
    return {"user": session.user if session else None, "csrf": session.csrf if session else "",
            "csrf_field": CSRF_FIELD, "tabs": TABS, "active": active, **values}


def _page(request: Request, template: str, session: StaffSession, active: Optional[str] = None,
          status_code: int = 200, **values: Any) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, _context(session, active, **values),
                                          status_code=status_code)
    # Staff pages hold patients' details: never cached, and every page resets the idle clock.
    response.headers["Cache-Control"] = "no-store"
    _inbox(request).signer.write(response, request, session)
    return response


def _redirect(request: Request, to: str, session: Optional[StaffSession]) -> Response:
    response = RedirectResponse(to, status_code=303)  # 303: the browser follows with GET
    if session is not None:
        _inbox(request).signer.write(response, request, session)
    return response


FormT = TypeVar("FormT", bound=BaseModel)


async def _form(request: Request, session: Optional[StaffSession], model: Type[FormT]) -> FormT:
    """The posted form, after its CSRF token, as ``model``; 400 when it does not fit."""
    form = await request.form()
    check_csrf(session, form.get(CSRF_FIELD))
    try:
        return model.parse_obj({k: v for k, v in form.items() if k != CSRF_FIELD})
    except ValidationError:
        raise StaffError(
            400, "Check the form", "Something in the form was missing or not valid. Go back and try again."
        ) from None


def _retention_days(inbox: StaffInbox) -> Optional[int]:
    # Read anew on every page: the clinic may change its retention without a restart.
    return load_clinic(inbox.settings.clinic_file).retention_days


@router.get("")
async def home(request: Request) -> Response:
    session = _inbox(request).signer.read(request)
    return _redirect(request, f"{PREFIX}/requests" if session and session.user else f"{PREFIX}/login", None)


@router.get("/staff.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css; charset=utf-8")


@router.get("/login")
async def login_page(request: Request) -> Response:
    session = _inbox(request).signer.read(request)
    if session and session.user:
        return _redirect(request, f"{PREFIX}/requests", session)
    return _page(request, "login.html", session or StaffSession.new(), title="Staff login")


@router.post("/login")
async def login(request: Request) -> Response:
    inbox = _inbox(request)
    session = inbox.signer.read(request)
    form: LoginForm = await _form(request, session, LoginForm)
    address = client_address(request.scope)
    inbox.login_limits.check(form.username, address)
    if not inbox.directory.verify(form.username, form.password.get_secret_value()):
        inbox.login_limits.failed(form.username, address)
        inbox.directory.audit(form.username, AuditAction.login_failed, f"from {address}")
        return _page(request, "login.html", session or StaffSession.new(), status_code=401, title="Staff login",
                     error="That user name and password do not match.", username=form.username)
    inbox.directory.audit(form.username, AuditAction.login, f"from {address}")
    epoch = inbox.directory.session_epoch(form.username) or 0
    return _redirect(request, f"{PREFIX}/requests", StaffSession.new(form.username, epoch))


@router.post("/logout")
async def logout(request: Request) -> Response:
    inbox = _inbox(request)
    session = inbox.signer.read(request)
    await _form(request, session, BaseModel)
    if session and session.user:
        inbox.directory.end_sessions(session.user)
        inbox.directory.audit(session.user, AuditAction.logout)
    response = _redirect(request, f"{PREFIX}/login", None)
    inbox.signer.clear(response, request)
    return response


@router.get("/requests")
async def requests_page(request: Request) -> Response:
    session = _signed_in(request)
    inbox = _inbox(request)
    inbox.requests.purge(load_clinic(inbox.settings.clinic_file).consultation_keep_days)
    stored = sorted(inbox.requests.requests(), key=lambda s: s.request.created_at, reverse=True)
    return _page(request, "requests.html", session, "/staff/requests", title="Consultation requests",
                 requests=stored, statuses=list(StaffStatus))


@router.post("/requests/{request_id}/status")
async def set_status(request: Request, request_id: int) -> Response:
    session = _signed_in(request)
    form: StatusForm = await _form(request, session, StatusForm)
    inbox = _inbox(request)
    if not inbox.requests.set_staff_status(request_id, form.status):
        raise StaffError(404, "Request not found", "That request no longer exists (it may have been deleted).")
    inbox.directory.audit(session.user or "", AuditAction.status_change, f"request {request_id}: {form.status.value}")
    return _redirect(request, f"{PREFIX}/requests#request-{request_id}", session)


@router.get("/flagged")
async def flagged_page(request: Request) -> Response:
    session = _signed_in(request)
    inbox = _inbox(request)
    notes = inbox.directory.notes(_retention_days(inbox))
    return _page(request, "flagged.html", session, "/staff/flagged", title="Flagged conversations",
                 conversations=flagged_conversations(inbox.database), notes=notes)


@router.post("/flagged/note")
async def add_note(request: Request) -> Response:
    session = _signed_in(request)
    form: NoteForm = await _form(request, session, NoteForm)
    _inbox(request).directory.add_note(form.conversation_id, session.user or "", form.note)
    return _redirect(request, f"{PREFIX}/flagged", session)


@router.get("/questions")
async def questions_page(request: Request) -> Response:
    session = _signed_in(request)
    inbox = _inbox(request)
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=REPORT_DAYS)
    groups = group(CurationLog(inbox.database).since(start, _retention_days(inbox)))
    return _page(request, "questions.html", session, "/staff/questions", title="Unsure questions",
                 groups=groups, days=REPORT_DAYS)
