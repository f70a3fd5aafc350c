"""The database keeps the present holdings right (``holding_tally``, ``valuation_latest``).

Every test compares what the tables hold with the journal and the valuations as the
check recomputes them, and the holdings read from the tables (a dashboard at today's
date) with the holdings summed from the running totals and sought per pair (any
other date): the same rows, to the last digit. The property test of ``test_tallies`` draws
histories of posts, reversals and fair values and checks the same on each.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from fundtrack.ledger import frames
from fundtrack.ledger.frames import valuations as valuation_frames
from fundtrack.ledger.journal import TransferDraft, post_many, reverse_many
from fundtrack.ledger.models import HoldingTally, LatestValuation, Transfer, Valuation
from fundtrack.ledger.schema import alembic_config, current_revision, upgrade
from fundtrack.ledger.tallies import plan_for, rebuild_tallies
from fundtrack.ledger.valuations import ValuationDraft, post_valuations
from fundtrack.services.checks import check_holding_tallies, run_checks

D = Decimal
START = dt.date(2025, 1, 1)
#: (kind, from, to): every kind of key between a sub-fund and a company, both ways round,
#: and one of another level (a fee), which no holding counts.
ROUTES = (
    ("investment", "SF1", "CO1"),
    ("investment", "SF2", "CO1"),
    ("investment", "SF1", "CO2"),
    ("proceeds", "CO1", "SF1"),
    ("proceeds", "CO2", "SF1"),
    ("fee", "SF1", "MGR"),
)
PAIRS = (("SF1", "CO1"), ("SF2", "CO1"), ("SF1", "CO2"), ("SF2", "CO2"))


def draft(route: int, day: dt.date, amount) -> TransferDraft:
    kind, source, destination = ROUTES[route]
    return TransferDraft(day, kind, source, destination, D(amount))


def value(pair: int, day: dt.date, amount) -> ValuationDraft:
    holder, company = PAIRS[pair]
    return ValuationDraft(day, company, D(amount), holder_code=holder)


def rows(frame) -> list[tuple]:
    """A frame's rows with each value's type and exponent: equal means the same to the digit."""
    return [tuple(repr(v) for v in row) for row in frame.itertuples(index=False)]


def assert_kept_holdings_right(session, *dates: dt.date | None) -> None:
    assert check_holding_tallies(session) == []
    for as_of in (None, *dates):
        if valuation_frames._kept_holdings_hold(
            session.connection(), plan_for(session.connection(), as_of), as_of
        ):
            kept, summed = (
                frames.holdings(session, as_of),
                frames.holdings(session, as_of, kept=False),
            )
            assert rows(kept) == rows(summed), as_of


def test_posts_reversals_and_restatements_keep_the_holdings(book):
    with book.write() as s:
        posted = post_many(
            s,
            [
                draft(0, START, "100.5"),
                draft(0, START + dt.timedelta(days=3), "20"),
                draft(3, START + dt.timedelta(days=9), "7.25"),
                draft(2, START, "50"),
                draft(5, START, "3"),
            ],
            actor="t",
        )
        post_valuations(
            s,
            [
                value(0, START + dt.timedelta(days=10), "130"),
                value(0, START + dt.timedelta(days=10), "131"),  # a restatement: the later
                value(0, START + dt.timedelta(days=5), "90"),  # older: no change
                value(2, START + dt.timedelta(days=2), "55"),
            ],
            actor="t",
        )
    with book.write() as s:
        reverse_many(s, [posted.ids[1], posted.ids[3]], actor="t", date=START)
    with book.read() as s:
        held = frames.holdings(s)
        assert rows(held) == rows(frames.holdings(s, kept=False))
        assert held.fund.tolist() == ["SF1"]  # SF1 in CO2: invested, then reversed
        assert held.company.tolist() == ["CO1"]
        assert held.invested.tolist() == [D("100.500")]
        assert held.proceeds.tolist() == [D("7.250")]
        assert held.value.tolist() == [D("131.000")]
        # The reversed pair keeps a row of zeros, which no holding shows.
        pairs = {
            (r.fund_id, r.company_id): (r.invested, r.flows)
            for r in s.execute(sa.select(HoldingTally)).scalars().all()
        }
        assert sorted(flows for _, flows in pairs.values()) == [0, 2]
        assert_kept_holdings_right(s, START + dt.timedelta(days=10), START + dt.timedelta(days=99))


def test_a_valuation_changed_or_deleted_behind_the_application_moves_the_pointer(book):
    with book.write() as s:
        post_many(s, [draft(0, START, "10"), draft(1, START, "10")], actor="t")
        post_valuations(
            s,
            [
                value(0, START + dt.timedelta(days=1), "11"),
                value(0, START + dt.timedelta(days=2), "12"),
                value(1, START + dt.timedelta(days=1), "9"),
            ],
            actor="t",
        )
    with book.write() as s:
        latest, older = s.scalars(
            sa.select(Valuation.id).where(Valuation.value_cny != D(9)).order_by(Valuation.id.desc())
        ).all()
        s.execute(sa.delete(Valuation).where(Valuation.id == latest))
        s.execute(
            sa.update(Valuation)
            .where(Valuation.value_cny == D(9))
            .values(date=START + dt.timedelta(days=4), value=D(8), value_cny=D(8))
        )
    with book.read() as s:
        pointers = sorted(
            (r.valuation_id, r.value_cny) for r in s.execute(sa.select(LatestValuation)).scalars()
        )
        assert pointers[0] == (older, D(11))
        assert pointers[1][1] == D(8)
        assert frames.holdings(s).value.tolist() == [D(11), D(8)]
        assert_kept_holdings_right(s, START + dt.timedelta(days=4))


def test_the_check_finds_kept_holdings_changed_behind_the_applications_back(book):
    with book.write() as s:
        post_many(s, [draft(0, START, "10"), draft(3, START, "4")], actor="t")
        post_valuations(s, [value(0, START, "12"), value(0, START, "13")], actor="t")
    with book.read() as s:
        before = rows(frames.holdings(s))
    assert run_checks(book).findings["holdings kept"] == []
    one = "1000" if book.dialect == "sqlite" else "1"
    with book.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE holding_tally SET invested = invested + {one}")
        conn.exec_driver_sql("DELETE FROM valuation_latest")
    findings = run_checks(book).findings["holdings kept"]
    assert len(findings) == 2
    assert findings[0] == (
        "SF1 in CO1: the holding holds invested 11.000, proceeds 4.000 in 2 entries; "
        "the journal 10.000, 4.000 in 2"
    )
    assert findings[1].startswith(
        "SF1 in CO1: the latest valuation kept is none, the valuations' #"
    )
    with book.write() as s:
        rebuild_tallies(s)
    assert run_checks(book).findings["holdings kept"] == []
    with book.read() as s:
        assert rows(frames.holdings(s)) == before


def test_today_reads_the_kept_holdings_and_an_earlier_date_does_not(book):
    with book.write() as s:
        post_many(
            s, [draft(0, START, "10"), draft(0, START + dt.timedelta(days=30), "5")], actor="t"
        )
        post_valuations(s, [value(0, START + dt.timedelta(days=40), "18")], actor="t")
    statements: list[str] = []

    def seen(conn, cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(book.engine, "before_cursor_execute", seen)
    try:
        with book.read() as s:
            for as_of, kept in (
                (None, True),
                (START + dt.timedelta(days=40), True),
                (START + dt.timedelta(days=39), False),  # a valuation lies after it
                (START + dt.timedelta(days=29), False),  # an entry lies after it
            ):
                statements.clear()
                held = frames.holdings(s, as_of)
                assert any("holding_tally" in q for q in statements) == kept, as_of
                assert rows(held) == rows(frames.holdings(s, as_of, kept=False))
    finally:
        sa.event.remove(book.engine, "before_cursor_execute", seen)


def test_the_migration_fills_the_tables_from_the_ledger(demo_db):
    with demo_db.write() as s:
        first, last = s.execute(
            sa.select(sa.func.min(Transfer.id), sa.func.max(Transfer.date))
        ).one()
        reverse_many(s, [first], actor="t", date=last)
    with demo_db.read() as s:
        before = rows(frames.holdings(s))
        assert len(before) > 10
    from alembic import command

    head = current_revision(demo_db)
    config = alembic_config(demo_db)
    with demo_db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    upgrade(demo_db)
    assert current_revision(demo_db) == head
    with demo_db.read() as s:
        assert rows(frames.holdings(s)) == before
        assert_kept_holdings_right(s, last)


def test_the_largest_amounts_come_back_exact_to_the_thousandth(book):
    """Nineteen digits, more than a float holds: read kept and summed, on both databases."""
    from fundtrack.ledger.tallies import tallies

    huge = D("1234567890123456.789")
    with book.write() as s:
        post_many(s, [draft(0, START, huge), draft(3, START, "0.001")], actor="t")
        post_valuations(s, [value(0, START, "9223372036854775.807")], actor="t")
    with book.read() as s:
        for held in (frames.holdings(s), frames.holdings(s, START, kept=False)):
            assert held.invested.tolist() == [huge]
            assert held.proceeds.tolist() == [D("0.001")]
            assert [str(v) for v in held.value] == ["9223372036854775.807"]
        assert sorted(str(row[3]) for row in tallies(s)) == ["0.001", "1234567890123456.789"]
