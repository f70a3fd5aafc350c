"""Signing in and out: throttled password checks, session tokens and refused attempts.

Failed logins are counted per key (the caller passes client address + email) in
the ``login_throttle`` table, so every worker process sees the same count; a
key that failed too often in the window is refused without checking the
password, while the same account from another address still gets in. Logging
out rotates the user's ``session_token``: every cookie carrying the old token
stops working on the server, not just in the browser that logged out.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from fundtrack.ledger import audit
from fundtrack.ledger.db import Database
from fundtrack.ledger.models import LoginThrottle, User, utcnow
from fundtrack.services.accounts import authenticate

MAX_FAILURES = 20
WINDOW = dt.timedelta(minutes=15)
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class SessionUser:
    """What a request needs to know about its user (a plain value, not an ORM row)."""

    id: int
    email: str
    name: str | None
    role: str
    active: bool
    session_token: str
    language: str


@dataclass(frozen=True)
class SignIn:
    """The outcome of a login attempt: a user, or why not (``bad`` / ``throttled``)."""

    user: SessionUser | None
    refused: str | None = None


def _value(user: User) -> SessionUser:
    return SessionUser(
        user.id, user.email, user.name, user.role, user.active, user.session_token, user.language
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def is_throttled(db: Database, key: str, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    with db.read() as session:
        row = session.get(LoginThrottle, key[:300])
        return (
            row is not None
            and now - _aware(row.window_start) < WINDOW
            and row.failures >= MAX_FAILURES
        )


def _count_failure(db: Database, key: str, email: str, address: str) -> None:
    now = utcnow()
    for attempt in range(2):
        try:
            with db.write() as session:
                row = session.get(LoginThrottle, key[:300], with_for_update=True)
                if row is None:
                    session.add(LoginThrottle(key=key[:300], window_start=now, failures=1))
                elif now - _aware(row.window_start) >= WINDOW:
                    row.window_start, row.failures = now, 1
                else:
                    row.failures += 1
                audit.record(
                    session, email[:120] or "?", "login.failed", "user", None, address=address
                )
            return
        except IntegrityError:
            # Two workers inserted the first failure of a key at once: count again.
            if attempt:
                raise


def sign_in(db: Database, email: str, password: str, *, address: str) -> SignIn:
    """Check the password unless this (address, email) is throttled; record the outcome."""
    email = (email or "").strip().lower()
    key = f"{address}|{email}"
    if is_throttled(db, key):
        return SignIn(None, "throttled")
    user = authenticate(db, email, password or "")
    if user is None:
        _count_failure(db, key, email, address)
        return SignIn(None, "bad")
    with db.write() as session:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key[:300]))
        row = session.get(User, user.id)
        row.last_login_at = utcnow()
        audit.record(session, row.email, "login", "user", row.id, address=address)
        return SignIn(_value(row))


def load_user(db: Database, user_id: int, token: str) -> SessionUser | None:
    """The active user whose current session token is ``token``, else None."""
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
            return None
        return _value(user)


def sign_out(db: Database, user_id: int, *, actor: str) -> None:
    """End every session of the user: a new token makes the old cookies worthless."""
    with db.write() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.session_token = secrets.token_hex(16)
            audit.record(session, actor, "logout", "user", user_id)


def set_language(db: Database, user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        return
    with db.write() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.language = language


def record_refusal(db: Database, actor: str, path: str, method: str, role: str | None) -> None:
    """A request the user's role does not allow: it goes to the audit trail."""
    with db.write() as session:
        audit.record(session, actor, "authz.refused", "route", path[:60], method=method, role=role)
