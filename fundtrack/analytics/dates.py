"""Date handling shared by the analytics: every date becomes a whole day number.

Callers hand us `datetime.date`, `datetime.datetime`, numpy `datetime64`, pandas timestamps or
ISO strings. Internally a date is an int64 count of days since 1970-01-01, so day counts are
plain integer subtraction. Times of day are dropped (floored to the day), as Excel's XIRR does,
so a flow at 23:59 and one at 00:01 on the same day are the same day.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.0  # ACT/365F, as Excel, LibreOffice and pyxirr count years
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def to_days(dates: Iterable | np.ndarray | pd.Series | pd.Index) -> np.ndarray:
    """Return an int64 array of day numbers (days since 1970-01-01) for any date-like input."""
    if isinstance(dates, pd.Series | pd.Index):
        values = dates.to_numpy()
    elif isinstance(dates, np.ndarray):
        values = dates
    else:
        items = dates if isinstance(dates, list | tuple) else list(dates)
        if items and isinstance(items[0], _dt.date):
            try:
                # date, datetime and Timestamp all know their (wall-clock) day ordinal; this
                # is several times faster than any parser.
                ordinals = np.fromiter(map(_dt.date.toordinal, items), np.int64, len(items))
                return ordinals - _EPOCH_ORDINAL
            except TypeError:
                pass  # a mixed list: let the parsers below sort it out
        values = np.asarray(items, dtype=object)
    if values.dtype.kind == "M":
        # The fast path: already datetime64, no per-element Python work.
        return values.astype("datetime64[D]").view(np.int64)
    if values.size == 0:
        return np.empty(0, dtype=np.int64)
    try:
        # numpy parses dates, datetimes and ISO strings itself, far faster than pandas; it
        # warns on time zones, which are left to pandas below.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return values.astype("datetime64[D]").view(np.int64)
    except (ValueError, TypeError, UserWarning):
        pass
    parsed = pd.to_datetime(pd.Index(values.ravel()))
    if parsed.tz is not None:
        # A wall-clock date is what the statement says; the zone only shifts it.
        parsed = parsed.tz_localize(None)
    if parsed.hasnans:
        raise ValueError("dates contain missing values")
    return parsed.to_numpy().astype("datetime64[D]").astype(np.int64)


def to_day(value) -> int:
    """Return the day number of one date-like value."""
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[D]").astype(np.int64))
    if isinstance(value, _dt.datetime):
        value = value.date() if value.tzinfo is None else value.replace(tzinfo=None).date()
    if isinstance(value, _dt.date):
        return (value - _dt.date(1970, 1, 1)).days
    return int(to_days([value])[0])


def to_date(day: int) -> _dt.date:
    """Return the `datetime.date` of a day number."""
    return _dt.date(1970, 1, 1) + _dt.timedelta(days=int(day))


def years_between(start_day: int | np.ndarray, end_day: int | np.ndarray) -> float | np.ndarray:
    """ACT/365F year fraction from `start_day` to `end_day`."""
    return (np.asarray(end_day) - np.asarray(start_day)) / DAYS_PER_YEAR


def add_years(day: int, years: int) -> int:
    """Same calendar day `years` later (or earlier); 29 February falls back to the 28th."""
    date = to_date(day)
    year = date.year + years
    try:
        moved = date.replace(year=year)
    except ValueError:
        moved = date.replace(year=year, day=28)
    return to_day(moved)


def quarter_ends(start, end) -> list[_dt.date]:
    """Calendar quarter ends from the one on or after `start` up to `end` (inclusive)."""
    first, last = to_date(to_day(start)), to_date(to_day(end))
    ends = pd.date_range(first, last, freq="QE")
    return [stamp.date() for stamp in ends]
