"""The ledger check (``fundtrack check``): is the book still what the application wrote?

Each check returns findings as text; an empty list means the ledger is sound.
They read everything and change nothing, so they can run against production.

The last check compares the figures the last report sent to the board printed
(``ReportRun.figures``) with the same figures rebuilt from the ledger as it is
now: an entry posted later into that quarter, or an edit behind the
application's back, shows as a difference.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.chain import verify_chain
from fundtrack.ledger.db import Database
from fundtrack.ledger.models import (
    ClosedPeriod,
    Commitment,
    Entity,
    FlowTally,
    HoldingTally,
    LatestValuation,
    OutboxMessage,
    ReportRun,
    Transfer,
)
from fundtrack.ledger.money import QUANTUM
from fundtrack.ledger.rules import callable_remaining
from fundtrack.ledger.tallies import holding_select, latest_valuation_select, live_sums

#: At most this many differing figures are listed for a report.
MAX_REPORT_DIFFERENCES = 20


@dataclass
class CheckReport:
    findings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.findings.values())


def check_amounts(session: Session) -> list[str]:
    """Every entry moves a positive amount, and its CNY value follows from its rate."""
    found = []
    for t in session.scalars(select(Transfer).order_by(Transfer.id)).yield_per(2000):
        if t.amount <= 0:
            found.append(f"transfer #{t.id}: amount {t.amount} is not positive")
        expected = t.amount if t.fx_rate is None else (t.amount * t.fx_rate).quantize(QUANTUM)
        if t.amount_cny != expected:
            found.append(f"transfer #{t.id}: CNY amount {t.amount_cny} ≠ {expected}")
        if t.from_id == t.to_id:
            found.append(f"transfer #{t.id}: source and destination are the same account")
    return found


def check_reversals(session: Session) -> list[str]:
    """Each reversal mirrors an original: same kind and amount, the accounts swapped."""
    original = aliased(Transfer)
    found = []
    rows = session.execute(
        select(Transfer, original)
        .outerjoin(original, original.id == Transfer.reverses_id)
        .where(Transfer.reverses_id.is_not(None))
    ).all()
    for reversal, orig in rows:
        if orig is None:
            found.append(
                f"transfer #{reversal.id}: reverses #{reversal.reverses_id}, which is missing"
            )
        elif (reversal.from_id, reversal.to_id, reversal.kind, reversal.amount) != (
            orig.to_id,
            orig.from_id,
            orig.kind,
            orig.amount,
        ):
            found.append(f"transfer #{reversal.id}: does not mirror #{orig.id}")
        elif orig.reverses_id is not None:
            found.append(f"transfer #{reversal.id}: reverses a reversal (#{orig.id})")
    return found


def check_closed_periods(session: Session) -> list[str]:
    """Nothing was posted into a quarter after it was closed."""
    found = []
    for period in session.scalars(select(ClosedPeriod)):
        late = session.scalars(
            select(Transfer.id).where(
                Transfer.date >= period.start_date,
                Transfer.date <= period.end_date,
                Transfer.posted_at > period.closed_at,
            )
        ).all()
        found.extend(f"transfer #{i}: posted into {period.quarter} after it closed" for i in late)
    return found


def check_commitments(session: Session) -> list[str]:
    """No investor has paid in more than it committed (recallable distributions counted)."""
    investor, fund = aliased(Entity), aliased(Entity)
    pairs = session.execute(
        select(Commitment.investor_id, Commitment.fund_id, investor.code, fund.code)
        .join(investor, investor.id == Commitment.investor_id)
        .join(fund, fund.id == Commitment.fund_id)
        .distinct()
    ).all()
    found = []
    for investor_id, fund_id, investor_code, fund_code in pairs:
        remaining = callable_remaining(session, investor_id, fund_id)
        if remaining < Decimal(0):
            found.append(
                f"{investor_code} → {fund_code}: paid in {-remaining:,.2f} over commitment"
            )
    return found


def _mismatches(want: dict, have: dict, nothing=None) -> list[tuple]:
    """``(key, have, want)`` for each key whose values differ, in key order; a key one
    side lacks counts as ``nothing`` there."""
    return [
        (key, have.get(key, nothing), want.get(key, nothing))
        for key in sorted(want.keys() | have.keys())
        if want.get(key, nothing) != have.get(key, nothing)
    ]


def _codes(session: Session) -> dict[int, str]:
    """Entity id → code, to name what a finding concerns (read only when one is found)."""
    return dict(session.execute(select(Entity.id, Entity.code)).all())


def check_flow_tallies(session: Session) -> list[str]:
    """The totals the database keeps per (from, to, kind) are the journal's live entries."""
    journal = {
        (f, t, k): (amount, flows) for f, t, k, amount, flows in session.execute(live_sums())
    }
    kept = {
        (f, t, k): (amount, flows)
        for f, t, k, amount, flows in session.execute(
            select(
                FlowTally.from_id,
                FlowTally.to_id,
                FlowTally.kind,
                FlowTally.amount_cny,
                FlowTally.flows,
            )
        )
    }
    # A key whose entries were all reversed keeps a row of zeros; the journal has none.
    differing = _mismatches(journal, kept, (Decimal(0).quantize(QUANTUM), 0))
    if not differing:
        return []
    codes = _codes(session)

    def counted(amount: Decimal, flows: int) -> str:
        return f"{amount:,} in {flows} {'entry' if flows == 1 else 'entries'}"

    return [
        f"{codes.get(from_id, f'#{from_id}')} → {codes.get(to_id, f'#{to_id}')} {kind}: "
        f"the tally holds {counted(*have)}, the journal {counted(*want)}"
        for (from_id, to_id, kind), have, want in differing
    ]


def check_holding_tallies(session: Session) -> list[str]:
    """The holdings the database keeps (``holding_tally``, ``valuation_latest``) are the
    journal's live entries grouped per (sub-fund, company), and the latest valuations."""
    journal = {
        (fund, company): (invested, proceeds, flows)
        for fund, company, invested, proceeds, flows in session.execute(
            holding_select(live_sums().subquery())
        )
    }
    kept = {
        (r.fund_id, r.company_id): (r.invested, r.proceeds, r.flows)
        for r in session.execute(select(*HoldingTally.__table__.columns))
    }
    latest = {tuple(row[:2]): tuple(row[2:]) for row in session.execute(latest_valuation_select())}
    pointed = {
        (r.holder_id, r.entity_id): (r.valuation_id, r.date, r.value_cny)
        for r in session.execute(select(*LatestValuation.__table__.columns))
    }
    # A pair whose entries were all reversed keeps a row of zeros; the journal has none.
    zero = Decimal(0).quantize(QUANTUM)
    holdings = _mismatches(journal, kept, (zero, zero, 0))
    pointers = _mismatches(latest, pointed)
    if not holdings and not pointers:
        return []
    codes = _codes(session)

    def pair(fund: int, company: int) -> str:
        return f"{codes.get(fund, f'#{fund}')} in {codes.get(company, f'#{company}')}"

    def valuation(found: tuple | None) -> str:
        return "none" if found is None else f"#{found[0]} of {found[1]}"

    return [
        *(
            f"{pair(*key)}: the holding holds invested {have[0]:,}, proceeds {have[1]:,} "
            f"in {have[2]} entries; the journal {want[0]:,}, {want[1]:,} in {want[2]}"
            for key, have, want in holdings
        ),
        *(
            f"{pair(*key)}: the latest valuation kept is {valuation(have)}, "
            f"the valuations' {valuation(want)}"
            for key, have, want in pointers
        ),
    ]


class _SessionReader:
    """Lets services written against ``Database.read()`` run inside the check's session."""

    def __init__(self, session: Session):
        self.session = session
        self.dialect = session.get_bind().dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        yield self.session


def _differences(printed, now, path: str = "") -> Iterator[str]:
    if isinstance(printed, dict) and isinstance(now, dict):
        for key in list(printed) + [k for k in now if k not in printed]:
            where = f"{path}.{key}" if path else str(key)
            if key not in now:
                yield f"{where}: printed {printed[key]!r}, now missing"
            elif key not in printed:
                yield f"{where}: not printed, now {now[key]!r}"
            else:
                yield from _differences(printed[key], now[key], where)
    elif isinstance(printed, list) and isinstance(now, list) and len(printed) == len(now):
        for i, (a, b) in enumerate(zip(printed, now, strict=True)):
            yield from _differences(a, b, f"{path}[{i}]")
    elif printed != now:
        yield f"{path}: printed {printed!r}, now {now!r}"


def check_last_sent_report(session: Session) -> list[str]:
    """The figures of the last report sent to the board still follow from the ledger."""
    from fundtrack.reporting import quarterly
    from fundtrack.services.reports import look_through_holdings
    from fundtrack.services.snapshot import build_snapshot

    run = session.scalar(
        select(ReportRun)
        .join(OutboxMessage, OutboxMessage.report_id == ReportRun.id)
        .where(OutboxMessage.status == "sent")
        .order_by(OutboxMessage.sent_at.desc(), ReportRun.id.desc())
        .limit(1)
    )
    if run is None:
        return []
    label = f"report #{run.id} ({run.quarter} {run.language}, sent)"
    found = []
    path = Path(run.path)
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != run.sha256:
        found.append(f"{label}: the PDF file changed since it was built (checksum mismatch)")
    reader = _SessionReader(session)
    snapshot = build_snapshot(reader, run.as_of)
    appendix = "holdings" if "appendix_holdings" in (run.figures or {}) else None
    if appendix:
        snapshot.exposure["holdings"] = look_through_holdings(reader, snapshot)
    rebuilt = quarterly.view(snapshot, run.language, appendix=appendix).figures
    # Compare as stored: JSON turns tuples into lists and keys into strings.
    now = json.loads(json.dumps(rebuilt, default=str))
    differences = list(_differences(run.figures or {}, now))
    found.extend(f"{label}: {d}" for d in differences[:MAX_REPORT_DIFFERENCES])
    if len(differences) > MAX_REPORT_DIFFERENCES:
        found.append(f"{label}: … and {len(differences) - MAX_REPORT_DIFFERENCES} more")
    return found


CHECKS: dict[str, Callable[[Session], list[str]]] = {
    "hash chain": verify_chain,
    "amounts": check_amounts,
    "reversals": check_reversals,
    "closed quarters": check_closed_periods,
    "paid-in within commitment": check_commitments,
    "flow tallies": check_flow_tallies,
    "holdings kept": check_holding_tallies,
    "last sent report matches the ledger": check_last_sent_report,
}


def run_checks(db: Database) -> CheckReport:
    report = CheckReport()
    with db.read() as session:
        for name, check in CHECKS.items():
            report.findings[name] = check(session)
    return report
