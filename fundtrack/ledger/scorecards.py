"""The annual performance evaluation (绩效评价) specification: indicators, weights, targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import bindparam, delete, func, select
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
    session.flush()  # items set in this session count
    connection = session.connection()
    spec_year = connection.execute(_SPEC_YEAR, {"year": year}).scalar()
    if spec_year is None:
        return None, []
    return spec_year, [
        {
            "indicator": indicator,
            "weight": float(weight),
            "target": float(target),
            "direction": direction,
        }
        for indicator, weight, target, direction in connection.execute(
            _SPEC_ITEMS, {"year": spec_year}
        )
    ]


# Built once: a dashboard asks for the specification on every request.
_SPEC_YEAR = select(func.max(ScorecardItem.year)).where(ScorecardItem.year <= bindparam("year"))
_SPEC_ITEMS = (
    select(
        ScorecardItem.indicator,
        ScorecardItem.weight,
        ScorecardItem.target,
        ScorecardItem.direction,
    )
    .where(ScorecardItem.year == bindparam("year"))
    .order_by(ScorecardItem.id)
)
