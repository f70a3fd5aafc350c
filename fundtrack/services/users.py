"""Administering user accounts: list them, change a role, deactivate or reactivate.

Creating an account is ``accounts.create_user``. A change of role or a
deactivation rotates the user's session token, so it takes effect on the
user's very next request rather than at their next login.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from fundtrack.ledger import audit
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem
from fundtrack.ledger.models import USER_ROLES, User


def list_users(db: Database) -> list[dict]:
    with db.read() as session:
        rows = session.execute(
            select(
                User.id,
                User.email,
                User.name,
                User.role,
                User.active,
                User.language,
                User.created_at,
                User.last_login_at,
            ).order_by(User.email)
        ).all()
    return [r._asdict() for r in rows]


def get_user(db: Database, user_id: int) -> dict:
    for user in list_users(db):
        if user["id"] == user_id:
            return user
    raise NotFoundError(Problem("user", f"no user #{user_id}"))


def update_user(
    db: Database, user_id: int, *, role: str, active: bool, actor_id: int, actor: str
) -> None:
    """Set the role and the active flag; an admin cannot lock themselves out."""
    if role not in USER_ROLES:
        raise LedgerError(Problem("role", f"{role!r} is not one of {', '.join(USER_ROLES)}"))
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(Problem("user", f"no user #{user_id}"))
        if user_id == actor_id and (not active or role != "admin"):
            raise LedgerError(Problem("role", "you cannot demote or deactivate your own account"))
        if (user.role, user.active) == (role, active):
            return
        before = {"role": user.role, "active": user.active}
        user.role, user.active = role, active
        user.session_token = secrets.token_hex(16)
        audit.record(
            session, actor, "user.update", "user", user_id, before=before, role=role, active=active
        )
