"""Sub-fund terms: stake, 返投 rules, caps, fees. Ratios differ by city and year: they are data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import FundTerms
from fundtrack.ledger.rules import entity_by_code

RATIO_FIELDS = (
    "parent_stake",
    "max_parent_stake",
    "reinvest_multiple",
    "single_project_cap",
    "core_sector_min",
    "min_private_share",
    "max_idle_share",
    "first_call_min",
    "fee_rate",
    "hurdle",
    "carry",
)


def set_terms(
    session: Session, *, fund: str, effective_from: dt.date, actor: str, **terms
) -> FundTerms:
    """Record the terms of ``fund`` from ``effective_from`` on (an earlier set stays)."""
    entity = entity_by_code(session, fund, "fund")
    problems = []
    if entity.kind != "subfund":
        problems.append(Problem("fund", f"{fund} is not a sub-fund"))
    for name in RATIO_FIELDS:
        value = terms.get(name)
        if value is not None and not (Decimal(0) <= Decimal(str(value)) <= Decimal(10)):
            problems.append(Problem(name, f"{value} is out of range"))
    for category, multiplier in (terms.get("recognition_multipliers") or {}).items():
        if Decimal(str(multiplier)) <= 0:
            problems.append(Problem("recognition_multipliers", f"{category}: must be positive"))
    if problems:
        raise LedgerError(problems)
    for name, value in (terms.get("thresholds") or {}).items():
        if not (name.startswith(("min_", "max_")) and Decimal(str(value)) >= 0):
            problems.append(
                Problem("thresholds", f"{name}: must be min_… or max_… and not negative")
            )
    if problems:
        raise LedgerError(problems)
    if "thresholds" in terms:
        terms["thresholds"] = {k: str(v) for k, v in terms["thresholds"].items()}
    if "recognition_multipliers" in terms:
        terms["recognition_multipliers"] = {
            k: str(v) for k, v in terms["recognition_multipliers"].items()
        }
    row = FundTerms(fund_id=entity.id, effective_from=effective_from, created_by=actor, **terms)
    session.add(row)
    session.flush()
    return row


def terms_as_of(session: Session, fund_id: int, as_of: dt.date) -> FundTerms | None:
    """The terms in force on ``as_of`` (the latest set that started on or before it)."""
    return session.scalar(
        select(FundTerms)
        .where(FundTerms.fund_id == fund_id, FundTerms.effective_from <= as_of)
        .order_by(FundTerms.effective_from.desc())
        .limit(1)
    )
