"""Each integrity rule of the ledger, attacked on SQLite and PostgreSQL.

Every refused attempt must name what was wrong and leave the journal exactly as
it was (same rows, same chain tip).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundtrack.ledger.entities import add_commitment, add_entity
from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.journal import (
    TransferDraft,
    callable_remaining,
    post_many,
    post_transfer,
    reverse_transfer,
    verify_chain,
)
from fundtrack.ledger.models import FxRate, JournalHead, Transfer
from fundtrack.ledger.periods import close_quarter
from fundtrack.ledger.recognitions import recognise
from fundtrack.ledger.terms import set_terms
from fundtrack.ledger.valuations import ValuationDraft, post_valuation

D = Decimal
DAY = dt.date(2025, 3, 31)


@pytest.fixture
def book(db):
    """A tiny ledger: one LP committed 1,000 to a parent, which committed 600 to a sub-fund."""
    with db.write() as s:
        add_entity(s, code="LP", kind="lp", name="LP", actor="t")
        add_entity(
            s, code="PF", kind="parent", name="Parent", inception=dt.date(2025, 1, 1), actor="t"
        )
        add_entity(
            s, code="SF", kind="subfund", name="Sub", inception=dt.date(2025, 2, 1), actor="t"
        )
        add_entity(s, code="USDSF", kind="subfund", name="USD sub", currency="USD", actor="t")
        add_entity(s, code="CO", kind="company", name="Co", actor="t")
        add_commitment(
            s, investor="LP", fund="PF", amount=D(1000), date=dt.date(2025, 1, 1), actor="t"
        )
        add_commitment(
            s, investor="PF", fund="SF", amount=D(600), date=dt.date(2025, 2, 1), actor="t"
        )
        add_commitment(
            s, investor="PF", fund="USDSF", amount=D(100), date=dt.date(2025, 2, 1), actor="t"
        )
        post_transfer(
            s, TransferDraft(DAY, "contribution", "LP", "PF", D(400), reference="C1"), actor="t"
        )
    return db


def journal_state(db):
    with db.read() as s:
        rows = s.execute(sa.select(Transfer.id, Transfer.hash).order_by(Transfer.id)).all()
        head = s.get(JournalHead, 1)
        return [tuple(r) for r in rows], head.last_hash


def refused(db, action, field: str, words: str):
    before = journal_state(db)
    with pytest.raises(LedgerError) as info, db.write() as s:
        action(s)
    assert any(p.field == field and words in p.message for p in info.value.problems), info.value
    assert journal_state(db) == before
    return info.value


def test_a_posted_transfer_cannot_be_updated_or_deleted_through_sql(book):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), book.write() as s:
        s.execute(sa.update(Transfer).values(amount=D(1)))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), book.write() as s:
        s.execute(sa.delete(Transfer))
    assert len(journal_state(book)[0]) == 1


def test_a_correction_is_a_linked_reversal_and_only_once(book):
    with book.write() as s:
        original = s.scalar(sa.select(Transfer))
        reversal = reverse_transfer(s, original.id, actor="t", date=DAY)
        assert reversal.reverses_id == original.id
        assert (reversal.from_id, reversal.to_id) == (original.to_id, original.from_id)
        assert reversal.amount == original.amount
        # The reversed call no longer uses up the commitment.
        assert callable_remaining(s, original.from_id, original.to_id) == D(1000)
    refused(
        book, lambda s: reverse_transfer(s, 1, actor="t", date=DAY), "transfer", "already reversed"
    )
    refused(
        book, lambda s: reverse_transfer(s, 2, actor="t", date=DAY), "transfer", "itself a reversal"
    )
    with book.read() as s:
        assert verify_chain(s) == []


def test_nothing_is_posted_into_a_closed_quarter(book):
    with book.write() as s:
        close_quarter(s, "2025Q1", actor="admin")
    draft = TransferDraft(dt.date(2025, 2, 15), "contribution", "LP", "PF", D(10), reference="late")
    refused(book, lambda s: post_transfer(s, draft, actor="t"), "date", "2025Q1, which is closed")
    refused(book, lambda s: reverse_transfer(s, 1, actor="t", date=DAY), "date", "closed")
    # The next quarter is open.
    with book.write() as s:
        post_transfer(
            s, TransferDraft(dt.date(2025, 4, 1), "contribution", "LP", "PF", D(10)), actor="t"
        )


def test_a_call_beyond_the_remaining_commitment_is_rejected(book):
    draft = TransferDraft(DAY, "contribution", "LP", "PF", D("600.01"), reference="C2")
    error = refused(
        book, lambda s: post_transfer(s, draft, actor="t"), "amount", "exceeds the remaining"
    )
    assert "600.00" in str(error)
    # Two calls in one batch that each fit but together do not are refused as a batch.
    pair = [
        TransferDraft(DAY, "contribution", "LP", "PF", D(400), reference="C3"),
        TransferDraft(DAY, "contribution", "LP", "PF", D(300), reference="C4"),
    ]
    error = refused(
        book, lambda s: post_many(s, pair, actor="t"), "amount", "exceeds the remaining"
    )
    assert error.problems[0].row == 2
    # Exactly the remainder is fine.
    with book.write() as s:
        post_transfer(s, TransferDraft(DAY, "contribution", "LP", "PF", D(600)), actor="t")


def test_no_commitment_no_call(book):
    draft = TransferDraft(DAY, "contribution", "LP", "SF", D(1))
    refused(book, lambda s: post_transfer(s, draft, actor="t"), "amount", "no commitment")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (D(0), "not a positive amount"),
        (D(-5), "not a positive amount"),
        (D("NaN"), "not a finite number"),
        (D("Infinity"), "not a finite number"),
        (1.5, "not float"),
        (D("0.0001"), "more than 3 decimal places"),
        (D("1e16"), "larger than the ledger holds"),
    ],
)
def test_amounts_must_be_positive_finite_and_exact(book, amount, words):
    draft = TransferDraft(DAY, "investment", "PF", "CO", amount)
    refused(book, lambda s: post_transfer(s, draft, actor="t"), "amount", words)


def test_currency_must_match_an_account_or_come_with_a_dated_rate(book):
    wrong = TransferDraft(DAY, "contribution", "LP", "PF", D(10), currency="EUR")
    refused(
        book, lambda s: post_transfer(s, wrong, actor="t"), "currency", "matches neither account"
    )
    no_rate = TransferDraft(DAY, "contribution", "PF", "USDSF", D(10), currency="USD")
    refused(book, lambda s: post_transfer(s, no_rate, actor="t"), "currency", "no USD/CNY rate")
    undated = TransferDraft(
        DAY, "contribution", "PF", "USDSF", D(10), currency="USD", fx_rate=D("7.1")
    )
    refused(book, lambda s: post_transfer(s, undated, actor="t"), "fx_date", "needs the date")
    with book.write() as s:
        s.add(FxRate(currency="USD", date=DAY, rate=D("7.1234")))
    with book.write() as s:
        t = post_transfer(s, no_rate, actor="t")
        assert (t.amount, t.amount_cny, t.fx_rate) == (D(10), D("71.234"), D("7.1234"))


def test_a_nav_dated_before_inception_is_rejected(book):
    early = ValuationDraft(dt.date(2025, 1, 31), "SF", D(100))
    refused(book, lambda s: post_valuation(s, early, actor="t"), "date", "before SF's inception")
    company_early = ValuationDraft(dt.date(2025, 1, 31), "CO", D(100), holder_code="SF")
    refused(book, lambda s: post_valuation(s, company_early, actor="t"), "date", "inception")
    with book.write() as s:
        _, new = post_valuation(s, ValuationDraft(dt.date(2025, 3, 31), "SF", D(100)), actor="t")
        assert new


def test_the_same_reinvestment_base_is_never_recognised_twice(book):
    with book.write() as s:
        set_terms(
            s,
            fund="SF",
            effective_from=dt.date(2025, 2, 1),
            actor="t",
            fund_size=D(2000),
            parent_stake=D("0.3"),
            reinvest_multiple=D("1.5"),
            recognition_multipliers={"relocation": "2.0"},
            fee_rate=D("0.02"),
            hurdle=D("0.08"),
            carry=D("0.2"),
            investment_period_years=5,
            term_years=7,
        )
        row = recognise(
            s,
            fund="SF",
            company="CO",
            category="relocation",
            base_amount=D(50),
            approval_date=DAY,
            actor="t",
        )
        assert row.recognised_amount == D(100)
    refused(
        book,
        lambda s: recognise(
            s,
            fund="SF",
            company="CO",
            category="relocation",
            base_amount=D(50),
            approval_date=DAY,
            actor="t",
        ),
        "company",
        "never counted twice",
    )
    refused(
        book,
        lambda s: recognise(
            s,
            fund="SF",
            company="CO",
            category="unknown",
            base_amount=D(5),
            approval_date=DAY,
            actor="t",
        ),
        "category",
        "no multiplier",
    )


def test_a_transfer_needs_a_route_that_exists(book):
    sideways = TransferDraft(DAY, "investment", "LP", "CO", D(1))
    refused(book, lambda s: post_transfer(s, sideways, actor="t"), "type", "cannot go from a lp")
    ghost = TransferDraft(DAY, "investment", "PF", "NOBODY", D(1))
    refused(book, lambda s: post_transfer(s, ghost, actor="t"), "to", "no entity")


def test_a_repeated_reference_is_a_duplicate_in_a_batch_and_an_error_alone(book):
    again = TransferDraft(DAY, "contribution", "LP", "PF", D(400), reference="C1")
    with book.write() as s:
        outcome = post_many(s, [again], actor="t")
    assert (outcome.new, outcome.duplicates) == (0, 1)
    refused(book, lambda s: post_transfer(s, again, actor="t"), "reference", "already posted")
    changed = TransferDraft(DAY, "contribution", "LP", "PF", D(401), reference="C1")
    refused(book, lambda s: post_many(s, [changed], actor="t"), "reference", "other content")


def test_tampering_behind_the_application_is_detected(book):
    with book.write() as s:
        post_transfer(s, TransferDraft(DAY, "contribution", "LP", "PF", D(100)), actor="t")
        post_transfer(s, TransferDraft(DAY, "contribution", "LP", "PF", D(50)), actor="t")
    with book.engine.begin() as conn:
        # Only the append-only guard, and only for this statement: the PostgreSQL database
        # outlives the test, and its other triggers keep the running totals.
        if book.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE transfer DISABLE TRIGGER transfer_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER transfer_no_update")
        conn.exec_driver_sql("UPDATE transfer SET amount_cny = '1.0000' WHERE id = 2")
        if book.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE transfer ENABLE TRIGGER transfer_no_update")
    with book.read() as s:
        problems = verify_chain(s)
    assert problems == ["transfer #2: its content no longer matches its hash"]
