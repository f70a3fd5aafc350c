"""Loading the demo portfolio: deterministic, idempotent, one transaction.

The small demo follows the parent fund of SEED-FACTS from its set-up in August
2024 to September 2026: LP calls, calls into three sub-funds, investments in
34 companies, fees, four exits and the distributions after them, quarterly NAV
statements that lag a quarter, 返投 recognitions and a synthetic benchmark. The
large demo (``size="large"``) is a synthetic book of about 100 sub-funds,
2,000 companies and 100,000 transfers for benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from fundtrack.ledger import audit
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import Entity
from fundtrack.services import demo_portfolio as seed

ACTOR = "demo"
D = Decimal
TEN_THOUSAND = D(10_000)


@dataclass
class DemoSummary:
    loaded: bool
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return ", ".join(f"{v:,} {k}" for k, v in self.counts.items())


def load_demo(
    db: Database, size: str = "small", progress: Callable[[str], None] = print
) -> DemoSummary:
    """Load the demo portfolio once; a second call adds nothing."""
    with db.write() as session:
        marker = "SF-L001" if size == "large" else "SF-DIGITAL"
        if session.scalar(select(Entity.id).where(Entity.code == marker)):
            return DemoSummary(loaded=False)
        if session.scalar(select(Entity.id).where(Entity.code == seed.PARENT["code"])):
            other = "small" if size == "large" else "large"
            raise LedgerError(
                Problem(
                    "database",
                    f"it already holds the {other} demo or other data; "
                    "point DATABASE_URL at an empty database",
                )
            )
        if size == "large":
            from fundtrack.services.demo_large import build_large

            counts = build_large(session, progress)
        else:
            from fundtrack.services.demo_small import SmallDemo

            counts = SmallDemo(session).build()
        audit.record(session, ACTOR, "demo.load", "demo", size, **counts)
    db.refresh_statistics()
    return DemoSummary(loaded=True, counts=counts)
