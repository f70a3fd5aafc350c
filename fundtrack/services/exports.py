"""Exports: the journal as CSV in the import format, so the file imports back as duplicates.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``,
a tab or a carriage return) get a leading ``'``; so does text that already
starts with ``'``, which keeps the round trip exact: the importer takes one
leading ``'`` off such cells again (text columns only, never amounts or dates).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from fundtrack.ledger.db import Database
from fundtrack.ledger.models import Entity, Transfer
from fundtrack.ledger.money import REPORTING_CURRENCY

JOURNAL_COLUMNS = (
    "date",
    "type",
    "from",
    "to",
    "amount",
    "currency",
    "reference",
    "memo",
    "recallable",
    "fx_rate",
    "fx_date",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value: str | None) -> str:
    """Text a spreadsheet will show as text, never evaluate."""
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def plain_amount(value: Decimal) -> str:
    """``1234.5000`` → ``1234.50``: cents always, further digits only when there are some."""
    cents = value.quantize(Decimal("0.01"))
    return format(cents if cents == value else value.normalize(), "f")


def export_journal(db: Database, out: str | Path) -> int:
    """Write every journal entry, oldest first, to ``out``; returns the number of rows.

    UTF-8 with a BOM, so Excel opens the Chinese memos correctly.
    """
    with db.read() as session, open(out, "w", encoding="utf-8-sig", newline="") as handle:
        codes = dict(session.execute(select(Entity.id, Entity.code)).all())
        writer = csv.writer(handle)
        writer.writerow(JOURNAL_COLUMNS)
        count = 0
        for t in session.scalars(select(Transfer).order_by(Transfer.id)).yield_per(5000):
            foreign = t.currency != REPORTING_CURRENCY and t.fx_rate is not None
            writer.writerow(
                (
                    t.date.isoformat(),
                    t.kind,
                    neutralise(codes[t.from_id]),
                    neutralise(codes[t.to_id]),
                    plain_amount(t.amount),
                    t.currency,
                    neutralise(t.reference),
                    neutralise(t.memo),
                    "yes" if t.recallable else "",
                    format(t.fx_rate.normalize(), "f") if foreign else "",
                    t.fx_date.isoformat() if foreign and t.fx_date else "",
                )
            )
            count += 1
    return count
