"""The board outbox against a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import hashlib
import re
import socket
import ssl
import subprocess
from email import policy
from urllib.parse import unquote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from fundtrack.ledger.models import DeliveryAttempt, OutboxMessage, ReportRun
from fundtrack.reporting import outbox as mail
from fundtrack.services.accounts import create_user
from fundtrack.services.reports import queue_to_board, send_outbox

# aiosmtpd warns when AUTH is allowed without TLS: intended here, on loopback.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

FUND = "高新区产业投资母基金"
BOARD = ["chair@board.example", "member@board.example", "observer@board.example"]
T0 = dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n% a stand-in for the report\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Accepts everything, except recipients listed in ``refuse`` (550) and, when ``drop``
    is set, closes the connection after receiving the data instead of answering 250."""

    def __init__(self, refuse=(), drop=False):
        self.messages = []
        self.refuse = set(refuse)
        self.drop = drop

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop:
            self.drop = False  # only the first time: the retry then goes through
            server.transport.close()
            await asyncio.sleep(0)
            return "421 closing"
        self.messages.append(
            (envelope.rcpt_tos[:], email.message_from_bytes(envelope.content, policy=policy.SMTP))
        )
        return "250 2.0.0 queued"


def start(handler, port, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def report(db, tmp_path):
    """A built report (a stand-in PDF) and three board members."""
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    with db.write() as session:
        run = ReportRun(
            quarter="2026Q3", language="zh", as_of=dt.date(2026, 9, 30), path=str(path),
            sha256=hashlib.sha256(PDF).hexdigest(),
            figures={"meta": {"fund_name": FUND, "fund_name_en": "Parent Fund", "demo": True}},
            built_by="test",
        )
        session.add(run)
        session.flush()
        report_id = run.id
    for address in BOARD:
        create_user(db, email=address, role="board", password="board-password-1", actor="t")
    create_user(db, email="manager@fund.example", role="manager", password="manager-pass-1",
                actor="t")
    return report_id


def settings(port, **kwargs) -> mail.MailSettings:
    return mail.MailSettings(server="127.0.0.1", port=port, sender="reports@fund.example",
                             timeout=5, **kwargs)


def rows(db):
    with db.read() as session:
        return {r.recipient: r for r in session.scalars(select(OutboxMessage))}


def test_server_down_then_up_each_member_gets_exactly_one(db, report):
    assert len(queue_to_board(db, report, domain="fund.example")) == 3
    assert queue_to_board(db, report, domain="fund.example") == []  # idempotent
    port = free_port()

    down = send_outbox(db, settings(port), now=T0)
    assert (down.sent, down.retry, down.failed) == (0, 3, 0)
    first = rows(db)
    assert {r.status for r in first.values()} == {"pending"}
    assert all(r.next_attempt_at is not None for r in first.values())
    assert all("cannot reach" in r.last_error for r in first.values())

    handler = Recorder()
    controller = start(handler, port)
    try:
        # Not due yet: the backoff holds the retry back.
        assert send_outbox(db, settings(port), now=T0 + dt.timedelta(seconds=10)).sent == 0
        up = send_outbox(db, settings(port), now=T0 + dt.timedelta(minutes=2))
        assert up.sent == 3
        again = send_outbox(db, settings(port), now=T0 + dt.timedelta(days=1))
        assert (again.sent, again.retry, again.failed) == (0, 0, 0)
    finally:
        controller.stop()

    received = sorted(rcpt[0] for rcpt, _ in handler.messages)
    assert received == sorted(BOARD)
    final = rows(db)
    assert {r.status for r in final.values()} == {"sent"}
    assert all(r.attempts == 2 for r in final.values())
    # Each message: the stored Message-ID, the subject, the PDF with an RFC 2231 Chinese name.
    for rcpt, message in handler.messages:
        row = final[rcpt[0]]
        assert message["Message-ID"] == row.message_id
        assert message["Subject"] == row.subject
        assert FUND in message["Subject"]
        attachment = next(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == PDF
        assert attachment.get_filename() == f"{FUND}_2026Q3季度报告.pdf"
    with db.read() as session:
        outcomes = sorted(a.outcome for a in session.scalars(select(DeliveryAttempt)))
    assert outcomes.count("retry") == 3
    assert outcomes.count("sent") == 3


def test_rfc2231_filename_on_the_wire(db, report):
    queue_to_board(db, report, domain="fund.example")
    port = free_port()
    raw = []

    class Raw(Recorder):
        async def handle_DATA(self, server, session, envelope):
            raw.append(envelope.original_content)
            return "250 OK"

    controller = start(Raw(), port)
    try:
        assert send_outbox(db, settings(port), now=T0, limit=1).sent == 1
    finally:
        controller.stop()
    text = raw[0].decode("ascii")  # 7-bit clean on the wire
    # RFC 2231: filename*0*=utf-8''%E9…; filename*1*=…  (continuations, percent-encoded)
    parts = re.findall(r"filename\*(\d+)\*=([^;\s]+)", text)
    assert parts, text
    joined = "".join(value for _, value in sorted(parts, key=lambda p: int(p[0])))
    assert joined.startswith("utf-8''")
    assert unquote(joined.removeprefix("utf-8''")) == f"{FUND}_2026Q3季度报告.pdf"


def test_connection_dropped_after_data_is_retried_and_delivered_once(db, report):
    queue_to_board(db, report, domain="fund.example")
    port = free_port()
    handler = Recorder(drop=True)
    controller = start(handler, port)
    try:
        first = send_outbox(db, settings(port), now=T0)
        assert (first.sent, first.retry) == (2, 1)
        dropped = [r for r in rows(db).values() if r.status == "pending"]
        assert len(dropped) == 1
        assert "connection lost" in dropped[0].last_error
        second = send_outbox(db, settings(port), now=T0 + dt.timedelta(minutes=5))
        assert second.sent == 1
    finally:
        controller.stop()
    assert sorted(r[0] for r, _ in handler.messages) == sorted(BOARD)


def test_bad_recipient_fails_with_reason_and_is_not_retried(db, report):
    queue_to_board(db, report, domain="fund.example")
    port = free_port()
    handler = Recorder(refuse={"observer@board.example"})
    controller = start(handler, port)
    try:
        first = send_outbox(db, settings(port), now=T0)
        later = send_outbox(db, settings(port), now=T0 + dt.timedelta(days=30))
    finally:
        controller.stop()
    assert (first.sent, first.failed, first.retry) == (2, 1, 0)
    assert (later.sent, later.failed, later.retry) == (0, 0, 0)
    bad = rows(db)["observer@board.example"]
    assert bad.status == "failed"
    assert bad.attempts == 1
    assert "550" in bad.last_error
    assert "no such user" in bad.last_error


def test_header_injection_cannot_add_headers(db, report, tmp_path):
    with pytest.raises(mail.HeaderInjectionError):
        mail.compose(sender="a@b.example", recipient="c@d.example",
                     subject="Q3\r\nBcc: spy@evil.example", body="x", message_id="<1@x>")
    with pytest.raises(mail.HeaderInjectionError):
        mail.compose(sender="a@b.example", recipient="c@d.example\r\nBcc: spy@evil.example",
                     subject="Q3", body="x", message_id="<1@x>")
    with pytest.raises(mail.HeaderInjectionError):
        mail.address("a@b.example, spy@evil.example")

    # A fund name carrying a header is folded into one harmless subject line.
    with db.write() as session:
        run = session.get(ReportRun, report)
        run.figures = {"meta": {"fund_name": "基金\r\nBcc: spy@evil.example"}}
    queue_to_board(db, report, domain="fund.example")
    port = free_port()
    handler = Recorder()
    controller = start(handler, port)
    try:
        assert send_outbox(db, settings(port), now=T0).sent == 3
    finally:
        controller.stop()
    for rcpt, message in handler.messages:
        assert rcpt[0] in BOARD
        assert message["Bcc"] is None
        assert "\n" not in message["Subject"]
        assert message["Subject"].startswith("基金 Bcc: spy@evil.example")
        assert message.get_all("Subject") == [message["Subject"]]


def test_stale_claims(db, report):
    """A sender that died before DATA is retried; one that died during DATA is not resent."""
    queue_to_board(db, report, domain="fund.example")
    with db.write() as session:
        one, two = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))[:2]
        for row in (one, two):
            row.status, row.claimed_by, row.claimed_at = "sending", "dead:1", T0
            row.attempts = 1
        session.add(DeliveryAttempt(message_id=two.id, at=T0 + dt.timedelta(seconds=1),
                                    outcome="data", detail="DATA started"))
        early, during = one.recipient, two.recipient
    port = free_port()
    handler = Recorder()
    controller = start(handler, port)
    try:
        # Fresh claims are left alone.
        fresh = send_outbox(db, settings(port), now=T0 + dt.timedelta(minutes=1))
        assert fresh.sent == 1  # only the third, unclaimed row
        stale = send_outbox(db, settings(port), now=T0 + dt.timedelta(hours=1))
    finally:
        controller.stop()
    assert (stale.sent, stale.unknown) == (1, 1)
    final = rows(db)
    assert final[early].status == "sent"
    assert final[during].status == "failed"
    assert "outcome unknown" in final[during].last_error
    assert during not in [r[0] for r, _ in handler.messages]


def test_login_over_plain_loopback(db, report):
    queue_to_board(db, report, domain="fund.example")
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    port = free_port()
    handler = Recorder()
    controller = start(handler, port, authenticator=authenticator, auth_required=True,
                       auth_require_tls=False)
    try:
        wrong = send_outbox(db, settings(port, username="fund", password="nope"), now=T0)
        assert wrong.failed == 3
        assert "535" in rows(db)[BOARD[0]].last_error
        with db.write() as session:
            for row in session.scalars(select(OutboxMessage)):
                row.status, row.attempts = "pending", 0
        right = send_outbox(db, settings(port, username="fund", password="s3cret"), now=T0)
        assert right.sent == 3
    finally:
        controller.stop()
    assert (b"fund", b"s3cret") in [(login, pw) for _, login, pw in seen]


@pytest.fixture(scope="module")
def tls_contexts(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: the server's context and a client trusting it."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_with_self_signed_certificate(db, report, tls_contexts, mode):
    server_ctx, client_ctx = tls_contexts
    queue_to_board(db, report, domain="fund.example")

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    port = free_port()
    handler = Recorder()
    if mode == "starttls":
        options = {"tls_context": server_ctx, "require_starttls": True}
        extra = {"use_tls": True}
    else:
        # TLS from the first byte; aiosmtpd does not see it, so AUTH is allowed explicitly.
        options = {"ssl_context": server_ctx, "auth_require_tls": False}
        extra = {"use_ssl": True}
    controller = start(handler, port, authenticator=authenticator, auth_required=True, **options)
    try:
        summary = send_outbox(db, settings(port, username="fund", password="s3cret",
                                           ssl_context=client_ctx, **extra), now=T0)
    finally:
        controller.stop()
    assert summary.sent == 3
    assert sorted(r[0] for r, _ in handler.messages) == sorted(BOARD)
