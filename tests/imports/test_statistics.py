"""After a bulk write PostgreSQL's planner sees the journal as it now is; SQLite gets no
statistics (its statements are written for its planner without them)."""

from __future__ import annotations

from sqlalchemy import func, select, text

from fundtrack.ledger.models import Transfer
from fundtrack.services import imports
from fundtrack.services.demo import load_demo


def planned_rows(db) -> float | None:
    """The planner's row count of the journal (PostgreSQL), None on SQLite."""
    with db.read() as session:
        if db.dialect != "postgresql":
            return None
        return session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'transfer'"))


def journal_rows(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Transfer))


def sqlite_statistics(db) -> list:
    with db.read() as session:
        return session.execute(
            text("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")
        ).all()


def test_the_demo_leaves_the_planner_its_statistics(db):
    load_demo(db, size="small", progress=lambda _m: None)
    if db.dialect == "postgresql":
        # ANALYZE reads every row of a table this small: the count is exact.
        assert planned_rows(db) == journal_rows(db) > 0
    else:
        assert sqlite_statistics(db) == []


def test_a_bulk_import_refreshes_them(demo_db, csv_of, monkeypatch):
    monkeypatch.setattr(imports, "BULK_ROWS", 2)
    rows = [
        ["2026-10-10", "investment", "SF-DIGITAL", "CO-SUANLI", "1,000.00", "CNY", f"T-{i}", ""]
        for i in range(3)
    ]
    result = imports.commit_import(demo_db, "bulk.csv", csv_of(rows), "alice")
    assert result.new == 3
    if demo_db.dialect == "postgresql":
        assert planned_rows(demo_db) == journal_rows(demo_db)
    else:
        assert sqlite_statistics(demo_db) == []
