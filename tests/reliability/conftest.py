"""Helpers of the reliability tests: worker processes, generated statements, small ledgers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from fundtrack.ledger.entities import add_commitment, add_entity
from fundtrack.ledger.models import Transfer

CHILD = Path(__file__).with_name("child.py")
HEADER = "date,type,from,to,amount,currency,reference,memo"


def spawn(*args: str, env: dict | None = None) -> subprocess.Popen:
    """Start ``child.py`` with these arguments (see its docstring)."""
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def outcome(process: subprocess.Popen, timeout: float = 120) -> dict:
    """The JSON line a worker printed (fails the test with its stderr if there is none)."""
    out, err = process.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"worker printed no outcome (exit {process.returncode}):\n{err[-3000:]}"
    return json.loads(lines[-1])


def statement(rows: int, prefix: str, amount: str = "1.25") -> bytes:
    """A transactions CSV: ``rows`` investments SF-DIGITAL → CO-SUANLI with unique references."""
    lines = [HEADER] + [
        f"2026-10-10,investment,SF-DIGITAL,CO-SUANLI,{amount},CNY,{prefix}-{i},"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def transfers(db, **where) -> tuple[int, Decimal]:
    """(count, exact sum of amounts) of the journal entries matching ``where``."""
    with db.read() as session:
        query = select(Transfer.amount)
        for name, value in where.items():
            query = query.where(getattr(Transfer, name) == value)
        amounts = session.scalars(query).all()
    return len(amounts), sum(amounts, Decimal(0))


@pytest.fixture(name="spawn")
def spawn_fixture():
    return spawn


@pytest.fixture(name="outcome")
def outcome_fixture():
    return outcome


@pytest.fixture(name="statement")
def statement_fixture():
    return statement


@pytest.fixture(name="transfers")
def transfers_fixture():
    return transfers


@pytest.fixture
def committed(db):
    """``committed(n, amount)`` → n (investor, fund) pairs, each committed ``amount``."""

    def make(pairs: int, amount: Decimal) -> list[tuple[str, str]]:
        made = []
        with db.write() as session:
            add_entity(session, code="PF", kind="parent", name="母基金", actor="t")
            for i in range(pairs):
                add_entity(session, code=f"LP-{i}", kind="lp", name=f"LP {i}", actor="t")
                add_commitment(
                    session,
                    investor=f"LP-{i}",
                    fund="PF",
                    amount=amount,
                    date=dt.date(2025, 1, 1),
                    actor="t",
                )
                made.append((f"LP-{i}", "PF"))
        return made

    return make
