"""The import use case on SQLite and PostgreSQL: all or nothing, idempotent, reversible."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.journal import TransferDraft, callable_remaining, post_transfer, verify_chain
from fundtrack.ledger.models import AuditEntry, ImportBatch, IndexLevel, Transfer, Valuation
from fundtrack.ledger.periods import close_quarter
from fundtrack.services.exports import export_journal
from fundtrack.services.imports import (
    ImportFailedError,
    commit_import,
    list_batches,
    preview_import,
    reverse_batch,
)

INVEST = ["2026-10-10", "investment", "SF-DIGITAL", "CO-SUANLI", "1,000,000.00", "CNY", "T-1", ""]
PROCEEDS = ["2026-10-11", "回款", "CO-SUANLI", "SF-DIGITAL", "25万", "", "", "dividend"]
FEE = ["2026/10/12", "管理费", "SF-DIGITAL", "MGR-DIGITAL", "12,500", "CNY", "FEE-Q4", ""]


def _count(db, model=Transfer, **where):
    with db.read() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_commit_then_overlapping_file_adds_only_what_is_new(demo_db, csv_of):
    before = _count(demo_db)
    first = csv_of([INVEST, PROCEEDS])
    result = commit_import(demo_db, "gp-q4.csv", first, "alice")
    assert (result.new, result.duplicates, result.kind) == (2, 0, "transactions")
    assert result.describe() == "2 new, 0 duplicates"
    again = commit_import(demo_db, "gp-q4.csv", first, "alice")
    assert (again.new, again.duplicates) == (0, 2)
    overlap = commit_import(demo_db, "gp-q4b.csv", csv_of([INVEST, PROCEEDS, FEE]), "bob")
    assert (overlap.new, overlap.duplicates) == (1, 2)
    assert _count(demo_db) == before + 3
    with demo_db.read() as session:
        batch = session.get(ImportBatch, result.batch_id)
        assert (batch.status, batch.filename, batch.created_by) == (
            "committed",
            "gp-q4.csv",
            "alice",
        )
        assert batch.sha256 == hashlib.sha256(first).hexdigest()
        assert (batch.rows_new, batch.rows_duplicate) == (2, 0)
        assert batch.finished_at is not None
        posted = session.scalars(select(Transfer).where(Transfer.batch_id == result.batch_id))
        by_kind = {t.kind: t for t in posted}
        assert by_kind["investment"].amount == Decimal("1000000")
        assert by_kind["proceeds"].amount == Decimal("250000")
        # No reference in the file: a derived one, documented as the idempotency key.
        assert by_kind["proceeds"].reference.startswith("auto-")
        assert by_kind["proceeds"].memo == "dividend"
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "import_batch")
        ).all()
        assert actions.count("import.commit") == 3
        assert verify_chain(session) == []


def test_every_bad_row_listed_and_nothing_written(demo_db, csv_of):
    before = _count(demo_db)
    rows = [
        INVEST,
        ["2026-10-31", "investment", "SF-DIGITAL", "CO-NOBODY", "5", "CNY", "T-2", ""],
        ["2026-10-10", "investment", "SF-DIGITAL", "CO-SUANLI", "-5", "CNY", "T-3", ""],
        ["2026-10-10", "investment", "SF-DIGITAL", "CO-SUANLI", "(5)", "CNY", "T-4", ""],
        ["10/10/2026", "investment", "SF-DIGITAL", "CO-SUANLI", "5", "CNY", "T-5", ""],
        ["2026-10-10", "gift", "SF-DIGITAL", "CO-SUANLI", "1.234,56", "CNY", "T-6", ""],
        ["2026-10-10", "distribution", "CO-SUANLI", "LP-FISCAL", "5", "CNY", "T-7", ""],
        PROCEEDS,
    ]
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "bad.csv", csv_of(rows), "alice")
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {
        (3, "to"),
        (4, "amount"),
        (5, "amount"),
        (6, "date"),
        (7, "type"),
        (7, "amount"),
        (8, "type"),
    }
    swap = next(p.message for p in caught.value.problems if p.row == 4)
    assert "swap" in swap
    assert _count(demo_db) == before
    with demo_db.read() as session:
        batch = session.get(ImportBatch, caught.value.batch_id)
        assert batch.status == "failed"
        assert "row 3, to" in batch.error
    assert list_batches(demo_db)[0]["status"] == "failed"


def test_commitment_limit_applies_to_imported_contributions(demo_db, csv_of):
    with demo_db.read() as session:
        from fundtrack.ledger.journal import entity_by_code

        lp, fund = entity_by_code(session, "LP-FISCAL"), entity_by_code(session, "PARENT")
        remaining = callable_remaining(session, lp.id, fund.id)
    over = ["2026-10-15", "出资", "LP-FISCAL", "PARENT", str(remaining + 1), "CNY", "C-1", ""]
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "calls.csv", csv_of([INVEST, over]), "alice")
    assert [(p.row, p.field) for p in caught.value.problems] == [(3, "amount")]
    assert _count(demo_db, reference="T-1") == 0
    exact = ["2026-10-15", "实缴", "LP-FISCAL", "PARENT", str(remaining), "CNY", "C-1", ""]
    assert commit_import(demo_db, "calls.csv", csv_of([exact]), "alice").new == 1


def test_identical_rows_without_reference_are_not_merged(demo_db, csv_of):
    twice = [PROCEEDS, list(PROCEEDS)]
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "twice.csv", csv_of(twice), "alice")
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (3, "reference")
    assert "line 2" in problem.message
    referenced = [[*PROCEEDS[:6], "R-1", ""], [*PROCEEDS[:6], "R-2", ""]]
    assert commit_import(demo_db, "twice.csv", csv_of(referenced), "alice").new == 2


def test_same_reference_with_other_content_refused(demo_db, csv_of):
    changed = [*INVEST[:4], "2,000,000", *INVEST[5:]]
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "clash.csv", csv_of([INVEST, changed]), "alice")
    assert [(p.row, p.field) for p in caught.value.problems] == [(3, "reference")]
    commit_import(demo_db, "first.csv", csv_of([INVEST]), "alice")
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "later.csv", csv_of([changed]), "alice")
    assert "other content" in caught.value.problems[0].message


def test_unreferenced_row_matches_an_entry_typed_without_reference(demo_db, csv_of):
    with demo_db.write() as session:
        draft = TransferDraft(
            dt.date(2026, 10, 11), "proceeds", "CO-SUANLI", "SF-DIGITAL", Decimal(250000)
        )
        post_transfer(session, draft, actor="alice")
    result = commit_import(demo_db, "p.csv", csv_of([PROCEEDS]), "alice")
    assert (result.new, result.duplicates) == (0, 1)


def test_preview_writes_nothing(demo_db, csv_of):
    before, batches = _count(demo_db), _count(demo_db, ImportBatch)
    preview = preview_import(demo_db, "gp.csv", csv_of([INVEST, PROCEEDS, FEE]), "alice")
    assert preview.ok
    assert (preview.kind, preview.rows_read, preview.new, preview.duplicates) == (
        "transactions",
        3,
        3,
        0,
    )
    assert [r["line"] for r in preview.rows] == [2, 3, 4]
    assert preview.rows[1]["type"] == "proceeds"
    assert preview.rows[1]["amount"] == Decimal("250000")
    assert (_count(demo_db), _count(demo_db, ImportBatch)) == (before, batches)
    bad = preview_import(demo_db, "gp.csv", csv_of([[*INVEST[:4], "NaN", *INVEST[5:]]]), "a")
    assert not bad.ok
    assert [(p.row, p.field) for p in bad.problems] == [(2, "amount")]


def test_progress_reported_per_stage(demo_db, csv_of):
    seen = []
    commit_import(
        demo_db,
        "gp.csv",
        csv_of([INVEST, PROCEEDS]),
        "alice",
        progress=lambda stage, n: seen.append((stage, n)),
    )
    assert seen == [("read", 2), ("validated", 2), ("written", 2)]


def test_reverse_a_batch(demo_db, csv_of):
    result = commit_import(demo_db, "gp.csv", csv_of([INVEST, PROCEEDS, FEE]), "alice")
    reversal = reverse_batch(demo_db, result.batch_id, "bob", dt.date(2026, 10, 20))
    assert reversal.reversed == 3
    with demo_db.read() as session:
        originals = session.scalars(
            select(Transfer).where(Transfer.batch_id == result.batch_id)
        ).all()
        for original in originals:
            undo = session.scalar(select(Transfer).where(Transfer.reverses_id == original.id))
            assert (undo.from_id, undo.to_id) == (original.to_id, original.from_id)
            assert (undo.amount, undo.kind) == (original.amount, original.kind)
            assert undo.date == dt.date(2026, 10, 20)
            assert undo.posted_by == "bob"
        assert session.get(ImportBatch, result.batch_id).status == "reversed"
        assert verify_chain(session) == []
    with pytest.raises(LedgerError, match="reversed"):
        reverse_batch(demo_db, result.batch_id, "bob", dt.date(2026, 10, 20))
    # Its rows still count as posted: a corrected statement needs new references.
    again = commit_import(demo_db, "gp.csv", csv_of([INVEST, PROCEEDS, FEE]), "alice")
    assert (again.new, again.duplicates) == (0, 3)


def test_reverse_refuses_what_is_not_a_journal_batch(demo_db, csv_of):
    rows = [["2026-10-31", "SF-DIGITAL", "", "123,456,789", "CNY", "GP report"]]
    header = ["date", "entity", "holder", "value", "currency", "source"]
    result = commit_import(demo_db, "nav.csv", csv_of(rows, header), "alice")
    with pytest.raises(LedgerError, match="corrected statement"):
        reverse_batch(demo_db, result.batch_id, "bob")
    with pytest.raises(LedgerError, match="no import batch"):
        reverse_batch(demo_db, 999_999, "bob")


def test_valuations_and_index_series(demo_db, csv_of, xlsx_of):
    header = ["估值日期", "估值对象", "持有人", "净值", "币种", "来源"]
    rows = [
        ["2026年10月31日", "SF-DIGITAL", "", "12.3亿", "CNY", "GP 报告"],
        ["2026-10-31", "CO-SUANLI", "SF-DIGITAL", "8,800万", "", "估值模型"],
    ]
    result = commit_import(demo_db, "nav.xlsx", xlsx_of(rows, header), "alice")
    assert (result.kind, result.new, result.duplicates) == ("valuations", 2, 0)
    assert commit_import(demo_db, "nav.xlsx", xlsx_of(rows, header), "alice").duplicates == 2
    with demo_db.read() as session:
        values = session.scalars(
            select(Valuation.value).where(Valuation.batch_id == result.batch_id)
        ).all()
        assert sorted(values) == [Decimal("88000000"), Decimal("1230000000")]
    index = [["2026-10-30", "CSI300-TEST", "3,950.12"], ["2026-10-31", "CSI300-TEST", "3960.5"]]
    level = commit_import(demo_db, "idx.csv", csv_of(index, ["日期", "指数", "收盘"]), "alice")
    assert (level.kind, level.new) == ("index", 2)
    assert _count(demo_db, IndexLevel, index_code="CSI300-TEST") == 2
    changed = [["2026-10-31", "CSI300-TEST", "3961"]]
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "idx.csv", csv_of(changed, ["date", "index", "level"]), "alice")
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "level")]


def test_export_then_import_is_all_duplicates(demo_db, csv_of, tmp_path):
    tricky = [*INVEST[:6], "=HYPERLINK(1)", "+memo @x"]
    result = commit_import(demo_db, "gp.csv", csv_of([tricky, PROCEEDS]), "alice")
    reverse_batch(demo_db, result.batch_id, "bob", dt.date(2026, 10, 20))
    out = tmp_path / "journal.csv"
    count = export_journal(demo_db, out)
    assert count == _count(demo_db)
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "'+memo @x" in text
    again = commit_import(demo_db, "journal.csv", out.read_bytes(), "alice")
    assert (again.new, again.duplicates) == (0, count)


def test_reimport_after_the_quarter_closed_is_still_duplicates(demo_db, csv_of):
    commit_import(demo_db, "gp.csv", csv_of([INVEST]), "alice")
    with demo_db.write() as session:
        close_quarter(session, "2026Q4", actor="admin")
    assert commit_import(demo_db, "gp.csv", csv_of([INVEST]), "alice").duplicates == 1
    with pytest.raises(ImportFailedError) as caught:
        commit_import(demo_db, "late.csv", csv_of([FEE]), "alice")
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "date")]
