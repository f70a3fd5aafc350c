"""Fixtures of the security tests: the web fixtures (demo ledger, a user per role, logged-in
clients, CSRF tokens) and the ledger's state, to prove that a refused request changed nothing.

The web fixtures are the ones in ``tests/web/conftest.py``, loaded from that file (test folders
are not packages) and re-exported here, so both suites log in the same way.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from fundtrack.ledger.journal import verify_chain
from fundtrack.ledger.models import (
    AuditEntry,
    ClosedPeriod,
    ImportBatch,
    JournalHead,
    OutboxMessage,
    Recognition,
    ReportRun,
    Transfer,
    User,
    Valuation,
)

_spec = importlib.util.spec_from_file_location(
    "fundtrack_tests_web_conftest", Path(__file__).parents[1] / "web" / "conftest.py"
)
_web_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web_fixtures)

web = _web_fixtures.web
as_role = _web_fixtures.as_role
csrf_token = _web_fixtures.csrf_token
login = _web_fixtures.login

_COUNTED = (
    Transfer,
    Valuation,
    Recognition,
    ClosedPeriod,
    User,
    ImportBatch,
    ReportRun,
    OutboxMessage,
)


def ledger_state(db) -> dict:
    """Row counts of every table a write could touch, the journal's head hash and users' roles."""
    with db.read() as session:
        state = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in _COUNTED
        }
        state["journal_head"] = session.scalar(select(JournalHead.last_hash))
        state["users"] = sorted(session.execute(select(User.email, User.role, User.active)).all())
        state["tables"] = sorted(inspect(session.connection()).get_table_names())
        state["chain_problems"] = verify_chain(session)
    return state


@pytest.fixture
def state():
    """``state(db)`` → the ledger's state (see ``ledger_state``)."""
    return ledger_state


@pytest.fixture
def audit_actions():
    """``audit_actions(db, action)`` → the audit entries with that action, oldest first."""

    def read(db, action: str) -> list[AuditEntry]:
        with db.read() as session:
            return list(
                session.scalars(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
                )
            )

    return read
