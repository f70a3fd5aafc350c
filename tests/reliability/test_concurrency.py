"""Item 1–2: concurrent writers on SQLite and PostgreSQL are serialised or refused cleanly.

Two imports at once land both, whole; a writer that waits too long gets a clear
"busy, try again" (a 422 or 503 page in the web UI, never a 500) and writes
nothing; two capital calls that together exceed a commitment never both pass.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from fundtrack.ledger import db as ledger_db
from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.journal import TransferDraft, post_transfer, verify_chain
from fundtrack.ledger.models import ImportBatch
from fundtrack.services.accounts import create_user

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


def test_two_imports_in_two_processes_both_land_whole(
    demo_db, db_url, tmp_path, spawn, outcome, statement, transfers
):
    before_count, before_sum = transfers(demo_db)
    files = {
        "a": (statement(1500, "RACE-A", "1000000000000.01"), Decimal("1000000000000.01")),
        "b": (statement(1200, "RACE-B", "0.005"), Decimal("0.005")),
    }
    go = tmp_path / "go"
    workers = []
    for name, (data, _amount) in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        workers.append(spawn("import", db_url, str(path), str(go)))
    go.touch()
    results = [outcome(w) for w in workers]

    # Both serialised (the second waits for the first's lock) and whole.
    assert [r["ok"] for r in results] == [True, True], results
    assert [r["new"] for r in results] == [1500, 1200]
    count, total = transfers(demo_db)
    assert count == before_count + 2700
    assert total == before_sum + 1500 * files["a"][1] + 1200 * files["b"][1]
    with demo_db.read() as session:
        assert verify_chain(session) == []
        statuses = session.scalars(select(ImportBatch.status)).all()
    assert statuses == ["committed", "committed"]


@contextmanager
def writer_lock(db_url: str):
    """Hold the ledger's write lock from outside the application, as a stuck writer would."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1 FROM journal_head WHERE id = 1 FOR UPDATE"))
            conn.execute(sa.text("SELECT 1 FROM user_account FOR UPDATE"))
            yield
            conn.rollback()
        engine.dispose()


@pytest.fixture
def impatient(monkeypatch):
    """Writers give up after 300 ms instead of 15 s (set before the app connects)."""
    monkeypatch.setattr(ledger_db, "WRITE_WAIT_MS", 300)


def _login(client, email):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_busy_import_in_the_web_ui_is_a_clear_error_and_writes_nothing(
    impatient, demo_db, db_url, app, statement, transfers
):
    create_user(demo_db, email="m@example.cn", role="manager", password=PASSWORD, actor="t")
    client = app.test_client()
    _login(client, "m@example.cn")
    before = transfers(demo_db)
    token = TOKEN.search(client.get("/imports").get_data(as_text=True)).group(1)
    preview = client.post(
        "/imports/preview",
        data={"csrf_token": token, "file": (io.BytesIO(statement(50, "BUSY")), "busy.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)[:500]
    page = preview.get_data(as_text=True)
    form = dict(
        re.findall(r'name="(csrf_token|token|filename)" type="hidden" value="([^"]+)"', page)
    )
    assert set(form) == {"csrf_token", "token", "filename"}, form

    with writer_lock(db_url):
        refused = client.post("/imports/commit", data=form)
        # A form-level problem, not a server error, and it says what to do.
        assert refused.status_code == 422
        assert "busy" in refused.get_data(as_text=True)
        assert transfers(demo_db) == before
        language = client.post("/language", data={"csrf_token": form["csrf_token"], "lang": "en"})
        # A route without its own handling: 503 with Retry-After, not 500.
        assert language.status_code == 503
        assert language.headers["Retry-After"] == "5"

    retried = client.post("/imports/commit", data=form)
    assert retried.status_code == 302
    assert transfers(demo_db)[0] == before[0] + 50


def test_busy_writer_raises_busy_error_and_rolls_back(impatient, db, db_url, committed, transfers):
    (pair,) = committed(1, Decimal(100))
    draft = TransferDraft(dt.date(2025, 3, 1), "contribution", *pair, Decimal(10), reference="C-1")
    with (
        writer_lock(db_url),
        pytest.raises(LedgerError, match="busy") as caught,
        db.write() as session,
    ):
        post_transfer(session, draft, actor="t")
    assert type(caught.value).__name__ == "BusyError"
    assert transfers(db) == (0, Decimal(0))
    with db.write() as session:
        post_transfer(session, draft, actor="t")
    assert transfers(db) == (1, Decimal(10))


def test_two_calls_against_one_commitment_in_threads_never_overcall(db, committed, transfers):
    """Five rounds: each call alone fits (60 of 100) but together they would exceed it."""
    pairs = committed(5, Decimal(100))
    for investor, fund in pairs:
        barrier = threading.Barrier(2)
        results: list[str] = []

        def call(reference, investor=investor, fund=fund, barrier=barrier, results=results):
            draft = TransferDraft(
                dt.date(2025, 3, 1),
                "contribution",
                investor,
                fund,
                Decimal(60),
                reference=reference,
            )
            barrier.wait()
            try:
                with db.write() as session:
                    post_transfer(session, draft, actor=reference)
                results.append("ok")
            except LedgerError as error:
                results.append(str(error))

        threads = [threading.Thread(target=call, args=(f"{investor}-{n}",)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == 2, results
        assert results.count("ok") == 1, results
        (refused,) = [r for r in results if r != "ok"]
        assert "exceeds the remaining commitment" in refused, results
        assert transfers(db, from_id=_id(db, investor)) == (1, Decimal(60))


def test_two_calls_in_two_processes_never_overcall(
    db, db_url, committed, tmp_path, spawn, outcome, transfers
):
    ((investor, fund),) = committed(1, Decimal("1000000000000000"))
    go = tmp_path / "go"
    workers = [
        spawn("call", db_url, str(go), investor, fund, "600000000000000", f"CALL-{n}")
        for n in (1, 2)
    ]
    go.touch()
    results = sorted((outcome(w) for w in workers), key=lambda r: not r["ok"])
    assert [r["ok"] for r in results] == [True, False], results
    assert results[1]["error"] == "LedgerError"
    assert "exceeds the remaining commitment" in results[1]["message"]
    assert transfers(db) == (1, Decimal("600000000000000"))


def _id(db, code):
    from fundtrack.ledger.journal import entity_by_code

    with db.read() as session:
        return entity_by_code(session, code).id
