"""The journal as a page: entries with both sides' codes, filtered, sorted and paginated."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.frames.common import (
    to_frame,
)
from fundtrack.ledger.models import (
    Entity,
    Transfer,
)
from fundtrack.ledger.rules import reversed_ids


def _journal_query():
    """Journal entries with both sides' codes: the query and its two entity aliases."""
    src, dst = aliased(Entity), aliased(Entity)
    query = (
        select(
            Transfer.id,
            Transfer.date,
            Transfer.kind,
            src.code.label("from_code"),
            dst.code.label("to_code"),
            Transfer.amount,
            Transfer.currency,
            Transfer.amount_cny,
            Transfer.recallable,
            Transfer.reference,
            Transfer.memo,
            Transfer.reverses_id,
            Transfer.batch_id,
            Transfer.posted_by,
            Transfer.posted_at,
        )
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
    )
    return query, src, dst


def journal_entry(session: Session, transfer_id: int):
    """One journal entry as a row of ``journal_page``'s columns, or None."""
    query, _src, _dst = _journal_query()
    return session.execute(query.where(Transfer.id == transfer_id)).first()


def journal_page(
    session: Session,
    *,
    filters: dict | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> tuple[pd.DataFrame, int]:
    """One page of the journal with both sides' codes, and the number of matching rows.

    ``filters`` may hold ``kind``, ``entity`` (either side), ``date_from``, ``date_to``,
    ``reference`` (substring). ``sort`` is allow-listed.
    """
    sortable = {
        "date": Transfer.date,
        "amount": Transfer.amount_cny,
        "id": Transfer.id,
        "kind": Transfer.kind,
    }
    column = sortable.get(sort, Transfer.date)
    query, src, dst = _journal_query()
    filters = filters or {}
    if filters.get("kind"):
        query = query.where(Transfer.kind == filters["kind"])
    if filters.get("entity"):
        query = query.where(or_(src.code == filters["entity"], dst.code == filters["entity"]))
    if filters.get("date_from"):
        query = query.where(Transfer.date >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(Transfer.date <= filters["date_to"])
    if filters.get("reference"):
        query = query.where(Transfer.reference.contains(filters["reference"], autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = column.desc() if descending else column.asc()
    query = query.order_by(order, Transfer.id.desc() if descending else Transfer.id.asc())
    query = query.limit(per_page).offset(max(page - 1, 0) * per_page)
    rows = session.execute(query).all()
    frame = to_frame(rows, columns=list(query.selected_columns.keys()))
    reversed_set = set(session.scalars(reversed_ids()))
    frame["reversed"] = frame.id.isin(reversed_set) if not frame.empty else []
    return frame, int(total or 0)
