"""Item 4: a full disk (simulated with ``RLIMIT_FSIZE`` in a worker process) loses nothing.

Writing the database past the limit rolls the import back with a clear error;
rendering a PDF past it leaves no truncated file, keeps the previous good PDF,
and records no report (so nothing can be queued or sent).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from fundtrack.ledger.db import Database
from fundtrack.ledger.journal import verify_chain
from fundtrack.ledger.models import ImportBatch, ReportRun
from fundtrack.services import imports
from fundtrack.services.demo import load_demo


@pytest.fixture
def sqlite_demo(sqlite_template, tmp_path):
    """(url, Database) of a SQLite file holding the small demo."""
    path = tmp_path / "fundtrack.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    database = Database(url)
    load_demo(database, progress=lambda _m: None)
    yield url, database
    database.dispose()


def _file_sizes(database: str) -> int:
    return max(os.path.getsize(p) for p in (database, database + "-wal") if os.path.exists(p))


def test_database_write_past_the_disk_limit_rolls_back(
    sqlite_demo, tmp_path, spawn, outcome, statement, transfers, monkeypatch
):
    db_url, demo_db = sqlite_demo
    database = make_url(db_url).database
    data = statement(8_000, "FULL", "7.77")
    path = tmp_path / "full.csv"
    path.write_bytes(data)
    before = transfers(demo_db)
    demo_db.dispose()  # the worker alone holds the file while it fails
    limit = _file_sizes(database) + 64 * 1024
    result = outcome(spawn("import", db_url, str(path), "-", str(limit)))

    assert result["ok"] is False
    assert result["error"] == "StorageFullError", result
    assert "full" in result["message"]
    assert transfers(demo_db) == before
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()

    # With space again the same file goes in whole; the failed batch posted nothing.
    monkeypatch.setattr(imports, "ABANDONED_AFTER", dt.timedelta(0))
    again = imports.commit_import(demo_db, "full.csv", data, "admin")
    assert again.new == 8_000
    with demo_db.read() as session:
        assert verify_chain(session) == []
        statuses = session.scalars(select(ImportBatch.status).order_by(ImportBatch.id)).all()
    assert statuses == ["failed", "committed"]


def test_pdf_past_the_disk_limit_leaves_no_partial_file_and_no_report(
    sqlite_demo, tmp_path, spawn, outcome
):
    db_url, demo_db = sqlite_demo
    out = tmp_path / "reports" / "2026Q3-zh.pdf"
    out.parent.mkdir()
    previous = b"%PDF-1.7\n% the last good build\n%%EOF\n"
    out.write_bytes(previous)
    result = outcome(spawn("report", db_url, "2026Q3", "zh", str(out), str(200 * 1024)))

    assert result["ok"] is False
    assert result["error"] == "RenderError", result
    assert "File too large" in result["message"] or "EFBIG" in result["message"]
    # The previous PDF is intact, nothing half-written lies next to it, nothing recorded.
    assert out.read_bytes() == previous
    assert sorted(p.name for p in Path(out.parent).iterdir()) == [out.name]
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReportRun)) == 0
