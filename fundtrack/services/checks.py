"""The ledger check (``fundtrack check``): is the book still what the application wrote?

Each check returns findings as text; an empty list means the ledger is sound.
They read everything and change nothing, so they can run against production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.db import Database
from fundtrack.ledger.journal import callable_remaining, verify_chain
from fundtrack.ledger.models import ClosedPeriod, Commitment, Entity, Transfer
from fundtrack.ledger.money import QUANTUM


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


CHECKS: dict[str, Callable[[Session], list[str]]] = {
    "hash chain": verify_chain,
    "amounts": check_amounts,
    "reversals": check_reversals,
    "closed quarters": check_closed_periods,
    "paid-in within commitment": check_commitments,
}


def run_checks(db: Database) -> CheckReport:
    report = CheckReport()
    with db.read() as session:
        for name, check in CHECKS.items():
            report.findings[name] = check(session)
    return report
