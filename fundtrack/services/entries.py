"""Entries typed in the UI: transfers, valuations, 返投 recognitions, reversals, closing.

Each function is one transaction that writes the entry and its audit record
together; on any ``LedgerError`` nothing is written and the problems (each
naming its field) go back to the form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fundtrack.ledger import audit, journal, periods, recognitions, valuations
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.journal import TransferDraft
from fundtrack.ledger.money import MoneyError, to_decimal
from fundtrack.ledger.valuations import ValuationDraft


def parse_amount(text: str | Decimal | None, field: str) -> Decimal:
    """An amount as typed: ``1,234.56`` or ``1234.56``; thousands separators are dropped."""
    if isinstance(text, Decimal):
        return text
    cleaned = (text or "").replace(",", "").replace("，", "").strip()
    if not cleaned:
        raise LedgerError(Problem(field, "an amount is required"))
    try:
        return to_decimal(cleaned, field=field)
    except MoneyError as exc:
        raise LedgerError(Problem(field, str(exc).split(": ", 1)[-1])) from None


def record_transfer(db: Database, draft: TransferDraft, *, actor: str) -> int:
    """Post one transfer (a repeat of a posted reference is an error); its id."""
    draft = TransferDraft(**{**draft.__dict__, "amount": parse_amount(draft.amount, "amount")})
    with db.write() as session:
        posted = journal.post_transfer(session, draft, actor=actor)
        audit.record(
            session,
            actor,
            "transfer.post",
            "transfer",
            posted.id,
            kind=draft.kind,
            from_code=draft.from_code,
            to_code=draft.to_code,
            amount=posted.amount,
            currency=posted.currency,
            reference=draft.reference,
        )
        return posted.id


def record_valuation(db: Database, draft: ValuationDraft, *, actor: str) -> tuple[int, bool]:
    """Record a NAV statement or fair value; ``(id, new)`` — an identical repeat adds nothing."""
    draft = ValuationDraft(**{**draft.__dict__, "value": parse_amount(draft.value, "value")})
    with db.write() as session:
        row, new = valuations.post_valuation(session, draft, actor=actor)
        if new:
            audit.record(
                session,
                actor,
                "valuation.post",
                "valuation",
                row.id,
                entity=draft.entity_code,
                holder=draft.holder_code,
                date=draft.date,
                value=row.value,
                currency=row.currency,
            )
        return row.id, new


def record_recognition(
    db: Database,
    *,
    fund: str,
    company: str,
    category: str,
    base_amount: str | Decimal,
    approval_date: dt.date,
    actor: str,
    evidence: str | None = None,
    multiplier: str | Decimal | None = None,
) -> int:
    base = parse_amount(base_amount, "base_amount")
    factor = None
    if multiplier not in (None, ""):
        factor = parse_amount(multiplier, "multiplier")
        if factor <= 0:
            raise LedgerError(Problem("multiplier", "must be positive"))
    with db.write() as session:
        row = recognitions.recognise(
            session,
            fund=fund,
            company=company,
            category=category,
            base_amount=base,
            approval_date=approval_date,
            actor=actor,
            evidence=evidence,
            multiplier=factor,
        )
        audit.record(
            session,
            actor,
            "recognition.post",
            "recognition",
            row.id,
            fund=fund,
            company=company,
            category=category,
            base_amount=base,
            recognised_amount=row.recognised_amount,
        )
        return row.id


def reverse(
    db: Database, transfer_id: int, *, actor: str, date: dt.date, memo: str | None = None
) -> int:
    """Post the reversing entry of ``transfer_id`` (the only way to correct the journal)."""
    with db.write() as session:
        posted = journal.reverse_transfer(session, transfer_id, actor=actor, date=date, memo=memo)
        audit.record(
            session,
            actor,
            "transfer.reverse",
            "transfer",
            transfer_id,
            reversal_id=posted.id,
            date=date,
            memo=memo,
        )
        return posted.id


def close_quarter(db: Database, quarter: str, *, actor: str) -> str:
    """Close a quarter: nothing may be posted into it afterwards."""
    with db.write() as session:
        period = periods.close_quarter(session, quarter, actor=actor)
        audit.record(
            session,
            actor,
            "period.close",
            "quarter",
            period.quarter,
            start=period.start_date,
            end=period.end_date,
        )
        return period.quarter
