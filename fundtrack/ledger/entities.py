"""Entities and commitments: who the ledger knows, and who committed what to whom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import ENTITY_KINDS, Commitment, Entity
from fundtrack.ledger.money import MoneyError, is_currency_code, to_decimal
from fundtrack.ledger.periods import check_open
from fundtrack.ledger.rules import entity_by_code


def add_entity(
    session: Session, *, code: str, kind: str, name: str, actor: str, **fields
) -> Entity:
    problems = []
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        problems.append(Problem("code", f"{code!r} must be 1–40 characters without spaces"))
    if kind not in ENTITY_KINDS:
        problems.append(Problem("kind", f"{kind!r} is not one of {', '.join(ENTITY_KINDS)}"))
    if not name or not name.strip():
        problems.append(Problem("name", "a name is required"))
    currency = fields.get("currency", "CNY")
    if not is_currency_code(currency):
        problems.append(Problem("currency", f"{currency!r} is not an ISO currency code"))
    if session.scalar(select(Entity.id).where(Entity.code == code)):
        problems.append(Problem("code", f"{code!r} is already used"))
    if problems:
        raise LedgerError(problems)
    entity = Entity(code=code, kind=kind, name=name.strip(), created_by=actor, **fields)
    session.add(entity)
    session.flush()
    return entity


def add_commitment(
    session: Session,
    *,
    investor: str,
    fund: str,
    amount: Decimal,
    date: dt.date,
    actor: str,
    reference: str | None = None,
) -> Commitment:
    investor_entity = entity_by_code(session, investor, "investor")
    fund_entity = entity_by_code(session, fund, "fund")
    problems = []
    pairs = {("lp", "parent"), ("parent", "subfund"), ("lp", "subfund")}
    if (investor_entity.kind, fund_entity.kind) not in pairs:
        problems.append(
            Problem("fund", f"a {investor_entity.kind} cannot commit to a {fund_entity.kind}")
        )
    try:
        value = to_decimal(amount)
        if value <= 0:
            problems.append(Problem("amount", f"{value} is not a positive amount"))
    except MoneyError as exc:
        problems.append(Problem("amount", str(exc)))
        value = None
    closed = check_open(session, date)
    if closed:
        problems.append(closed)
    if problems:
        raise LedgerError(problems)
    commitment = Commitment(
        investor_id=investor_entity.id,
        fund_id=fund_entity.id,
        amount=value,
        currency=fund_entity.currency,
        date=date,
        reference=reference,
        created_by=actor,
    )
    session.add(commitment)
    session.flush()
    return commitment


#: Built once: every page asks it (the demo banner).
_ANY_DEMO = select(Entity.id).where(Entity.demo.is_(True)).limit(1)


def holds_demo(session: Session) -> bool:
    """Whether any entity of the ledger is marked as demo data."""
    return session.connection().execute(_ANY_DEMO).first() is not None
