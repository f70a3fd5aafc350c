"""A worker process for the reliability tests: ``python child.py <job> <database url> …``.

Each job waits for the ``go`` file (when given) so that two workers start together,
does one thing through the services, and prints one JSON line: what it did, or the
class and message of the error it got.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path


def _wait_for(go: str) -> None:
    deadline = time.monotonic() + 60
    while go != "-" and not os.path.exists(go):
        if time.monotonic() > deadline:
            raise SystemExit("the go file never appeared")
        time.sleep(0.005)


def _limit_file_size(limit: int) -> None:
    # Without SIG_IGN the kernel kills the process (SIGXFSZ); ignored, write() fails EFBIG,
    # the way a full disk makes it fail (ENOSPC).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def job_import(db, path: str, go: str = "-", fsize: str = "0") -> dict:
    from fundtrack.services.imports import commit_import

    data = Path(path).read_bytes()
    _wait_for(go)
    if int(fsize):
        _limit_file_size(int(fsize))
    result = commit_import(db, Path(path).name, data, f"worker-{os.getpid()}")
    return {"batch": result.batch_id, "new": result.new, "duplicates": result.duplicates}


def job_call(db, go: str, investor: str, fund: str, amount: str, reference: str) -> dict:
    import datetime as dt
    from decimal import Decimal

    from fundtrack.ledger.journal import TransferDraft, post_transfer

    draft = TransferDraft(
        dt.date(2025, 3, 1), "contribution", investor, fund, Decimal(amount), reference=reference
    )
    _wait_for(go)
    with db.write() as session:
        post_transfer(session, draft, actor=f"worker-{os.getpid()}")
    return {"posted": reference}


def job_send(db, go: str, port: str, worker: str) -> dict:
    from fundtrack.reporting.outbox import MailSettings
    from fundtrack.services.reports import send_outbox

    settings = MailSettings(server="127.0.0.1", port=int(port), sender="r@fund.example", timeout=10)
    _wait_for(go)
    summary = send_outbox(db, settings, worker=worker)
    return {"sent": summary.sent, "retry": summary.retry, "failed": summary.failed}


def job_report(db, quarter: str, lang: str, out: str, fsize: str = "0") -> dict:
    from fundtrack.ledger.models import ReportRun
    from fundtrack.services.reports import build_report

    if int(fsize):
        _limit_file_size(int(fsize))
    result = build_report(db, quarter, lang, out, "worker")
    with db.read() as session:
        run = session.get(ReportRun, result.report_id)
        return {"report": run.id, "figures": run.figures, "sha256": run.sha256}


def job_figures(db, quarter: str, lang: str) -> dict:
    """What ``build_report`` records as ``ReportRun.figures``, without rendering the PDF."""
    from fundtrack.ledger.periods import parse_quarter
    from fundtrack.reporting import quarterly
    from fundtrack.services.snapshot import build_snapshot

    figures = quarterly.view(build_snapshot(db, parse_quarter(quarter)[1]), lang).figures
    return {"figures": json.loads(json.dumps(figures))}


JOBS = {
    "import": job_import,
    "call": job_call,
    "send": job_send,
    "report": job_report,
    "figures": job_figures,
}


def main() -> None:
    from fundtrack.ledger.db import Database

    job, url, *args = sys.argv[1:]
    db = Database(url)
    try:
        outcome = {"ok": True, **JOBS[job](db, *args)}
    except Exception as exc:  # the test judges the error; report it, do not crash
        outcome = {"ok": False, "error": type(exc).__name__, "message": str(exc)[:2000]}
    finally:
        db.dispose()
    print(json.dumps(outcome, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
