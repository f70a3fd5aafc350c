"""The as-of date of an analytic page: ``?as_of=2026-09-30``, today (in Shanghai) by default."""

from __future__ import annotations

import datetime as dt

from flask import abort, request

from fundtrack.ledger.periods import quarter_end, today

EARLIEST = dt.date(1990, 1, 1)


def requested_as_of() -> dt.date:
    """The page's as-of date; a malformed or absurd value is a 400, never a query."""
    text = request.args.get("as_of", "").strip()
    if not text:
        return today()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        abort(400, description="as_of must be a date like 2026-09-30")
    if not EARLIEST <= day <= dt.date(2200, 12, 31):
        abort(400, description="as_of is out of range")
    return day


def _previous_end(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)


def recent_quarter_ends(day: dt.date, count: int = 8) -> list[dt.date]:
    """Quarter ends to offer in the as-of selector: the last ``count`` on or before ``day``."""
    current = day if quarter_end(day) == day else _previous_end(day)
    ends = []
    while len(ends) < count:
        ends.append(current)
        current = _previous_end(current)
    return ends
