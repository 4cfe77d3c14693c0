"""Browser sessions and CSRF tokens.

The session cookie holds a random token; the `reviewsession` table holds its SHA-256
digest, so a session is revocable (logout, password change, a revoked user) and a stolen
database does not yield a usable cookie. A session ends after `session_idle_s` without a
request, and `session_max_s` after sign-in whatever happens. The cookie is HttpOnly,
SameSite=Lax, and Secure when the request came over https (`cookie_secure: auto`) or
always/never as configured.

CSRF: a signed-in form carries HMAC(session token, "csrf") in a hidden field (htmx sends
it as the X-CSRF-Token header); only the cookie's holder can compute it, and it needs no
storage. The sign-in form, which has no session yet, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response
from sqlmodel import col, select, update

from proxy.config import Settings
from proxy.secrets import digest
from proxy.store.database import Store
from proxy.store.models import ReviewSession, User, utcnow

COOKIE = "lg_session"
LOGIN_CSRF_COOKIE = "lg_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
TOUCH_EVERY_S = 30  # last_seen_at is written at most this often (a write per page would cost)


@dataclass(frozen=True)
class Current:
    """The request's session: its token (for the CSRF token) and its user."""

    token: str
    session: ReviewSession
    user: User

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def start(store: Store, user: User) -> str:
    token = secrets.token_urlsafe(32)
    with store.session() as s:
        s.add(ReviewSession(user_id=user.id or 0, token_hash=digest(token)))
        s.commit()
    return token


def current(store: Store, settings: Settings, request: Request) -> tuple[Current | None, bool]:
    """The live session of the request, and whether a cookie was sent but is no longer valid
    (so the page can say "your session expired" rather than "please sign in")."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None, False
    now = utcnow()
    with store.session() as s:
        row = s.exec(select(ReviewSession, User).join(User, col(User.id) == ReviewSession.user_id)
                     .where(ReviewSession.token_hash == digest(token))).first()
        if row is None:
            return None, True
        session, user = row
        alive = (session.revoked_at is None and user.disabled_at is None
                 and session.last_seen_at + timedelta(seconds=settings.session_idle_s) > now
                 and session.created_at + timedelta(seconds=settings.session_max_s) > now)
        if not alive:
            return None, True
        if (now - session.last_seen_at).total_seconds() > TOUCH_EVERY_S:
            s.exec(update(ReviewSession).where(col(ReviewSession.id) == session.id).values(last_seen_at=now))
            s.commit()
    return Current(token, session, user), False


def end(store: Store, token: str) -> None:
    with store.session() as s:
        s.exec(update(ReviewSession).where(col(ReviewSession.token_hash) == digest(token)).values(revoked_at=utcnow()))
        s.commit()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"loopguard-csrf", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, current: Current, form_value: str | None) -> bool:
    sent = request.headers.get(CSRF_HEADER) or form_value or ""
    return hmac.compare_digest(sent.encode(), current.csrf.encode())


def login_csrf_ok(request: Request, form_value: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    return bool(cookie) and hmac.compare_digest(cookie.encode(), (form_value or "").encode())


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def _secure(request: Request, settings: Settings) -> bool:
    if settings.cookie_secure == "auto":
        return request.url.scheme == "https"
    return settings.cookie_secure == "always"


def set_cookie(response: Response, request: Request, settings: Settings, name: str, value: str,
               max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/review", httponly=True, samesite="lax",
                        secure=_secure(request, settings))


def clear_cookie(response: Response, request: Request, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path="/review", httponly=True, samesite="lax", secure=_secure(request, settings))
