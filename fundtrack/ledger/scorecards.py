"""The annual performance evaluation (绩效评价) specification: indicators, weights, targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import ScorecardItem


def set_scorecard(session: Session, year: int, items: Iterable[Mapping], *, actor: str) -> int:
    """Replace the specification for ``year`` (a specification is data, not a posting)."""
    rows, problems = [], []
    for i, item in enumerate(items, start=1):
        if item.get("direction") not in ("min", "max"):
            problems.append(Problem("direction", f"item {i}: must be min or max"))
        if Decimal(str(item.get("weight", 0))) <= 0:
            problems.append(Problem("weight", f"item {i}: must be positive"))
        rows.append(
            ScorecardItem(
                year=year,
                indicator=str(item["indicator"]),
                weight=Decimal(str(item.get("weight", 0))),
                target=Decimal(str(item.get("target", 0))),
                direction=str(item.get("direction")),
                created_by=actor,
            )
        )
    if problems:
        raise LedgerError(problems)
    session.execute(delete(ScorecardItem).where(ScorecardItem.year == year))
    session.add_all(rows)
    session.flush()
    return len(rows)


def scorecard_spec(session: Session, year: int) -> tuple[int | None, list[dict]]:
    """The specification in force for ``year``: that year's, or the latest earlier one."""
    spec_year = session.scalar(
        select(func.max(ScorecardItem.year)).where(ScorecardItem.year <= year)
    )
    if spec_year is None:
        return None, []
    items = session.scalars(
        select(ScorecardItem).where(ScorecardItem.year == spec_year).order_by(ScorecardItem.id)
    )
    return spec_year, [
        {
            "indicator": i.indicator,
            "weight": float(i.weight),
            "target": float(i.target),
            "direction": i.direction,
        }
        for i in items
    ]
