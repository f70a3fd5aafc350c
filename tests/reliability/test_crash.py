"""Item 3: an import killed with SIGKILL half-way leaves nothing posted and can be redone.

The posting runs in one transaction that never commits, so the journal holds
none of its rows; the batch row (committed before) stays ``running`` until the
next import marks it failed as abandoned (``imports.fail_abandoned``).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from fundtrack.ledger import db as ledger_db
from fundtrack.ledger.errors import BusyError
from fundtrack.ledger.journal import verify_chain
from fundtrack.ledger.models import ImportBatch
from fundtrack.services import imports
from fundtrack.services.checks import run_checks

ROWS = 12_000


def _posting(db_url: str, batch_id: int) -> bool:
    """Is a transaction holding this batch's lock (i.e. posting its rows) right now?"""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text("SELECT id FROM import_batch WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": batch_id},
            )
            return False
    except sa.exc.OperationalError:
        return True
    finally:
        engine.dispose()


def _running_batch(db) -> int | None:
    with db.read() as session:
        return session.scalar(select(ImportBatch.id).where(ImportBatch.status == "running"))


def test_import_killed_mid_way_posts_nothing_and_can_be_redone(
    demo_db, db_url, tmp_path, spawn, outcome, statement, transfers, monkeypatch
):
    data = statement(ROWS, "KILL", "3.333")
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    before = transfers(demo_db)
    worker = spawn("import", db_url, str(path))
    deadline = time.monotonic() + 60
    batch_id = None
    while time.monotonic() < deadline and worker.poll() is None:
        batch_id = batch_id or _running_batch(demo_db)
        if batch_id and _posting(db_url, batch_id):
            break
        time.sleep(0.01)
    assert worker.poll() is None, "the import finished before it could be killed"
    time.sleep(0.3)  # well into writing its rows
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    # PostgreSQL ends a dead client's backend once its statement (a COPY and the journal's
    # triggers) returns: until then the batch row is still locked by a live transaction.
    deadline = time.monotonic() + 30
    while _posting(db_url, batch_id) and time.monotonic() < deadline:
        time.sleep(0.05)

    # Nothing of the batch reached the journal; the batch is left running.
    assert transfers(demo_db, batch_id=batch_id) == (0, 0)
    assert transfers(demo_db) == before
    with demo_db.read() as session:
        assert session.get(ImportBatch, batch_id).status == "running"

    # "Restart": the next import marks it failed (no wait for the grace period in a test)
    # and the same file goes in whole.
    monkeypatch.setattr(imports, "ABANDONED_AFTER", dt.timedelta(0))
    again = imports.commit_import(demo_db, "big.csv", data, "admin")
    assert (again.new, again.duplicates) == (ROWS, 0)
    with demo_db.read() as session:
        dead = session.get(ImportBatch, batch_id)
        assert dead.status == "failed"
        assert "abandoned" in dead.error
        assert verify_chain(session) == []
    assert transfers(demo_db, batch_id=batch_id) == (0, 0)
    assert transfers(demo_db, batch_id=again.batch_id)[0] == ROWS
    assert run_checks(demo_db).ok


def test_a_live_import_is_not_taken_for_abandoned(db, db_url, monkeypatch):
    """The sweep passes over a batch whose posting transaction still holds its row."""
    monkeypatch.setattr(imports, "ABANDONED_AFTER", dt.timedelta(0))
    with db.write() as session:
        live = ImportBatch(
            filename="live.csv",
            sha256="0" * 64,
            kind="transactions",
            status="running",
            created_by="t",
        )
        dead = ImportBatch(
            filename="dead.csv",
            sha256="1" * 64,
            kind="transactions",
            status="running",
            created_by="t",
        )
        session.add_all([live, dead])
        session.flush()
        live_id, dead_id = live.id, dead.id
    if db.dialect == "sqlite":
        # One writer at a time: while an import posts, a sweep cannot even start.
        monkeypatch.setattr(ledger_db, "WRITE_WAIT_MS", 200)
        with db.write() as posting:
            posting.get(ImportBatch, live_id)
            with pytest.raises(BusyError), db.write() as sweeper:
                imports.fail_abandoned(sweeper, "t")
        with db.read() as session:
            assert session.get(ImportBatch, live_id).status == "running"
        return
    with db.write() as posting:
        posting.get(ImportBatch, live_id, with_for_update=True)
        with db.write() as sweeper:
            assert imports.fail_abandoned(sweeper, "t") == [dead_id]
    with db.read() as session:
        assert session.get(ImportBatch, live_id).status == "running"
        assert session.get(ImportBatch, dead_id).status == "failed"
