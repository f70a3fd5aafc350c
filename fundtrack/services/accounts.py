"""User accounts: creation, password checks and the role each user has."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from fundtrack.ledger import audit
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import USER_ROLES, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
# A hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("fundtrack-no-such-user")


def create_user(
    db: Database, *, email: str, role: str, password: str, actor: str, name: str | None = None
) -> User:
    email = email.strip().lower()
    problems = []
    if not EMAIL.match(email):
        problems.append(Problem("email", f"{email!r} is not an email address"))
    if role not in USER_ROLES:
        problems.append(Problem("role", f"{role!r} is not one of {', '.join(USER_ROLES)}"))
    if len(password) < MIN_PASSWORD:
        problems.append(Problem("password", f"must be at least {MIN_PASSWORD} characters"))
    if problems:
        raise LedgerError(problems)
    with db.write() as session:
        if session.scalar(select(User.id).where(func.lower(User.email) == email)):
            raise LedgerError(Problem("email", f"{email} already has an account"))
        user = User(
            email=email,
            name=name,
            role=role,
            password_hash=generate_password_hash(password),
            session_token=secrets.token_hex(16),
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, "user.create", "user", user.id, email=email, role=role)
        return user


def authenticate(db: Database, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (in constant-ish time)."""
    with db.read() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def board_members(db: Database) -> list[User]:
    with db.read() as session:
        return list(
            session.scalars(select(User).where(User.role == "board", User.active).order_by(User.id))
        )


DEMO_USERS = (
    ("admin@example.com", "admin", "管理员"),
    ("manager@example.com", "manager", "投资经理"),
    ("board@example.com", "board", "董事会成员"),
)


def ensure_demo_users(db: Database) -> list[tuple[str, str, str]]:
    """On a ledger with no users, create one per role with a random password.

    Returns ``(email, role, password)`` for each account created (empty when the
    ledger already had users): the passwords exist nowhere else.
    """
    with db.read() as session:
        if session.scalar(select(func.count(User.id))):
            return []
    created = []
    for email, role, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        create_user(db, email=email, role=role, password=password, actor="demo", name=name)
        created.append((email, role, password))
    return created
