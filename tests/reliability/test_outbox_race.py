"""Item 7: work shared by several processes is never done twice.

Two outbox senders in two processes on one database deliver each message once
(counted by a real SMTP server on loopback); the login throttle counted by one
app instance applies in another (its state is the ``login_throttle`` table).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import socket
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from fundtrack import create_app
from fundtrack.ledger.models import OutboxMessage, ReportRun
from fundtrack.reporting import outbox as mail
from fundtrack.services import signin
from fundtrack.services.accounts import create_user

MEMBERS = 24
PDF = b"%PDF-1.7\n% a stand-in for the report\n%%EOF\n"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


class Counting:
    """Counts deliveries per recipient; a short pause per message lets the senders overlap."""

    def __init__(self):
        self.deliveries: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        for rcpt in envelope.rcpt_tos:
            self.deliveries[rcpt] += 1
        return "250 2.0.0 queued"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _queue(db, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    recipients = [f"member{i}@board.example" for i in range(MEMBERS)]
    with db.write() as session:
        run = ReportRun(
            quarter="2026Q3",
            language="zh",
            as_of=dt.date(2026, 9, 30),
            path=str(path),
            sha256=hashlib.sha256(PDF).hexdigest(),
            figures={"meta": {"fund_name": "母基金"}},
            built_by="test",
        )
        session.add(run)
        session.flush()
        for address in recipients:
            session.add(
                OutboxMessage(
                    report_id=run.id,
                    recipient=address,
                    subject="2026Q3",
                    message_id=mail.message_id(run.id, address, "test.example"),
                    status="pending",
                    attempts=0,
                )
            )
    return recipients


def test_two_sender_processes_deliver_each_message_exactly_once(
    db, db_url, tmp_path, spawn, outcome
):
    recipients = _queue(db, tmp_path)
    handler = Counting()
    port = _free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        go = tmp_path / "go"
        workers = [spawn("send", db_url, str(go), str(port), f"sender-{n}") for n in (1, 2)]
        go.touch()
        results = [outcome(w) for w in workers]
    finally:
        server.stop()

    assert all(r["ok"] for r in results), results
    assert handler.deliveries == Counter(dict.fromkeys(recipients, 1))
    assert sum(r["sent"] for r in results) == MEMBERS
    assert all(r["sent"] > 0 for r in results), "the senders did not run side by side"
    with db.read() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"}


def _login(client, password: str) -> int:
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post(
        "/login",
        data={"email": "m@example.cn", "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    ).status_code


@pytest.fixture
def second_app(db_url, tmp_path):
    """Another app instance (as another worker process would run) on the same database."""
    other = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "another-worker",
            "REPORTS_DIR": str(tmp_path / "reports-2"),
        }
    )
    yield other
    other.extensions["fundtrack.db"].dispose()


def test_login_throttle_is_shared_between_app_instances(app, second_app, db, monkeypatch):
    monkeypatch.setattr(signin, "MAX_FAILURES", 4)
    create_user(db, email="m@example.cn", role="manager", password=PASSWORD, actor="t")
    one, two = app.test_client(), second_app.test_client()
    # Failures alternate between the two workers; together they reach the limit.
    assert [_login(c, "wrong-password") for c in (one, two, one, two)] == [401] * 4
    # Now both refuse, even the right password, without checking it.
    assert _login(one, PASSWORD) == 429
    assert _login(two, PASSWORD) == 429
