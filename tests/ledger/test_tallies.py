"""The database keeps ``flow_tally`` right on every way into the journal, on SQLite and PostgreSQL.

The holdings it keeps from those totals have their own tests (``test_holding_tally``);
the property test here checks them too, on every history it draws.

Every test compares ``tallies`` (the kept totals less the entries dated after the
as-of date) with a plain GROUP BY over the journal's live entries, phrased as the
analytics phrase "live" (``frames.common.live_entries``): not a reversal, not reversed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundtrack.ledger import frames, journal
from fundtrack.ledger.journal import TransferDraft, post_many, post_transfer, reverse_many
from fundtrack.ledger.models import Entity, FlowTally, Transfer
from fundtrack.ledger.rules import reversed_ids
from fundtrack.ledger.schema import alembic_config, current_revision, upgrade
from fundtrack.ledger.tallies import PLANS, plan_for, rebuild_tallies, tallies, tally_select
from fundtrack.ledger.valuations import ValuationDraft, post_valuations
from fundtrack.services.checks import check_flow_tallies, check_holding_tallies, run_checks
from fundtrack.services.imports import commit_import, reverse_batch

D = Decimal
START = dt.date(2025, 1, 1)
#: (kind, from, to): the keys the tests post on; every route the rules allow without a commitment.
ROUTES = (
    ("investment", "SF1", "CO1"),
    ("investment", "SF2", "CO1"),
    ("investment", "SF1", "CO2"),
    ("proceeds", "CO1", "SF1"),
    ("fee", "SF1", "MGR"),
    ("expense", "SF2", "MGR"),
)


#: (sub-fund, company) pairs the tests value: three held, one never (SF2 in CO2).
VALUED = (("SF1", "CO1"), ("SF2", "CO1"), ("SF1", "CO2"), ("SF2", "CO2"))


class _RollbackError(Exception):
    """Undoes an example's transaction once it is checked."""


def draft(route: int, day: dt.date, amount: str | Decimal, reference: str | None = None):
    kind, source, destination = ROUTES[route]
    return TransferDraft(day, kind, source, destination, D(amount), reference=reference)


def plain(session, as_of: dt.date | None = None) -> list[tuple]:
    """The live entries dated on or before ``as_of`` summed by a GROUP BY over the journal."""
    query = sa.select(
        Transfer.from_id, Transfer.to_id, Transfer.kind, sa.func.sum(Transfer.amount_cny)
    ).where(Transfer.reverses_id.is_(None), Transfer.id.not_in(reversed_ids()))
    if as_of is not None:
        query = query.where(Transfer.date <= as_of)
    query = query.group_by(Transfer.from_id, Transfer.to_id, Transfer.kind)
    return sorted(tuple(row) for row in session.execute(query))


def kept(session) -> dict[tuple, tuple]:
    """The table as stored: (from, to, kind) → (amount, flows), zero rows included."""
    return {
        (r.from_id, r.to_id, r.kind): (r.amount_cny, r.flows)
        for r in session.execute(sa.select(*FlowTally.__table__.columns))
    }


def ids_of(session) -> dict[str, int]:
    return dict(session.execute(sa.select(Entity.code, Entity.id)).all())


def exact_rows(frame) -> list[tuple]:
    """A frame's rows with each value's type and exponent: equal means the same to the digit."""
    return [tuple(repr(v) for v in row) for row in frame.itertuples(index=False)]


def assert_consistent(session, *dates: dt.date | None) -> None:
    assert check_flow_tallies(session) == []
    # The holdings kept from the totals follow them on every way in (test_holding_tally).
    assert check_holding_tallies(session) == []
    for as_of in (None, *dates):
        assert tallies(session, as_of) == plain(session, as_of), as_of


def test_single_posts_add_up_exactly_per_key(book):
    with book.write() as s:
        post_transfer(s, draft(0, START, "1234567.891"), actor="t")
        post_transfer(s, draft(0, START + dt.timedelta(days=1), "0.009"), actor="t")
        post_transfer(s, draft(3, START + dt.timedelta(days=2), "9999999999.999"), actor="t")
    with book.read() as s:
        codes = ids_of(s)
        assert tallies(s) == sorted(
            [
                (codes["CO1"], codes["SF1"], "proceeds", D("9999999999.999")),
                (codes["SF1"], codes["CO1"], "investment", D("1234567.900")),
            ]
        )
        assert kept(s)[(codes["SF1"], codes["CO1"], "investment")] == (D("1234567.900"), 2)
        # Exact Decimals with the ledger's three places, as Money reads them.
        assert sorted(str(row[3]) for row in tallies(s)) == ["1234567.900", "9999999999.999"]
        assert_consistent(s, START - dt.timedelta(days=1), START, START + dt.timedelta(days=1))


def test_a_reversal_takes_the_original_out_whatever_its_date(book):
    with book.write() as s:
        first = post_transfer(s, draft(0, START, "100"), actor="t")
        post_transfer(s, draft(0, START + dt.timedelta(days=5), "7"), actor="t")
        lone = post_transfer(s, draft(4, START, "3"), actor="t")
    with book.write() as s:
        # Dated after everything: the original still leaves every as-of total.
        reverse_many(s, [first.id, lone.id], actor="t", date=START + dt.timedelta(days=30))
    with book.read() as s:
        codes = ids_of(s)
        assert tallies(s) == [(codes["SF1"], codes["CO1"], "investment", D(7))]
        # The fee's key keeps a row of zeros; tallies leaves it out.
        assert kept(s)[(codes["SF1"], codes["MGR"], "fee")] == (D(0), 0)
        assert tallies(s, START) == []
        assert_consistent(s, START, START + dt.timedelta(days=5), START + dt.timedelta(days=30))


def test_an_entry_reversed_in_the_transaction_that_posted_it_nets_to_nothing(book):
    with book.write() as s:
        outcome = post_many(
            s, [draft(0, START, "5"), draft(1, START, "6"), draft(2, START, "7")], actor="t"
        )
        reverse_many(s, list(outcome.ids[:2]), actor="t", date=START)
        codes = ids_of(s)
        assert tallies(s) == [(codes["SF1"], codes["CO2"], "investment", D(7))]
        assert_consistent(s, START)


def _raw_row(codes, row_id: int, route: int, amount: str, reverses: int | None = None) -> dict:
    """A journal row written straight to the table (not through the application)."""
    kind, source, destination = ROUTES[route]
    if reverses is not None:
        source, destination = destination, source
    return {
        "id": row_id,
        "date": START,
        "kind": kind,
        "from_id": codes[source],
        "to_id": codes[destination],
        "amount": D(amount),
        "currency": "CNY",
        "amount_cny": D(amount),
        "recallable": False,
        "reverses_id": reverses,
        "posted_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        "posted_by": "sql",
        "prev_hash": "0" * 64,
        "hash": uuid.uuid4().hex * 2,
    }


def _next_ids(session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return [
            session.scalar(sa.text("SELECT nextval(pg_get_serial_sequence('transfer', 'id'))"))
            for _ in range(count)
        ]
    floor = session.scalar(sa.select(sa.func.max(Transfer.id))) or 0
    return list(range(floor + 1, floor + 1 + count))


@pytest.mark.parametrize("reversal_first", [False, True])
def test_an_entry_and_its_reversal_in_one_statement_net_to_nothing(book, reversal_first):
    with book.write() as s:
        earlier = post_transfer(s, draft(0, START, "40"), actor="t")
    with book.write() as s:
        codes = ids_of(s)
        entry, reversal, other, late_reversal = _next_ids(s, 4)
        rows = [
            _raw_row(codes, entry, 1, "11"),
            _raw_row(codes, reversal, 1, "11", reverses=entry),
            _raw_row(codes, other, 1, "5"),
            # A reversal of an entry of an earlier statement, in the same statement.
            _raw_row(codes, late_reversal, 0, "40", reverses=earlier.id),
        ]
        if reversal_first:
            rows.reverse()
        # One INSERT of several rows: one statement, whichever way the triggers see it.
        s.execute(sa.insert(Transfer.__table__).values(rows))
    with book.read() as s:
        assert tallies(s) == [(codes["SF2"], codes["CO1"], "investment", D(5))]
        assert kept(s)[(codes["SF1"], codes["CO1"], "investment")] == (D(0), 0)
        assert_consistent(s, START)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # COPY is PostgreSQL's
def test_postgresql_copy_fires_the_trigger_for_a_whole_batch(book):
    with book.write() as s:
        post_transfer(s, draft(2, START, "1"), actor="t")
    with book.write() as s:
        codes = ids_of(s)
        entry, reversal, other = _next_ids(s, 3)
        rows = [
            _raw_row(codes, entry, 2, "8.5"),
            _raw_row(codes, reversal, 2, "8.5", reverses=entry),
            _raw_row(codes, other, 5, "0.125"),
        ]
        names = list(rows[0])
        journal._copy(
            s.connection(),
            f"COPY transfer ({', '.join(names)}) FROM STDIN",
            [tuple(row[n] for n in names) for row in rows],
        )
        assert tallies(s) == [
            (codes["SF1"], codes["CO2"], "investment", D(1)),
            (codes["SF2"], codes["MGR"], "expense", D("0.125")),
        ]
        assert_consistent(s)


def test_the_bulk_fast_path_and_its_reversal(book, monkeypatch):
    copies = []
    if book.dialect == "postgresql":
        # Prove the rows went in by COPY, and so that COPY fired the trigger.
        real_copy = journal._copy
        monkeypatch.setattr(journal, "_copy", lambda *a: copies.append(a[1]) or real_copy(*a))
    drafts = [
        draft(i % len(ROUTES), START + dt.timedelta(days=i % 90), f"{i + 1}.{i % 1000:03d}")
        for i in range(600)
    ]
    with book.write() as s:
        outcome = post_many(s, drafts, actor="t")
    assert outcome.new == 600
    with book.write() as s:
        reverse_many(s, list(outcome.ids[::7]), actor="t", date=START + dt.timedelta(days=40))
    if book.dialect == "postgresql":
        assert len(copies) == 2
    with book.read() as s:
        assert len(tallies(s)) == len(ROUTES)
        assert_consistent(
            s,
            START - dt.timedelta(days=1),
            START,
            START + dt.timedelta(days=17),
            START + dt.timedelta(days=45),
            START + dt.timedelta(days=89),
            START + dt.timedelta(days=400),
        )


def test_an_import_and_its_reversal_keep_the_tallies(book):
    lines = ["date,type,from,to,amount,currency,reference,memo"]
    for i in range(300):
        kind, source, destination = ROUTES[i % len(ROUTES)]
        day = START + dt.timedelta(days=i % 45)
        lines.append(f"{day},{kind},{source},{destination},{i + 1}.5,CNY,IMP-{i},")
    data = ("\n".join(lines) + "\n").encode()
    first = commit_import(book, "tally.csv", data, "alice")
    assert first.new == 300
    with book.read() as s:
        assert len(tallies(s)) == len(ROUTES)
        assert_consistent(s, START + dt.timedelta(days=20))
    reverse_batch(book, first.batch_id, "alice", START + dt.timedelta(days=60))
    with book.read() as s:
        assert tallies(s) == []
        assert_consistent(s, START + dt.timedelta(days=20))
    assert run_checks(book).findings["flow tallies"] == []


def test_the_demo_loader(demo_db):
    with demo_db.read() as s:
        first, last = s.execute(
            sa.select(sa.func.min(Transfer.date), sa.func.max(Transfer.date))
        ).one()
        assert len(tallies(s)) > 20
        assert tallies(s, first - dt.timedelta(days=1)) == []
        assert tallies(s, last) == tallies(s) == tallies(s, last + dt.timedelta(days=365))
        quarter_ends = [
            dt.date(year, month, day)
            for year in range(first.year, last.year + 1)
            for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))
        ]
        assert_consistent(s, first, last, *quarter_ends)


def test_the_migration_fills_the_table_from_the_journal(demo_db):
    with demo_db.write() as s:
        # A reversal in the demo, so that the backfill must leave a pair out.
        first, last = s.execute(
            sa.select(sa.func.min(Transfer.id), sa.func.max(Transfer.date))
        ).one()
        reverse_many(s, [first], actor="t", date=last)
    with demo_db.read() as s:
        before = plain(s)
    from alembic import command

    head = current_revision(demo_db)
    config = alembic_config(demo_db)
    with demo_db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    upgrade(demo_db)
    assert current_revision(demo_db) == head
    with demo_db.read() as s:
        assert tallies(s) == before
        assert_consistent(s)


def test_the_check_finds_a_tally_changed_behind_the_applications_back(book):
    with book.write() as s:
        post_many(
            s, [draft(0, START, "10"), draft(3, START, "20"), draft(4, START, "30")], actor="t"
        )
    with book.read() as s:
        codes = ids_of(s)
        before = tallies(s)
    assert run_checks(book).findings["flow tallies"] == []
    # SQLite holds thousandths of a yuan as integers, PostgreSQL a NUMERIC.
    one = "1000" if book.dialect == "sqlite" else "1"
    with book.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE flow_tally SET amount_cny = amount_cny + {one} "
            f"WHERE from_id = {codes['SF1']} AND to_id = {codes['CO1']}"
        )
        conn.exec_driver_sql(f"DELETE FROM flow_tally WHERE to_id = {codes['MGR']}")
        conn.exec_driver_sql(
            "INSERT INTO flow_tally (from_id, to_id, kind, amount_cny, flows) "
            f"VALUES ({codes['SF2']}, {codes['CO2']}, 'investment', 0, 1)"
        )
    findings = run_checks(book).findings["flow tallies"]
    assert sorted(findings) == [
        "SF1 → CO1 investment: the tally holds 11.000 in 1 entry, the journal 10.000 in 1 entry",
        "SF1 → MGR fee: the tally holds 0.000 in 0 entries, the journal 30.000 in 1 entry",
        "SF2 → CO2 investment: the tally holds 0.000 in 1 entry, the journal 0.000 in 0 entries",
    ]
    with book.write() as s:
        assert rebuild_tallies(s) == 3
    assert run_checks(book).findings["flow tallies"] == []
    assert run_checks(book).findings["holdings kept"] == []
    with book.read() as s:
        assert tallies(s) == before


@st.composite
def histories(draw):
    """Batches of posts, of reversals (picks among the live entries) and of fair values,
    and an as-of date."""
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(
                    st.just("post"),
                    st.lists(
                        st.tuples(
                            st.integers(0, len(ROUTES) - 1),
                            st.integers(0, 60),
                            st.integers(1, 10**12),
                        ),
                        min_size=1,
                        max_size=5,
                    ),
                ),
                st.tuples(
                    st.just("reverse"),
                    st.tuples(
                        st.lists(st.integers(0, 50), min_size=1, max_size=3), st.integers(0, 60)
                    ),
                ),
                # Fair values of held companies and of one not held (SF2 in CO2).
                st.tuples(
                    st.just("value"),
                    st.lists(
                        st.tuples(
                            st.sampled_from(VALUED),
                            # A few days, so that restatements of a day are common.
                            st.sampled_from((0, 10, 30, 60)),
                            st.integers(0, 10**12),
                        ),
                        min_size=1,
                        max_size=4,
                    ),
                ),
            ),
            min_size=1,
            max_size=7,
        )
    )
    as_of = draw(st.one_of(st.none(), st.integers(-3, 63)))
    return steps, as_of


def gross_pairs(session, totals: list[tuple]) -> dict[tuple[str, str], tuple]:
    """(sub-fund, company) → (invested, proceeds), from the totals per key."""
    code = {i: c for c, i in ids_of(session).items()}
    pairs: dict[tuple[str, str], list] = {}
    for src, dst, kind, amount in totals:
        if code[dst].startswith("CO"):  # a sub-fund pays a company
            pair, fund_view = (code[src], code[dst]), -amount
        elif code[src].startswith("CO"):  # a company pays a sub-fund
            pair, fund_view = (code[dst], code[src]), amount
        else:
            continue
        sums = pairs.setdefault(pair, [D(0), D(0)])
        if kind == "investment":
            sums[0] -= fund_view
        elif kind == "proceeds":
            sums[1] += fund_view
    return {pair: tuple(sums) for pair, sums in pairs.items()}


def holding_sums(session, as_of) -> dict[tuple[str, str], tuple]:
    """``frames.holdings``' (sub-fund, company) → (invested, proceeds)."""
    held = frames.holdings(session, as_of)
    return {
        (fund, company): (invested, proceeds)
        for fund, company, invested, proceeds in zip(
            held.fund, held.company, held.invested, held.proceeds, strict=True
        )
    }


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_property_tallies_as_of_equal_a_group_by_of_the_live_entries(book, history):
    steps, offset = history
    as_of = None if offset is None else START + dt.timedelta(days=offset)
    with contextlib.suppress(_RollbackError), book.write() as s:
        live: list[int] = []
        for action, detail in steps:
            if action == "post":
                drafts = [
                    draft(r, START + dt.timedelta(days=d), D(n).scaleb(-3)) for r, d, n in detail
                ]
                live.extend(post_many(s, drafts, actor="t").ids)
            elif action == "value":
                values = [
                    ValuationDraft(
                        START + dt.timedelta(days=d), company, D(n).scaleb(-3), holder_code=fund
                    )
                    for (fund, company), d, n in detail
                ]
                post_valuations(s, values, actor="t")
            elif live:
                picks, day = detail
                chosen = list(dict.fromkeys(live[p % len(live)] for p in picks))
                reverse_many(s, chosen, actor="t", date=START + dt.timedelta(days=day))
                live = [i for i in live if i not in chosen]
        expected = plain(s, as_of)
        assert tallies(s, as_of) == expected
        # Either way round the later entries, the same totals as the plan ``plan_for`` picks
        # (the table alone holds them only while nothing is dated after the as-of date).
        kept_holds = plan_for(s.connection(), as_of) == "kept"
        for plan in (p for p in PLANS if p != "kept" or kept_holds):
            rows = s.execute(tally_select(plan), {"as_of": as_of or dt.date.max}).all()
            assert sorted(tuple(row) for row in rows) == expected, plan
        assert holding_sums(s, as_of) == gross_pairs(s, expected)
        # The holdings the database keeps (read when they hold for the date) are those
        # summed from the totals and sought pair by pair, to the digit.
        for day in (as_of, None):
            assert exact_rows(frames.holdings(s, day)) == exact_rows(
                frames.holdings(s, day, kept=False)
            )
        assert check_flow_tallies(s) == []
        assert check_holding_tallies(s) == []
        # Each example starts from an empty journal.
        raise _RollbackError


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # its trigger is PostgreSQL's
def test_postgresql_plans_each_batch_for_its_size(book):
    """A bulk post after a one-row post in the same session stays linear.

    PL/pgSQL keeps the plan of a parameterless static query for the session; planned
    for a one-row new_rows (nested loops over it), it made a 30,000-row COPY take a
    minute. The trigger runs its queries through EXECUTE so each is planned afresh.
    """
    size = 20_000
    drafts = [draft(i % 3, START + dt.timedelta(days=i % 200), f"{i + 1}.5") for i in range(size)]
    with book.write() as s:
        # One backend for all of it: small statements first, then the bulk ones.
        (single,) = post_many(s, [draft(4, START, "1")], actor="t").ids
        reverse_many(s, [single], actor="t", date=START)
        started = time.perf_counter()
        outcome = post_many(s, drafts, actor="t")
        reverse_many(s, list(outcome.ids[: size // 2]), actor="t", date=START)
        took = time.perf_counter() - started
        assert_consistent(s, START + dt.timedelta(days=100))
    # ~2 s here; with the plans of the one-row statements kept, ~40 s.
    assert took < 15, took
