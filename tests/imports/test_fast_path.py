"""The bulk insert (COPY on PostgreSQL, a driver executemany on SQLite) stores what the ORM did.

``journal.insert_rows`` converts values itself instead of letting SQLAlchemy's
insert do it per value. These tests post the same drafts both ways, with the
same posting time, and compare what the database holds column by column (as the
driver returns it, so SQLite's stored text and integers are compared too); and
they check that an import through the fast path leaves a ledger that
``fundtrack check`` accepts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from fundtrack.ledger import journal
from fundtrack.ledger.entities import add_entity
from fundtrack.ledger.journal import TransferDraft, post_many, reverse_many, verify_chain
from fundtrack.ledger.models import FxRate, Transfer
from fundtrack.ledger.statements import amounts
from fundtrack.ledger.statements.amounts import parse_amount
from fundtrack.services.checks import run_checks
from fundtrack.services.imports import commit_import, reverse_batch

POSTED_AT = dt.datetime(2026, 10, 12, 3, 4, 5, 678901, tzinfo=dt.UTC)


class _RollbackError(Exception):
    """Undoes the posting transaction once its rows are read."""


def _orm_insert(connection, rows):
    """The insert as it was before the fast path: SQLAlchemy converts every value."""
    connection.execute(insert(Transfer.__table__), list(rows))


def _drafts() -> list[TransferDraft]:
    return [
        TransferDraft(
            date=dt.date(2026, 10, 10),
            kind="investment",
            from_code="SF-DIGITAL",
            to_code="CO-SUANLI",
            amount=Decimal("1234567.891"),
            reference="FP-1",
            memo="第一笔投资",
        ),
        TransferDraft(
            date=dt.date(2026, 10, 11),
            kind="proceeds",
            from_code="CO-SUANLI",
            to_code="SF-DIGITAL",
            amount=Decimal("0.005"),
        ),
        TransferDraft(
            date=dt.date(2026, 10, 12),
            kind="investment",
            from_code="SF-DIGITAL",
            to_code="CO-FASTUSD",
            amount=Decimal("1000.50"),
            currency="USD",
            fx_rate=Decimal("7.12345678"),
            fx_date=dt.date(2026, 10, 9),
            reference="FP-USD",
        ),
        TransferDraft(
            # The same rate written with a trailing zero: stored as written, on both paths.
            date=dt.date(2026, 10, 12),
            kind="investment",
            from_code="SF-DIGITAL",
            to_code="CO-FASTUSD",
            amount=Decimal("2"),
            currency="USD",
            fx_rate=Decimal("7.123456780"),
            fx_date=dt.date(2026, 10, 9),
            reference="FP-USD-2",
        ),
        TransferDraft(
            date=dt.date(2026, 10, 13),
            kind="distribution",
            from_code="SF-DIGITAL",
            to_code="LP-DIG-SOE",
            amount=Decimal("9999999999.999"),
            recallable=True,
            reference="FP-DIST",
            memo="可召回分配",
        ),
    ]


def _add_usd_company(db) -> None:
    with db.write() as session:
        add_entity(
            session, code="CO-FASTUSD", kind="company", name="美元公司", actor="t", currency="USD"
        )


def _post_and_read(db, monkeypatch, insert_rows) -> tuple[list[tuple], list[tuple]]:
    """Post the drafts (and reverse one) with ``insert_rows``; the stored rows, then undo."""
    monkeypatch.setattr(journal, "utcnow", lambda: POSTED_AT)
    monkeypatch.setattr(journal, "insert_rows", insert_rows)
    columns = [c.name for c in Transfer.__table__.columns]
    raw = orm = None
    with contextlib.suppress(_RollbackError), db.write() as session:
        floor = session.scalar(select(Transfer.id).order_by(Transfer.id.desc()).limit(1))
        if db.dialect == "postgresql":
            # A rolled-back run still used ids of the sequence; both runs start from the same.
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('transfer', 'id'), :floor)"),
                {"floor": floor},
            )
        outcome = post_many(session, _drafts(), actor="fast-path", batch_id=None)
        reverse_many(session, [outcome.ids[0]], actor="fast-path", date=dt.date(2026, 10, 20))
        # As the driver returns them: SQLite's stored text and integers, PostgreSQL's types.
        raw = (
            session.connection()
            .exec_driver_sql(
                f"SELECT {', '.join(columns)} FROM transfer WHERE id > {floor} ORDER BY id"
            )
            .all()
        )
        orm = session.execute(
            select(*Transfer.__table__.columns).where(Transfer.id > floor).order_by(Transfer.id)
        ).all()
        assert verify_chain(session) == []
        raise _RollbackError
    return [tuple(r) for r in raw], [tuple(r) for r in orm]


def test_fast_insert_stores_exactly_what_the_orm_insert_stored(demo_db, monkeypatch):
    _add_usd_company(demo_db)
    fast_raw, fast_orm = _post_and_read(demo_db, monkeypatch, journal.insert_rows)
    slow_raw, slow_orm = _post_and_read(demo_db, monkeypatch, _orm_insert)
    assert len(fast_raw) == len(_drafts()) + 1
    # Every column, the id, the hash and the previous hash included.
    assert fast_raw == slow_raw
    assert fast_orm == slow_orm
    by_column = [dict(zip(Transfer.__table__.columns.keys(), r, strict=True)) for r in fast_orm]
    assert [r["amount"] for r in by_column[:5]] == [d.amount for d in _drafts()]
    assert by_column[2]["amount_cny"] == Decimal("7127.019")  # 1000.50 × 7.12345678 = 7127.0185…
    assert by_column[2]["fx_rate"] == Decimal("7.12345678")
    assert by_column[4]["recallable"] is True
    assert by_column[5]["reverses_id"] == by_column[0]["id"]
    # SQLite hands timestamps back without their zone (UTC), on both paths alike.
    assert {r["posted_at"].replace(tzinfo=dt.UTC) for r in by_column} == {POSTED_AT}


def _statement(csv_of, count: int) -> bytes:
    rows = []
    for i in range(count):
        day = (dt.date(2026, 10, 1) + dt.timedelta(days=i % 60)).isoformat()
        if i % 4 == 0:
            rows.append([day, "投资", "SF-DIGITAL", "CO-SUANLI", f"{i + 1}.125", "", f"F-{i}", ""])
        elif i % 4 == 1:
            # A formatted amount and no reference: the slow parsing path and a derived key.
            rows.append([day, "回款", "CO-SUANLI", "SF-DIGITAL", f"{i + 1:,}0.5", "", "", "回款"])
        elif i % 4 == 2:
            rows.append(
                [day, "investment", "SF-DIGITAL", "CO-FASTUSD", "12.5", "USD", f"U-{i}", ""]
            )
        else:
            rows.append([day, "fee", "SF-DIGITAL", "MGR-DIGITAL", "1万", "CNY", f"M-{i}", "费"])
    return csv_of(rows)


def test_fast_import_passes_the_ledger_checks_and_is_idempotent(demo_db, csv_of):
    _add_usd_company(demo_db)
    with demo_db.write() as session:
        for i in range(60):
            day = dt.date(2026, 10, 1) + dt.timedelta(days=i)
            session.add(FxRate(currency="USD", date=day, rate=Decimal("7.1")))
    data = _statement(csv_of, 400)
    first = commit_import(demo_db, "fast.csv", data, "alice")
    assert (first.new, first.duplicates) == (400, 0)
    report = run_checks(demo_db)
    assert report.ok, report.findings
    again = commit_import(demo_db, "fast.csv", data, "alice")
    assert (again.new, again.duplicates) == (0, 400)
    with demo_db.read() as session:
        usd = session.scalars(
            select(Transfer).where(Transfer.batch_id == first.batch_id, Transfer.currency == "USD")
        ).all()
        assert len(usd) == 100
        assert {t.amount_cny for t in usd} == {Decimal("88.750")}
        assert {t.fx_rate for t in usd} == {Decimal("7.1")}
    undone = reverse_batch(demo_db, first.batch_id, "alice", dt.date(2026, 12, 31))
    assert undone.reversed == 400
    report = run_checks(demo_db)
    assert report.ok, report.findings


@pytest.mark.parametrize(
    "cell", ["0", "7", "007", "0.5", "1234.50", "1234.567", "999999999999999.999", "12.000"]
)
def test_plain_amount_shortcut_reads_as_the_general_path(cell):
    # Spaces around the cell take it past the shortcut, through the general parser.
    fast, general = parse_amount(cell), parse_amount(f" {cell} ")
    assert (str(fast), fast.as_tuple()) == (str(general), general.as_tuple())


@pytest.mark.parametrize(
    "cell", ["1234.5678", "1e5", "+5", "-5", "1,234", "١٢٣", "12.5\n", " 12", "1234567890123456"]
)
def test_the_shortcut_leaves_every_other_cell_to_the_general_path(cell):
    # Too many decimals or digits, signs, separators, non-ASCII digits, spaces, newlines.
    assert amounts._PLAIN.match(cell) is None
