"""Quarterly board reports: build the PDF, queue it to the board, send the outbox.

``build_report`` computes the snapshot, renders the PDF (in a child process with
limits, see ``reporting.render``) and records a ``ReportRun`` holding the
formatted figures the PDF printed, so a later check can compare them with the
database. ``queue_to_board`` adds one ``OutboxMessage`` per active board member
(idempotent: unique per report and recipient). ``send_outbox`` sends what is
due.

Claiming and delivery guarantees
--------------------------------
A sender claims one row at a time in a short transaction: on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED`` (two senders never claim the same row and
never wait for each other), on SQLite under the single-writer lock
(``BEGIN IMMEDIATE``). The claim sets ``status='sending'``, ``claimed_by`` and
``claimed_at`` and commits; SMTP then runs outside any transaction; the outcome
is written in a second short transaction with a ``DeliveryAttempt``.

Right before DATA the sender records a ``data`` attempt. A claim older than
``stale_after`` belongs to a sender that died; what happens to it depends on
how far it got:

- no ``data`` mark → the server cannot have the message: reclaimed and retried;
- a ``data`` mark → the server may have answered 250 before the death. We choose
  **at most once** here: the row becomes ``failed`` with "outcome unknown", for
  an admin to check and resend by hand, because a report the server accepted must
  never be sent twice. The window is the few milliseconds between 250 and the
  commit of ``sent``.

A connection lost *before* the server's reply to DATA is a plain retry: by
RFC 5321 the server has not taken the message (a rare server that delivered
anyway shows a duplicate with the same Message-ID, which mail clients merge).
Temporary failures back off exponentially (1, 2, 4 … minutes, capped at 6 h)
up to ``MAX_ATTEMPTS``; permanent ones (5xx) fail at once with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, or_, select

from fundtrack.ledger import audit
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem
from fundtrack.ledger.models import DeliveryAttempt, OutboxMessage, ReportRun, User
from fundtrack.ledger.periods import parse_quarter
from fundtrack.reporting import outbox as mail
from fundtrack.reporting import render

MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
STALE_AFTER = dt.timedelta(minutes=15)
LANGS = ("zh", "en")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; we always store UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# --- building -----------------------------------------------------------------------------


@dataclass
class BuildResult:
    report_id: int
    path: Path
    pages: int
    sha256: str
    timings: dict[str, float] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0  # of the renderer child


def build_report(
    db: Database,
    quarter: str,
    lang: str,
    out_path: Path | str,
    actor: str,
    *,
    progress: Callable[[str], None] | None = None,
    appendix: str | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> BuildResult:
    """Compute the quarter's snapshot, write the PDF at ``out_path`` and record a ReportRun.

    ``appendix='holdings'`` adds the full look-through holdings table (every
    company; long on a large book). ``timeout`` and ``memory_mb`` are the renderer's
    limits (default: ``FUNDTRACK_RENDER_TIMEOUT_S`` / ``FUNDTRACK_RENDER_MEMORY_MB`` or
    120 s / 1536 MB, see ``reporting.render``).
    """
    from fundtrack.reporting import quarterly
    from fundtrack.services.snapshot import build_snapshot

    if lang not in LANGS:
        raise LedgerError(Problem("lang", f"{lang!r} is not one of {', '.join(LANGS)}"))
    _start, as_of = parse_quarter(quarter)
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    say(f"computing the {quarter} snapshot …")
    snapshot = build_snapshot(db, as_of)
    if appendix == "holdings":
        snapshot.exposure["holdings"] = look_through_holdings(db, snapshot)
    timings["compute"] = time.perf_counter() - started

    started = time.perf_counter()
    say(f"rendering the {lang} report …")
    view = quarterly.view(snapshot, lang, appendix=appendix)
    html = render.render_html("quarterly", "report.html", view.context)
    result = render.html_to_pdf(html, out_path, timeout=timeout, memory_mb=memory_mb)
    timings["render"] = time.perf_counter() - started

    digest = hashlib.sha256(Path(out_path).read_bytes()).hexdigest()
    with db.write() as session:
        run = ReportRun(
            quarter=quarter.upper(),
            language=lang,
            as_of=as_of,
            path=str(Path(out_path).resolve()),
            sha256=digest,
            figures=view.figures,
            built_by=actor,
        )
        session.add(run)
        session.flush()
        audit.record(
            session,
            actor,
            "report.build",
            "report_run",
            run.id,
            quarter=run.quarter,
            language=lang,
            pages=result.pages,
            sha256=digest,
        )
        report_id = run.id
    return BuildResult(
        report_id, Path(out_path), result.pages, digest, timings, result.refused, result.peak_rss_mb
    )


def look_through_holdings(db: Database, snapshot) -> list[dict]:
    """Every (sub-fund, company) holding at the parent's look-through value, largest first."""
    from fundtrack.ledger import frames

    stakes = {sf["code"]: Decimal(repr(sf["stake"] or 0.0)) for sf in snapshot.subfunds}
    with db.read() as session:
        frame = frames.holdings(session, snapshot.as_of)
    rows = []
    for h in frame.to_dict("records"):
        value = (h["value"] or Decimal(0)) * stakes.get(h["fund"], Decimal(0))
        if value > 0:
            rows.append(
                {
                    "fund": h["fund"],
                    "code": h["company"],
                    "name": h["name"],
                    "sector": h["sector"],
                    "region": h["region"],
                    "stage": h["stage"],
                    "value": value.quantize(Decimal("0.01")),
                }
            )
    total = sum((r["value"] for r in rows), Decimal(0))
    for r in rows:
        r["share"] = float(r["value"] / total) if total else None
    return sorted(rows, key=lambda r: (-r["value"], r["code"], r["fund"]))


# --- queueing -----------------------------------------------------------------------------


def _mail_texts(run: ReportRun) -> tuple[str, str, str]:
    """Subject, body and attachment file name of a report's email, from what it printed."""
    meta = (run.figures or {}).get("meta", {})
    quarter = run.quarter
    if run.language == "zh":
        name = meta.get("fund_name") or "母基金"
        subject = f"{name} {quarter} 季度报告"
        body = (
            f"各位董事：\n\n附件为{name}{quarter}季度报告（数据截至 {run.as_of.isoformat()}）。"
            "\n\n此邮件由 fundtrack 自动发送。\n"
        )
        filename = f"{name}_{quarter}季度报告.pdf"
    else:
        name = meta.get("fund_name_en") or meta.get("fund_name") or "Parent fund"
        subject = f"{name} {quarter} quarterly report"
        body = (
            f"Dear board members,\n\nPlease find attached the {quarter} quarterly report of "
            f"{name} (figures as of {run.as_of.isoformat()}).\n\nSent by fundtrack.\n"
        )
        filename = f"{name}_{quarter}_quarterly_report.pdf"
    if meta.get("demo"):
        subject += " [演示数据 / demo data]"
    return mail.header_text(subject), body, mail.attachment_name(filename)


def queue_to_board(db: Database, report_id: int, *, domain: str | None = None) -> list[int]:
    """One pending OutboxMessage per active board member not yet queued for this report."""
    domain = domain or socket.getfqdn() or "fundtrack.local"
    with db.write() as session:
        run = session.get(ReportRun, report_id)
        if run is None:
            raise NotFoundError(Problem("report", f"no report {report_id}"))
        subject, _body, _name = _mail_texts(run)
        queued = set(
            session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.report_id == report_id)
            )
        )
        board = session.scalars(
            select(User).where(User.role == "board", User.active).order_by(User.id)
        )
        ids = []
        for user in board:
            if user.email in queued:
                continue
            try:
                mail.address(user.email)  # a stored address that could inject is refused here
            except mail.HeaderInjectionError as error:
                raise LedgerError(
                    Problem("recipient", f"board member #{user.id}: {error}")
                ) from None
            row = OutboxMessage(
                report_id=report_id,
                recipient=user.email,
                subject=subject,
                message_id=mail.message_id(report_id, user.email, domain),
                status="pending",
                attempts=0,
                next_attempt_at=None,  # due at once
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
        audit.record(session, "outbox", "report.queue", "report_run", report_id, messages=len(ids))
    return ids


# --- sending ------------------------------------------------------------------------------


@dataclass
class SendSummary:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    unknown: int = 0
    details: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{self.sent} sent, {self.retry} to retry, {self.failed} failed"
        return text + (f", {self.unknown} with unknown outcome" if self.unknown else "")


@dataclass(frozen=True)
class _Claim:
    id: int
    report_id: int
    recipient: str
    subject: str
    message_id: str
    attempts: int
    claimed_at: dt.datetime


def _due(now: dt.datetime, stale_before: dt.datetime):
    pending = and_(
        OutboxMessage.status == "pending",
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )
    stale = and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale_before)
    return or_(pending, stale)


def _claim(
    db: Database,
    worker: str,
    now: dt.datetime,
    stale_after: dt.timedelta,
    summary: SendSummary,
    report_id: int | None,
) -> _Claim | None:
    """Claim the next due row (or settle a stale claim); None when nothing is due."""
    while True:
        with db.write() as session:
            query = (
                select(OutboxMessage)
                .where(_due(now, now - stale_after))
                .order_by(OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )  # SQLite: the writer lock serialises
            if report_id is not None:
                query = query.where(OutboxMessage.report_id == report_id)
            row = session.scalar(query)
            if row is None:
                return None
            if row.status == "sending":
                data_started = session.scalar(
                    select(DeliveryAttempt.id)
                    .where(
                        DeliveryAttempt.message_id == row.id,
                        DeliveryAttempt.outcome == "data",
                        DeliveryAttempt.at >= row.claimed_at,
                    )
                    .limit(1)
                )
                if data_started:
                    detail = (
                        f"outcome unknown: sender {row.claimed_by} stopped during DATA; "
                        "not resent (at most once) — check with the recipient"
                    )
                    row.status, row.last_error = "failed", detail
                    row.claimed_by = row.claimed_at = None
                    session.add(
                        DeliveryAttempt(message_id=row.id, at=now, outcome="unknown", detail=detail)
                    )
                    summary.unknown += 1
                    summary.details.append(f"{row.recipient}: {detail}")
                    continue
            row.status, row.claimed_by, row.claimed_at = "sending", worker, now
            row.attempts = (row.attempts or 0) + 1
            return _Claim(
                row.id, row.report_id, row.recipient, row.subject, row.message_id, row.attempts, now
            )


def _mark_data(db: Database, claim: _Claim) -> None:
    with db.write() as session:
        at = max(_utcnow(), claim.claimed_at)  # never before the claim, even with a test clock
        session.add(
            DeliveryAttempt(message_id=claim.id, at=at, outcome="data", detail="DATA started")
        )


def _finish(
    db: Database, claim: _Claim, worker: str, outcome: str, detail: str, now: dt.datetime
) -> str:
    """Record the outcome; only the claim's owner may settle it. Returns the final status."""
    with db.write() as session:
        row = session.get(OutboxMessage, claim.id, with_for_update=True)
        if row.status != "sending" or row.claimed_by != worker:
            return row.status  # someone settled it meanwhile (our claim went stale)
        if outcome == "retry" and claim.attempts >= MAX_ATTEMPTS:
            outcome, detail = "failed", f"gave up after {claim.attempts} attempts: {detail}"
        session.add(
            DeliveryAttempt(message_id=row.id, at=_utcnow(), outcome=outcome, detail=detail[:2000])
        )
        row.claimed_by = row.claimed_at = None
        if outcome == "sent":
            row.status, row.sent_at, row.last_error = "sent", _utcnow(), None
        elif outcome == "retry":
            row.status, row.last_error = "pending", detail[:2000]
            row.next_attempt_at = now + backoff(claim.attempts)
        else:
            row.status, row.last_error = "failed", detail[:2000]
        return row.status


def _load_report(db: Database, report_id: int, cache: dict) -> tuple[ReportRun, bytes] | str:
    if report_id not in cache:
        with db.read() as session:
            run = session.get(ReportRun, report_id)
        try:
            data = Path(run.path).read_bytes()
        except OSError as exc:
            cache[report_id] = f"report file unreadable: {exc}"
        else:
            if hashlib.sha256(data).hexdigest() != run.sha256:
                cache[report_id] = "report file changed since it was built (checksum mismatch)"
            else:
                cache[report_id] = (run, data)
    return cache[report_id]


def send_outbox(
    db: Database,
    mail_settings: mail.MailSettings,
    *,
    now: dt.datetime | None = None,
    worker: str | None = None,
    stale_after: dt.timedelta = STALE_AFTER,
    report_id: int | None = None,
    limit: int | None = None,
) -> SendSummary:
    """Send every due outbox message once; ``now`` is for tests (defaults to the clock)."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    summary = SendSummary()
    reports: dict[int, object] = {}
    handled = 0
    while limit is None or handled < limit:
        moment = now or _utcnow()
        claim = _claim(db, worker, moment, stale_after, summary, report_id)
        if claim is None:
            break
        handled += 1
        loaded = _load_report(db, claim.report_id, reports)
        if isinstance(loaded, str):
            outcome, detail = "failed", loaded
        else:
            run, data = loaded
            _subject, body, filename = _mail_texts(run)
            try:
                message = mail.compose(
                    sender=mail_settings.sender,
                    recipient=claim.recipient,
                    subject=claim.subject,
                    body=body,
                    message_id=claim.message_id,
                    attachment=data,
                    filename=filename,
                )
            except mail.HeaderInjectionError as exc:
                outcome, detail = "failed", f"refused to build the message: {exc}"
            else:
                delivery = mail.deliver(
                    mail_settings, message, before_data=lambda c=claim: _mark_data(db, c)
                )
                outcome, detail = delivery.outcome, delivery.detail
        status = _finish(db, claim, worker, outcome, detail, moment)
        if status == "sent":
            summary.sent += 1
        elif status == "pending":
            summary.retry += 1
            summary.details.append(f"{claim.recipient}: will retry: {detail}")
        else:
            summary.failed += 1
            summary.details.append(f"{claim.recipient}: failed: {detail}")
    return summary
