"""Money is exact: what goes into either database comes back to the last digit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fundtrack.ledger.entities import add_commitment, add_entity
from fundtrack.ledger.journal import TransferDraft, post_transfer
from fundtrack.ledger.models import Transfer
from fundtrack.ledger.money import MoneyError, allocate, to_decimal

D = Decimal


@pytest.mark.parametrize(
    "amount",
    [
        D(10) ** 15,
        D("1234567890123456.789"),
        D("0.005"),
        D("9223372036854775.807"),
        D("0.001"),
    ],
)
def test_amounts_round_trip_exactly(db, amount):
    with db.write() as s:
        add_entity(s, code="SF", kind="subfund", name="SF", actor="t")
        add_entity(s, code="CO", kind="company", name="CO", actor="t")
        t = post_transfer(
            s, TransferDraft(dt.date(2025, 1, 2), "investment", "SF", "CO", amount), actor="t"
        )
        new_id = t.id
    with db.read() as s:
        stored = s.get(Transfer, new_id)
        assert stored.amount == amount
        assert stored.amount_cny == amount
        assert str(stored.amount.normalize()) == str(amount.normalize())


def test_commitments_sum_exactly_on_both_databases(db):
    with db.write() as s:
        add_entity(s, code="LP", kind="lp", name="LP", actor="t")
        add_entity(s, code="PF", kind="parent", name="PF", actor="t")
        for part in ("0.10", "0.20", "1000000000000000.05"):
            add_commitment(
                s, investor="LP", fund="PF", amount=D(part), date=dt.date(2025, 1, 1), actor="t"
            )
        total = D("1000000000000000.35")
        post_transfer(
            s, TransferDraft(dt.date(2025, 1, 2), "contribution", "LP", "PF", total), actor="t"
        )


@given(
    total=st.decimals(min_value=D("0.01"), max_value=D("1e15"), places=2),
    weights=st.lists(
        st.decimals(min_value=D(0), max_value=D("1e12"), places=2), min_size=1, max_size=12
    ).filter(lambda w: sum(w) > 0),
)
def test_pro_rata_parts_sum_to_the_whole_and_differ_by_at_most_a_fen(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / weight_sum
        assert abs(part - exact) < D("0.01")
        assert part >= 0


def test_allocation_of_a_published_example():
    # 100.00 split three ways: 33.34 + 33.33 + 33.33 (the first largest remainder wins the fen).
    assert allocate(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]


@pytest.mark.parametrize("bad", [1.1, "abc", "NaN", "inf", "1e30", "0.0001", True])
def test_to_decimal_refuses_what_it_cannot_keep_exactly(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_sql_sums_of_amounts_are_exact_on_both_databases(db):
    import sqlalchemy as sa

    parts = [D("0.1"), D("0.2"), D("1000000000000000.005"), D("0.001")]
    with db.write() as s:
        add_entity(s, code="SF", kind="subfund", name="SF", actor="t")
        add_entity(s, code="CO", kind="company", name="CO", actor="t")
        for i, part in enumerate(parts):
            post_transfer(
                s,
                TransferDraft(
                    dt.date(2025, 1, 2), "investment", "SF", "CO", part, reference=str(i)
                ),
                actor="t",
            )
    with db.read() as s:
        total = s.scalar(sa.select(sa.func.sum(Transfer.amount)))
    assert total == sum(parts)
    assert total == D("1000000000000000.306")


@given(fen=st.integers(-(10**18) + 1, 10**18 - 1), places=st.integers(0, 3))
@example(fen=1234567890123456789, places=3)  # 19 digits: more than a float holds
def test_the_amount_reader_reads_as_the_money_type_does(fen, places):
    """``amount_reader``'s shortcut gives what ``Money`` makes of what each driver returns,
    exponent and sign of zero included: integer thousandths from SQLite, NUMERICs of up
    to three places (a column's, or a sum's) from PostgreSQL."""
    from sqlalchemy.dialects import postgresql, sqlite

    from fundtrack.ledger.money import Money, amount_reader

    for dialect, raw in (
        (sqlite.dialect(), fen),
        (postgresql.psycopg.dialect(), D(fen).scaleb(-places)),
    ):
        want, got = Money().process_result_value(raw, dialect), amount_reader(dialect)(raw)
        assert (str(got), got.as_tuple()) == (str(want), want.as_tuple())
        assert amount_reader(dialect)(None) is None
