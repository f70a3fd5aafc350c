"""Valuations: NAV statements of sub-funds and fair values of company holdings.

They are not money movements, so they stay out of the journal. A statement is
never edited: a restatement is a new row for the same date, and the latest
posted one counts. The same statement imported twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import Valuation, utcnow
from fundtrack.ledger.money import QUANTUM, REPORTING_CURRENCY, MoneyError, to_decimal
from fundtrack.ledger.periods import check_open
from fundtrack.ledger.rules import CHUNK, entities_by_code, fx_rate_for


@dataclass(frozen=True)
class ValuationDraft:
    date: dt.date
    entity_code: str
    value: Decimal
    holder_code: str | None = None
    currency: str = REPORTING_CURRENCY
    source: str | None = None


def check_valuation(session: Session, draft: ValuationDraft, entities=None) -> list[Problem]:
    codes = [draft.entity_code] + ([draft.holder_code] if draft.holder_code else [])
    entities = entities if entities is not None else entities_by_code(session, codes)
    problems: list[Problem] = []
    entity = entities.get(draft.entity_code)
    holder = entities.get(draft.holder_code) if draft.holder_code else None
    if entity is None:
        problems.append(Problem("entity", f"no entity with code {draft.entity_code!r}"))
    if draft.holder_code and holder is None:
        problems.append(Problem("holder", f"no entity with code {draft.holder_code!r}"))
    try:
        value = to_decimal(draft.value, field="value")
        if value < 0:
            problems.append(Problem("value", f"{value} is negative"))
    except MoneyError as exc:
        problems.append(Problem("value", str(exc).split(": ", 1)[-1]))
    if entity is not None:
        if holder is None and entity.kind not in ("subfund", "parent"):
            problems.append(
                Problem("holder", f"a fair value of {entity.code} needs the fund that holds it")
            )
        if holder is not None and holder.kind not in ("subfund", "parent"):
            problems.append(Problem("holder", f"{holder.code} is not a fund"))
        fund = holder if holder is not None else entity
        if fund.inception and draft.date < fund.inception:
            problems.append(
                Problem(
                    "date",
                    f"{draft.date.isoformat()} is before {fund.code}'s inception "
                    f"({fund.inception.isoformat()})",
                )
            )
    if (
        draft.currency != REPORTING_CURRENCY
        and fx_rate_for(session, draft.currency, draft.date) is None
    ):
        problems.append(
            Problem("currency", f"no {draft.currency}/CNY rate for {draft.date.isoformat()}")
        )
    closed = check_open(session, draft.date)
    if closed:
        problems.append(closed)
    return problems


def _latest_values(session: Session, keys: set[tuple[int, int | None, dt.date]]):
    """The latest posted value for each (entity, holder, date) among ``keys``."""
    found: dict[tuple[int, int | None, dt.date], tuple[Decimal, str]] = {}
    entity_ids = sorted({k[0] for k in keys})
    for start in range(0, len(entity_ids), CHUNK):
        rows = session.execute(
            select(
                Valuation.entity_id,
                Valuation.holder_id,
                Valuation.date,
                Valuation.value,
                Valuation.currency,
            )
            .where(Valuation.entity_id.in_(entity_ids[start : start + CHUNK]))
            .order_by(Valuation.id)
        )
        for r in rows:
            key = (r.entity_id, r.holder_id, r.date)
            if key in keys:
                found[key] = (r.value, r.currency)
    return found


def post_valuations(
    session: Session,
    drafts: Sequence[ValuationDraft],
    *,
    actor: str,
    batch_id: int | None = None,
    first_row: int = 1,
) -> tuple[int, int]:
    """Record statements; ``(new, duplicates)``. Any problem → nothing written.

    A statement identical to the latest one for its entity, holder and date is a
    duplicate; a different value for the same date is a restatement and is added.
    """
    codes = [d.entity_code for d in drafts] + [d.holder_code for d in drafts if d.holder_code]
    entities = entities_by_code(session, codes)
    problems = []
    for i, draft in enumerate(drafts):
        problems.extend(
            Problem(p.field, p.message, first_row + i)
            for p in check_valuation(session, draft, entities)
        )
    if problems:
        raise LedgerError(problems)

    def key(d: ValuationDraft):
        holder = entities[d.holder_code].id if d.holder_code else None
        return (entities[d.entity_code].id, holder, d.date)

    latest = _latest_values(session, {key(d) for d in drafts})
    rows, duplicates = [], 0
    for draft in drafts:
        k = key(draft)
        value = to_decimal(draft.value, field="value")
        if latest.get(k) == (value, draft.currency):
            duplicates += 1
            continue
        latest[k] = (value, draft.currency)
        rate = (
            Decimal(1)
            if draft.currency == REPORTING_CURRENCY
            else fx_rate_for(session, draft.currency, draft.date)
        )
        rows.append(
            {
                "date": draft.date,
                "entity_id": k[0],
                "holder_id": k[1],
                "value": value,
                "currency": draft.currency,
                "value_cny": (value * rate).quantize(QUANTUM),
                "source": draft.source,
                "batch_id": batch_id,
                "posted_by": actor,
                "posted_at": utcnow(),
            }
        )
    if rows:
        session.execute(insert(Valuation), rows)
    return len(rows), duplicates


def post_valuation(
    session: Session, draft: ValuationDraft, *, actor: str, batch_id: int | None = None
) -> tuple[Valuation, bool]:
    """Record one statement; returns the latest row for its date and whether it was new."""
    new, _ = post_valuations(session, [draft], actor=actor, batch_id=batch_id)
    entity = entities_by_code(session, [draft.entity_code])[draft.entity_code]
    holder = (
        entities_by_code(session, [draft.holder_code])[draft.holder_code]
        if draft.holder_code
        else None
    )
    same_holder = Valuation.holder_id == holder.id if holder else Valuation.holder_id.is_(None)
    row = session.scalar(
        select(Valuation)
        .where(Valuation.entity_id == entity.id, same_holder, Valuation.date == draft.date)
        .order_by(Valuation.id.desc())
        .limit(1)
    )
    return row, bool(new)
