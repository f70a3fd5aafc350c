"""Item 8: ``fundtrack check`` compares the last report sent to the board with the ledger.

The report is built by ``build_report`` (only WeasyPrint is replaced by a quick
stand-in: the figures are computed before rendering). The ReportRun holds the
figures the PDF printed; the check rebuilds them for the
same quarter and language from the ledger as it is now and names every change:
an entry posted later into that quarter, or an edit made behind the app's back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from fundtrack import get_db
from fundtrack.ledger.journal import TransferDraft, post_transfer
from fundtrack.ledger.models import OutboxMessage
from fundtrack.reporting import render
from fundtrack.services.checks import check_last_sent_report, run_checks
from fundtrack.services.demo import load_demo
from fundtrack.services.reports import build_report

BOARD = "chair@board.example"


def _quick_pdf(html, out_path, **_kwargs):
    """Stands in for WeasyPrint (seconds per report): the figures are computed before it."""
    out_path = Path(out_path)
    out_path.write_bytes(b"%PDF-1.7\n" + hashlib.sha256(html.encode()).digest() + b"\n%%EOF\n")
    return render.PdfResult(path=out_path, pages=1, seconds=0.0)


@pytest.fixture
def sent_report(app, tmp_path, monkeypatch):
    """The demo's 2026Q3 report in Chinese, built, and marked sent to one board member."""
    from fundtrack.ledger.models import OutboxMessage as Message

    monkeypatch.setattr(render, "html_to_pdf", _quick_pdf)
    db = get_db(app)
    load_demo(db, progress=lambda _m: None)
    built = build_report(db, "2026Q3", "zh", tmp_path / "q3.pdf", "admin")
    with db.write() as session:
        session.add(
            Message(
                report_id=built.report_id,
                recipient=BOARD,
                subject="2026Q3",
                message_id="<q3@test>",
                status="sent",
                attempts=1,
                sent_at=dt.datetime(2026, 10, 15, tzinfo=dt.UTC),
            )
        )
    return db, built


def _check(db) -> list[str]:
    with db.read() as session:
        return check_last_sent_report(session)


def test_sent_report_matches_the_ledger_it_was_built_from(sent_report, runner):
    db, _built = sent_report
    assert _check(db) == []
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "ok   last sent report matches the ledger" in result.output


def test_an_entry_posted_later_into_the_sent_quarter_is_reported(sent_report, runner):
    db, built = sent_report
    with db.write() as session:
        post_transfer(
            session,
            TransferDraft(
                dt.date(2026, 9, 15),
                "contribution",
                "LP-FISCAL",
                "PARENT",
                Decimal(50_000_000),
                reference="LATE-CALL",
            ),
            actor="admin",
        )
    found = _check(db)
    assert found, "a later entry into the reported quarter went unnoticed"
    assert all(f.startswith(f"report #{built.report_id} (2026Q3 zh, sent): ") for f in found)
    assert any("kpis" in f and "paid_in" in f for f in found), found
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "FAIL last sent report matches the ledger" in result.output


def test_an_edit_behind_the_apps_back_is_reported(sent_report):
    db, _built = sent_report
    with db.engine.begin() as conn:
        # What someone with SQL access might do: quietly rename the fund.
        conn.exec_driver_sql("UPDATE entity SET name = '改过的名字' WHERE code = 'PARENT'")
    found = _check(db)
    assert any("meta.fund_name" in f and "改过的名字" in f for f in found), found


def test_a_changed_pdf_file_is_reported(sent_report):
    db, built = sent_report
    built.path.write_bytes(built.path.read_bytes() + b"\n% appended")
    assert any("checksum mismatch" in f for f in _check(db))


def test_only_sent_reports_are_compared(sent_report):
    db, _built = sent_report
    with db.write() as session:
        session.execute(update(OutboxMessage).values(status="pending", sent_at=None))
        post_transfer(
            session,
            TransferDraft(
                dt.date(2026, 9, 15),
                "contribution",
                "LP-FISCAL",
                "PARENT",
                Decimal(1_000),
                reference="LATE-SMALL",
            ),
            actor="admin",
        )
    assert _check(db) == []
    assert run_checks(db).ok
