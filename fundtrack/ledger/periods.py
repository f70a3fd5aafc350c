"""Quarters and closed periods. Dates are calendar dates in the fund's zone (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.models import ClosedPeriod

FUND_ZONE = ZoneInfo("Asia/Shanghai")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


def today() -> dt.date:
    """Today's date where the fund is, whatever the server's time zone."""
    return dt.datetime.now(FUND_ZONE).date()


def parse_quarter(text: str) -> tuple[dt.date, dt.date]:
    """``'2026Q3'`` → (2026-07-01, 2026-09-30)."""
    match = _QUARTER.match(text.strip())
    if not match:
        raise LedgerError(Problem("quarter", f"{text!r} is not a quarter like 2026Q3"))
    year, q = int(match[1]), int(match[2])
    start = dt.date(year, 3 * q - 2, 1)
    return start, quarter_end(start)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    next_month = dt.date(day.year + (month == 12), month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every quarter end from the quarter of ``first`` up to ``last``."""
    ends, day = [], quarter_end(first)
    while day <= last:
        ends.append(day)
        day = quarter_end(day + dt.timedelta(days=1))
    return ends


def previous_quarter(quarter: str) -> str:
    start, _ = parse_quarter(quarter)
    return quarter_of(start - dt.timedelta(days=1))


def closed_quarter_containing(session: Session, day: dt.date) -> str | None:
    return session.scalar(
        select(ClosedPeriod.quarter).where(
            ClosedPeriod.start_date <= day, ClosedPeriod.end_date >= day
        )
    )


def check_open(session: Session, day: dt.date, field: str = "date") -> Problem | None:
    closed = closed_quarter_containing(session, day)
    if closed:
        return Problem(field, f"{day.isoformat()} lies in {closed}, which is closed")
    return None


def close_quarter(session: Session, quarter: str, *, actor: str) -> ClosedPeriod:
    start, end = parse_quarter(quarter)
    quarter = quarter_of(start)
    if session.scalar(select(ClosedPeriod).where(ClosedPeriod.quarter == quarter)):
        raise LedgerError(Problem("quarter", f"{quarter} is already closed"))
    period = ClosedPeriod(quarter=quarter, start_date=start, end_date=end, closed_by=actor)
    session.add(period)
    session.flush()
    return period
