"""Email header injection (ASVS 5.2.3): user text (fund names, user names, subjects, addresses)
never starts a header of its own in a report email — it is folded into one line or refused.

Messages are captured at ``deliver`` (the SMTP hand-off) and parsed back from the bytes that
would go on the wire.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
from email import policy

import pytest
from sqlalchemy import func, select, update

from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.models import OutboxMessage, ReportRun, User
from fundtrack.reporting import outbox as mail
from fundtrack.services.accounts import create_user
from fundtrack.services.reports import queue_to_board, send_outbox

INJECT = "\r\nBcc: evil@x.example"
BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x00"]
ALLOWED_HEADERS = {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}


@pytest.fixture
def report(db, tmp_path):
    """A built report (a stand-in PDF) of a fund whose names carry a header, and two board
    members, one with a header in their display name."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    create_user(
        db,
        email="chair@board.example",
        role="board",
        password="x" * 12,
        actor="t",
        name="Chair" + INJECT,
    )
    create_user(db, email="member@board.example", role="board", password="x" * 12, actor="t")
    with db.write() as session:
        run = ReportRun(
            quarter="2026Q3",
            language="zh",
            as_of=dt.date(2026, 9, 30),
            path=str(pdf),
            sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
            figures={"meta": {"fund_name": "母基金" + INJECT, "fund_name_en": "Fund" + INJECT}},
            built_by="t",
        )
        session.add(run)
        session.flush()
        return run.id


def _send_and_capture(db, monkeypatch, report_id):
    wire = []

    def fake_deliver(settings, message, before_data=None):
        wire.append(message.as_bytes(policy=policy.SMTP))
        return mail.Delivery("sent", "250 OK")

    monkeypatch.setattr(mail, "deliver", fake_deliver)
    queue_to_board(db, report_id, domain="fund.example")
    summary = send_outbox(db, mail.MailSettings(sender="fundtrack@fund.example"))
    return summary, [email.message_from_bytes(raw, policy=policy.default) for raw in wire]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_names_with_line_breaks_are_folded_into_one_subject_line(db, report, monkeypatch, language):
    with db.write() as session:
        session.execute(update(ReportRun).values(language=language))
    summary, messages = _send_and_capture(db, monkeypatch, report)
    assert summary.sent == 2
    assert sorted(m["To"] for m in messages) == ["chair@board.example", "member@board.example"]
    for message in messages:
        assert {k.lower() for k in message} <= ALLOWED_HEADERS
        assert message["Bcc"] is None
        assert message.get_all("Subject") == [message["Subject"]]
        assert message.get_all("To") == [message["To"]]
        assert "Bcc: evil@x.example" in message["Subject"]  # kept as text, on the same line
        assert "\n" not in message["Subject"]
        assert "\r" not in message["Subject"]
        [attachment] = list(message.iter_attachments())
        assert "\n" not in attachment.get_filename()
        assert "\r" not in attachment.get_filename()
        for part in message.walk():
            assert part["Bcc"] is None


@pytest.mark.parametrize("brk", BREAKS)
def test_compose_refuses_line_breaks_and_controls_in_every_header(brk):
    good = {
        "sender": "fundtrack@fund.example",
        "recipient": "chair@board.example",
        "subject": "Q3 report",
        "body": "body text may have\r\nline breaks",
        "message_id": "<1@fund.example>",
    }
    assert mail.compose(**good)["Subject"] == "Q3 report"
    for field in ("sender", "recipient", "subject", "message_id"):
        hostile = {**good, field: good[field] + brk + "Bcc: evil@x.example"}
        with pytest.raises(mail.HeaderInjectionError):
            mail.compose(**hostile)


def test_addresses_must_be_one_bare_mailbox():
    for text in (
        '"Chair\r\nBcc: evil@x.example" <chair@board.example>',
        "Chair <chair@board.example>",
        "chair@board.example, evil@x.example",
        "chair@board.example;evil@x.example",
        "chair@board.example evil@x.example",
        "evil@x.example@board.example",
    ):
        with pytest.raises(mail.HeaderInjectionError):
            mail.address(text)


def test_an_address_with_a_header_never_gets_into_the_outbox(db, report):
    for address in ("evil@x.example\r\nBcc: spy@x.example", "a@b.example\nBcc: spy@x.example"):
        with pytest.raises(LedgerError):
            create_user(db, email=address, role="board", password="x" * 12, actor="t")
    # Even one written into the table behind the application's back is refused at queueing.
    with db.write() as session:
        session.execute(
            update(User)
            .where(User.email == "member@board.example")
            .values(email="member@board.example\r\nBcc: spy@x.example")
        )
    with pytest.raises(LedgerError) as refused:
        queue_to_board(db, report, domain="fund.example")
    assert refused.value.problems[0].field == "recipient"
    assert "line breaks" in refused.value.problems[0].message
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
