"""Benchmark index series (e.g. CSI 300) for PME: one level per index and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import Benchmark, IndexLevel
from fundtrack.ledger.money import MoneyError, to_decimal


def add_index_levels(
    session: Session,
    index_code: str,
    rows: Sequence[tuple[dt.date, Decimal]],
    *,
    batch_id: int | None = None,
    first_row: int = 1,
) -> tuple[int, int]:
    """Add levels not yet known; ``(new, duplicates)``.

    A level that differs from the one already stored for that date is an error:
    an index is not restated silently.
    """
    problems: list[Problem] = []
    if not index_code or len(index_code) > 40:
        problems.append(Problem("index", f"{index_code!r} is not an index code"))
    known = dict(
        session.execute(
            select(IndexLevel.date, IndexLevel.level).where(IndexLevel.index_code == index_code)
        ).all()
    )
    seen: dict[dt.date, Decimal] = {}
    new, duplicates = [], 0
    for i, (day, level) in enumerate(rows):
        row = first_row + i
        try:
            value = to_decimal(level, field="level")
        except MoneyError as exc:
            problems.append(Problem("level", str(exc).split(": ", 1)[-1], row))
            continue
        if value <= 0:
            problems.append(Problem("level", f"{value} is not a positive level", row))
            continue
        earlier = known.get(day, seen.get(day))
        if earlier is not None:
            if earlier != value:
                problems.append(
                    Problem("level", f"{index_code} on {day.isoformat()} is already {earlier}", row)
                )
            else:
                duplicates += 1
            continue
        seen[day] = value
        new.append({"index_code": index_code, "date": day, "level": value, "batch_id": batch_id})
    if problems:
        raise LedgerError(problems)
    if new:
        session.execute(insert(IndexLevel), new)
    return len(new), duplicates


def name_benchmark(
    session: Session, code: str, name: str, name_en: str | None = None, *, synthetic: bool = False
) -> Benchmark:
    """Give an index code its display names (created, or renamed if it exists)."""
    row = session.get(Benchmark, code)
    if row is None:
        row = Benchmark(code=code, name=name, name_en=name_en, synthetic=synthetic)
        session.add(row)
    else:
        row.name, row.name_en, row.synthetic = name, name_en, synthetic
    session.flush()
    return row


_NAMES = select(Benchmark.name, Benchmark.name_en, Benchmark.synthetic).where(
    Benchmark.code == bindparam("code")
)


def benchmark_names(session: Session, code: str) -> dict:
    """``{code, name, name_en, synthetic}``; an unnamed index is called by its code."""
    session.flush()  # a name given in this session (``name_benchmark`` flushes it anyway)
    row = session.connection().execute(_NAMES, {"code": code}).first()
    if row is None:
        return {"code": code, "name": code, "name_en": code, "synthetic": False}
    return {
        "code": code,
        "name": row.name,
        "name_en": row.name_en or row.name,
        "synthetic": row.synthetic,
    }
