"""The journal's hash chain: each entry's fingerprint covers the one before it.

Posting locks the journal head row, which holds the chain's tip, so writers
queue and the chain has no forks. A row changed or deleted behind the
application's back no longer matches its fingerprint, or breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.models import (
    Entity,
    JournalHead,
    Transfer,
)
from fundtrack.ledger.money import (
    QUANTUM,
)

GENESIS_HASH = "0" * 64


def lock_head(session: Session) -> JournalHead:
    """Take the journal head row for update: the one place writers queue on PostgreSQL."""
    head = session.scalar(select(JournalHead).where(JournalHead.id == 1).with_for_update())
    if head is None:
        session.add(JournalHead(id=1, last_transfer_id=None, last_hash=GENESIS_HASH))
        session.flush()
        head = session.scalar(select(JournalHead).where(JournalHead.id == 1).with_for_update())
    return head


def _stamp(ts: dt.datetime) -> str:
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


def _canonical(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).quantize(QUANTUM), "f")


def chain_hash(prev_hash: str, row: dict, from_code: str, to_code: str) -> str:
    """The entry's fingerprint: its content and the previous entry's fingerprint."""
    parts = [
        prev_hash,
        row["date"].isoformat(),
        row["kind"],
        from_code,
        to_code,
        _canonical(row["amount"]),
        row["currency"],
        _canonical(row["amount_cny"]),
        "" if row["fx_rate"] is None else format(Decimal(row["fx_rate"]).normalize(), "f"),
        "" if row["fx_date"] is None else row["fx_date"].isoformat(),
        "1" if row["recallable"] else "0",
        row["reference"] or "",
        row["memo"] or "",
        "" if row["reverses_id"] is None else str(row["reverses_id"]),
        row["posted_by"],
        _stamp(row["posted_at"]),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def verify_chain(session: Session) -> list[str]:
    """Recompute the hash chain in posting order; each break is reported once."""
    codes = dict(session.execute(select(Entity.id, Entity.code)).all())
    problems = []
    previous = GENESIS_HASH
    columns = [c.key for c in Transfer.__table__.columns]
    for t in session.scalars(select(Transfer).order_by(Transfer.id)).yield_per(2000):
        row = {c: getattr(t, c) for c in columns}
        if t.prev_hash != previous:
            problems.append(f"transfer #{t.id}: chain broken before it (an entry was removed)")
        expected = chain_hash(t.prev_hash, row, codes[t.from_id], codes[t.to_id])
        if expected != t.hash:
            problems.append(f"transfer #{t.id}: its content no longer matches its hash")
        previous = t.hash
    head = session.get(JournalHead, 1)
    if head is not None and head.last_hash != previous:
        problems.append("journal head: the last entries were removed")
    return problems
