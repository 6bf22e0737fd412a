"""Staff sessions: a signed cookie (itsdangerous), a CSRF token per session, idle logout,
and the login rate limit.

The cookie holds only the user name, the CSRF token and (through the signature's
timestamp) the last activity; it is re-signed on every page, so ``staff_idle_minutes``
without a request ends the session. HttpOnly and SameSite=strict always, Secure when
the request came over HTTPS. Without ``staff_session_secret`` a random key is made per
process: sessions then end on restart, which the log says once.
"""
from __future__ import annotations

import hmac
import math
import secrets
import time
from typing import Optional

from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from bot.log import logger
from bot.settings import Settings

COOKIE = "kapbot_staff"
COOKIE_PATH = "/staff"
CSRF_FIELD = "csrf_token"
# Five failed logins per user name, and per address, in a moving 15-minute window.
FAILED_LOGINS = RateLimitItemPerMinute(5, 15)


class StaffSession(BaseModel):
    """``user`` is None before login: the login form needs a CSRF token too."""

    user: Optional[str] = None
    csrf: str
    epoch: int = 0  # the user's session epoch at login (bot/staff/inbox.py)

    @classmethod
    def new(cls, user: Optional[str] = None, epoch: int = 0) -> "StaffSession":
        # A fresh token at login, so a token planted before it is worth nothing after.
        return cls(user=user, csrf=secrets.token_urlsafe(32), epoch=epoch)


class StaffError(Exception):
    """Ends a staff request with an HTML page: 403 (CSRF), 400 (bad form), 429 (too many logins)."""

    def __init__(self, status: int, title: str, message: str, retry_after: Optional[int] = None) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.retry_after = status, title, message, retry_after


class LoginRequired(Exception):
    """No valid session (none, forged, or idle too long): go to the login page."""


class SessionSigner:
    def __init__(self, settings: Settings) -> None:
        if settings.staff_session_secret is None:
            logger.warning("KAPBOT_STAFF_SESSION_SECRET is not set: staff sessions end when the service restarts")
            key = secrets.token_urlsafe(32)
        else:
            key = settings.staff_session_secret.get_secret_value()
        self.serializer = URLSafeTimedSerializer(key, salt="kapbot-staff-session")
        self.idle_seconds = settings.staff_idle_minutes * 60

    def read(self, request: Request) -> Optional[StaffSession]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:  # SignatureExpired (idle too long) is a BadSignature too
            return StaffSession.parse_obj(self.serializer.loads(raw, max_age=self.idle_seconds))
        except (BadSignature, ValidationError, TypeError):
            return None

    def write(self, response: Response, request: Request, session: StaffSession) -> None:
        # No max_age: the browser drops it when closed; the signature's age enforces the idle limit.
        response.set_cookie(
            COOKIE, self.serializer.dumps(session.dict()), path=COOKIE_PATH, httponly=True,
            samesite="strict", secure=request.url.scheme == "https",
        )

    @staticmethod
    def clear(response: Response, request: Request) -> None:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                               secure=request.url.scheme == "https")


def check_csrf(session: Optional[StaffSession], sent: object) -> None:
    """403 unless the form carries this session's token (compared in constant time)."""
    if session is None or not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise StaffError(403, "Form expired", "This form is no longer valid. Go back, reload the page and try again.")


class LoginLimits:
    """Failed logins counted per user name and per client address (the ``limits`` library)."""

    def __init__(self) -> None:
        # Keep the storage referenced: the strategy holds only a weak reference to it.
        self.storage = MemoryStorage()
        self.strategy = MovingWindowRateLimiter(self.storage)

    def check(self, username: str, address: str) -> None:
        """429 while either the name or the address has used up its failures."""
        for scope, key in (("staff-login-user", username.lower()), ("staff-login-address", address)):
            if not self.strategy.test(FAILED_LOGINS, scope, key):
                reset_at, _ = self.strategy.get_window_stats(FAILED_LOGINS, scope, key)
                retry_after = max(1, math.ceil(reset_at - time.time()))
                minutes = max(1, math.ceil(retry_after / 60))
                raise StaffError(429, "Too many failed logins",
                                 f"Too many failed logins for this user name or from this address. "
                                 f"Try again in {minutes} minute{'s' if minutes > 1 else ''}.", retry_after)

    def failed(self, username: str, address: str) -> None:
        self.strategy.hit(FAILED_LOGINS, "staff-login-user", username.lower())
        self.strategy.hit(FAILED_LOGINS, "staff-login-address", address)
