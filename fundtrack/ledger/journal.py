"""Posting to the journal: append checked drafts to the hash chain, and reverse entries.

``post_many`` posts a batch only when ``rules.validate_batch`` finds no problem
(entries already posted count as duplicates), so a batch is all or nothing.
Posting first locks the journal head row, so concurrent writers queue: the
remaining-commitment check and the hash chain both see every earlier entry.
A correction is never an edit: ``reverse_many`` posts the mirror entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fundtrack.ledger.chain import chain_hash, lock_head, verify_chain
from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem
from fundtrack.ledger.models import (
    Entity,
    JournalHead,
    Transfer,
    utcnow,
)
from fundtrack.ledger.money import (
    to_decimal,
)
from fundtrack.ledger.rules import (
    ALLOWED_ROUTES,
    CHUNK,
    PostingContext,
    TransferDraft,
    callable_remaining,
    entities_by_code,
    entity_by_code,
    fx_rate_for,
    reversed_ids,
    validate_batch,
)

__all__ = [
    "ALLOWED_ROUTES",
    "CHUNK",
    "PostOutcome",
    "TransferDraft",
    "callable_remaining",
    "entities_by_code",
    "entity_by_code",
    "fx_rate_for",
    "post_many",
    "post_transfer",
    "reverse_many",
    "reverse_transfer",
    "reversed_ids",
    "verify_chain",
]


@dataclass(frozen=True)
class PostOutcome:
    new: int
    duplicates: int
    ids: tuple[int, ...] = ()


#: The journal's columns as inserted (the id comes from the database).
_COLUMNS = tuple(c for c in Transfer.__table__.columns if c.key != "id")
#: Columns with few distinct values in a batch: each value is converted once. Not the
#: Decimal columns: 7.1 and 7.10 are equal keys of a dict, yet SQLite stores each as written.
_REPEATING = frozenset(
    {"date", "kind", "currency", "fx_date", "recallable", "batch_id", "posted_by", "posted_at"}
)


def _driver_values(connection: Connection, rows: Sequence[dict]) -> list[list]:
    """Each column's values as the driver receives them from SQLAlchemy, column by column.

    The conversion is the columns' own bind processors (the ``Money`` integer of
    thousandths on SQLite, SQLAlchemy's date and timestamp text), so what is stored
    is what an ORM insert stores; repeating values are converted once.
    """
    dialect = connection.dialect
    columns = []
    for column in _COLUMNS:
        values = [row[column.key] for row in rows]
        process = column.type._cached_bind_processor(dialect)
        if process is not None:
            if column.key in _REPEATING:
                seen = {v: None if v is None else process(v) for v in set(values)}
                values = [seen[v] for v in values]
            else:
                values = [None if v is None else process(v) for v in values]
        columns.append(values)
    return columns


def insert_rows(connection: Connection, rows: Sequence[dict]) -> None:
    """Insert journal rows (every column but the id) in the connection's transaction.

    SQLAlchemy's executemany converts each value through its type machinery and, on
    psycopg, sends one statement per row; for a 100,000-row import that was most of
    the time. Here the values are converted per column, then sent as one COPY on
    PostgreSQL and as one driver-level executemany on SQLite.
    """
    if not rows:
        return
    columns = _driver_values(connection, rows)
    names = ", ".join(c.name for c in _COLUMNS)
    if connection.dialect.name == "postgresql":
        _copy(connection, f"COPY transfer ({names}) FROM STDIN", zip(*columns, strict=True))
    elif connection.dialect.name == "sqlite":
        marks = ", ".join("?" * len(_COLUMNS))
        statement = f"INSERT INTO transfer ({names}) VALUES ({marks})"  # noqa: S608 (model's names)
        connection.exec_driver_sql(statement, list(zip(*columns, strict=True)))
    else:
        connection.execute(insert(Transfer.__table__), list(rows))


def _copy(connection: Connection, statement: str, records: Iterable[tuple]) -> None:
    """COPY ``records`` in on the session's own psycopg connection (same transaction)."""
    raw = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(record)
    except dbapi.Error as error:
        # Wrapped as SQLAlchemy wraps driver errors, so ``Database.write`` still tells
        # a full disk or a lock timeout apart from other failures.
        raise DBAPIError.instance(statement, None, error, dbapi.Error) from error


def _append_rows(
    session: Session,
    head: JournalHead,
    ctx: PostingContext,
    drafts: Iterable[TransferDraft],
    *,
    actor: str,
    batch_id: int | None,
    reverses_ids: Sequence[int] | None = None,
) -> list[int]:
    posted_at = utcnow()
    rows = []
    last = head.last_hash
    for i, draft in enumerate(drafts):
        rate = ctx.rate(draft)
        row = {
            "date": draft.date,
            "kind": draft.kind,
            "from_id": ctx.entities[draft.from_code].id,
            "to_id": ctx.entities[draft.to_code].id,
            "amount": to_decimal(draft.amount),
            "currency": draft.currency,
            "fx_rate": rate,
            "fx_date": (draft.fx_date or draft.date) if rate is not None else None,
            "amount_cny": ctx.amount_cny(draft),
            "recallable": draft.recallable,
            "reference": draft.reference,
            "memo": draft.memo,
            "reverses_id": None if reverses_ids is None else reverses_ids[i],
            "batch_id": batch_id,
            "posted_by": actor,
            "posted_at": posted_at,
            "prev_hash": last,
        }
        row["hash"] = last = chain_hash(last, row, draft.from_code, draft.to_code)
        rows.append(row)
    if not rows:
        return []
    # New rows always get ids above the largest one visible now (the head row is
    # locked), so the ids are then read back by hash from only the new rows.
    floor = session.scalar(select(func.max(Transfer.id))) or 0
    insert_rows(session.connection(), rows)
    new_ids = dict(
        session.execute(select(Transfer.hash, Transfer.id).where(Transfer.id > floor)).all()
    )
    ids = [new_ids[row["hash"]] for row in rows]
    head.last_hash = last
    head.last_transfer_id = max(ids)
    session.flush()
    return ids


def post_many(
    session: Session,
    drafts: Sequence[TransferDraft],
    *,
    actor: str,
    batch_id: int | None = None,
    first_row: int = 1,
) -> PostOutcome:
    """Post every new draft, skip the ones already posted; any problem → nothing written."""
    head = lock_head(session)
    ctx = PostingContext.load(session, drafts)
    problems, duplicates = validate_batch(ctx, drafts, first_row=first_row)
    if problems:
        raise LedgerError(problems)
    skip = set(duplicates)
    fresh = [d for i, d in enumerate(drafts) if i not in skip]
    ids = _append_rows(session, head, ctx, fresh, actor=actor, batch_id=batch_id)
    return PostOutcome(new=len(ids), duplicates=len(skip), ids=tuple(ids))


def post_transfer(
    session: Session, draft: TransferDraft, *, actor: str, batch_id: int | None = None
) -> Transfer:
    """Append one entry, or raise ``LedgerError`` listing every problem (a repeat included)."""
    head = lock_head(session)
    ctx = PostingContext.load(session, [draft])
    problems, _ = validate_batch(ctx, [draft], duplicates_ok=False)
    if problems:
        raise LedgerError([Problem(p.field, p.message) for p in problems])
    (new_id,) = _append_rows(session, head, ctx, [draft], actor=actor, batch_id=batch_id)
    return session.get(Transfer, new_id)


def reverse_transfer(
    session: Session, transfer_id: int, *, actor: str, date: dt.date, memo: str | None = None
) -> Transfer:
    """Post the entry that cancels ``transfer_id``: same kind and amount, the other way round."""
    (new_id,) = reverse_many(session, [transfer_id], actor=actor, date=date, memo=memo)
    return session.get(Transfer, new_id)


def reverse_many(
    session: Session,
    transfer_ids: Sequence[int],
    *,
    actor: str,
    date: dt.date,
    memo: str | None = None,
) -> list[int]:
    """Reverse every one of ``transfer_ids`` (as ``reverse_transfer`` does), all or nothing.

    The context is read once for the whole list, so reversing an imported batch
    of many entries costs a few queries, not a few per entry.
    """
    head = lock_head(session)
    wanted = list(dict.fromkeys(transfer_ids))
    originals: dict[int, Row] = {}
    already: set[int] = set()
    # Plain rows, not ORM objects: a reversed import batch may hold 100,000 entries.
    columns = (
        Transfer.id,
        Transfer.kind,
        Transfer.from_id,
        Transfer.to_id,
        Transfer.amount,
        Transfer.currency,
        Transfer.recallable,
        Transfer.fx_rate,
        Transfer.fx_date,
        Transfer.reverses_id,
    )
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        originals.update(
            (t.id, t) for t in session.execute(select(*columns).where(Transfer.id.in_(chunk)))
        )
        already.update(
            session.scalars(select(Transfer.reverses_id).where(Transfer.reverses_id.in_(chunk)))
        )
    missing = [i for i in wanted if i not in originals]
    if missing:
        raise NotFoundError([Problem("transfer", f"no transfer #{i}") for i in missing])
    problems = []
    for i in wanted:
        if originals[i].reverses_id is not None:
            problems.append(Problem("transfer", f"#{i} is itself a reversal"))
        elif i in already:
            problems.append(Problem("transfer", f"#{i} is already reversed"))
    if problems:
        raise LedgerError(problems)
    ids = {t.from_id for t in originals.values()} | {t.to_id for t in originals.values()}
    codes: dict[int, str] = {}
    sorted_ids = sorted(ids)
    for start in range(0, len(sorted_ids), CHUNK):
        chunk = sorted_ids[start : start + CHUNK]
        codes.update(
            session.execute(select(Entity.id, Entity.code).where(Entity.id.in_(chunk))).all()
        )
    drafts = []
    for i in wanted:
        original = originals[i]
        drafts.append(
            TransferDraft(
                date=date,
                kind=original.kind,
                from_code=codes[original.to_id],
                to_code=codes[original.from_id],
                amount=original.amount,
                currency=original.currency,
                reference=f"reversal of #{original.id}",
                memo=memo or f"reversal of #{original.id}",
                recallable=original.recallable,
                # The reversal cancels exactly what was booked, at the original's rate.
                fx_rate=original.fx_rate,
                fx_date=original.fx_date,
            )
        )
    ctx = PostingContext.load(session, drafts)
    closed = ctx.closed_quarter(date)
    if closed:
        raise LedgerError(Problem("date", f"{date.isoformat()} lies in {closed}, which is closed"))
    return _append_rows(session, head, ctx, drafts, actor=actor, batch_id=None, reverses_ids=wanted)
