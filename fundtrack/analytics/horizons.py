"""Returns over time: NAV roll-forward, horizon IRRs and quarterly history for J-curves.

Inputs (one or many funds):
    flows  DataFrame with columns `fund, date, amount`: the investor's flows with the fund,
           negative = paid in, positive = received; NAVs are not flows.
    navs   DataFrame with columns `fund, date, nav`: reported NAV statements.

NAV at a date (roll-forward, DESIGN §4): the last NAV reported on or before the date, plus calls,
minus distributions after the report up to and including the date. A fund with no report yet is
carried at cost (paid in − distributed since inception). A negative result (a distribution
larger than the last NAV plus calls) is taken as 0: the fund cannot owe the investor. The age of
the NAV is the days from the report to the date (None when carried at cost).

Horizon IRR over h years to `as_of`: the NAV at the horizon start (as_of moved back h calendar
years) is an outflow on that date, the flows after it up to `as_of` are kept, and the NAV at
`as_of` is the final inflow. A flow on the start date itself is inside the start NAV. A fund
whose first flow is after the start is younger than the horizon: None, with that reason.

Two forms of each: `performance_history_rows` and `horizon_irr_rows` take one fund as plain
sequences and return plain dicts; `performance_history` and `horizon_irrs` take DataFrames of
many funds and return a DataFrame. Both run the same per-fund code; the DataFrame form solves
the IRRs of all funds in one batch, exactly as it always has, so each rate is the same float.
The batch is `batch.xirr_many_result`'s solve taken on plain arrays (`batch.xirr_runs`): building
and reading its frames cost more than the Newton steps for a few dozen short series.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fundtrack.analytics.batch import xirr_runs
from fundtrack.analytics.dates import add_years, to_date, to_day, to_days
from fundtrack.analytics.multiples import array_sum

_HISTORY_COLUMNS = (
    "as_of",
    "paid_in",
    "distributed",
    "nav",
    "nav_age_days",
    "dpi",
    "tvpi",
    "irr",
    "reason",
)
_HORIZON_COLUMNS = ("horizon", "start", "start_value", "end_value", "irr", "reason")


@dataclass(frozen=True)
class RolledNav:
    """NAV at a date, rolled forward from the last report, and how old that report is."""

    value: float
    reported_date: object  # datetime.date of the report used, or None when carried at cost
    reported_value: float | None
    age_days: int | None


# `x.sum()` without its Python wrapper: the same reduction, so the same float, in half the time.
_total = np.add.reduce


@dataclass(frozen=True)
class _Flows:
    """Dated amounts in their given order."""

    days: np.ndarray
    amounts: np.ndarray
    # The days never go back: a date window is then a slice found by bisection, not a mask.
    # Either way it holds the same flows in the same order, so every sum is the same float.
    ordered: bool
    day_list: list[int]  # bisect on a list costs a fraction of a searchsorted call

    def at(self, after: int | None, day: int) -> slice | np.ndarray:
        """Where the flows after `after` (None: from the first) up to `day` are."""
        if self.ordered:
            lo = 0 if after is None else bisect.bisect_right(self.day_list, after)
            return slice(lo, bisect.bisect_right(self.day_list, day))
        keep = self.days <= day
        if after is not None:
            keep &= self.days > after
        return keep

    def total(self, after: int | None, day: int) -> float:
        return float(_total(self.amounts[self.at(after, day)]))


def _flows(days: np.ndarray, amounts: np.ndarray) -> _Flows:
    ordered = bool((days[1:] >= days[:-1]).all())
    return _Flows(days, amounts, ordered, days.tolist() if ordered else [])


@dataclass(frozen=True)
class _Fund:
    flows: _Flows
    paid: _Flows  # the paid-in (negative) flows alone
    received: _Flows  # the positive flows alone
    nav_days: list[int]  # in date order
    nav_values: list[float]

    def window(self, after: int | None, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Days and amounts of the flows after `after` (None: from the first) up to `day`."""
        at = self.flows.at(after, day)
        return self.flows.days[at], self.flows.amounts[at]

    def paid_in(self, day: int) -> float:
        return -self.paid.total(None, day)

    def distributed(self, day: int) -> float:
        return self.received.total(None, day)

    def nav_at(self, day: int) -> RolledNav:
        at = bisect.bisect_right(self.nav_days, day) - 1
        if at >= 0:
            base_day, base = self.nav_days[at], self.nav_values[at]
        else:
            base_day, base = None, 0.0
        value = max(base - self.flows.total(base_day, day), 0.0)
        if base_day is None:
            return RolledNav(value, None, None, None)
        return RolledNav(value, to_date(base_day), base, day - base_day)


def _fund(dates, amounts, nav_dates, nav_values) -> _Fund:
    flow_days = to_days(dates)
    values = np.asarray(amounts, dtype=float)
    nav_days = to_days(nav_dates)
    navs = np.asarray(nav_values, dtype=float)
    order = np.argsort(nav_days, kind="stable")
    paid, received = values < 0, values > 0
    return _Fund(
        _flows(flow_days, values),
        _flows(flow_days[paid], values[paid]),
        _flows(flow_days[received], values[received]),
        nav_days[order].tolist(),
        navs[order].tolist(),
    )


def roll_forward_nav(navs: pd.Series, dates, amounts, as_of) -> RolledNav:
    """NAV at `as_of` for one fund: `navs` indexed by report date, flows without the NAV."""
    return roll_forward(navs.index, navs.to_numpy(dtype=float), dates, amounts, as_of)


def roll_forward(nav_dates, nav_values, dates, amounts, as_of) -> RolledNav:
    """`roll_forward_nav` with the NAV statements as two sequences (dates, values).

    For many small funds: no Series (and no DatetimeIndex) is built per fund, and for
    lists of `datetime.date` no array either (a dashboard rolls a hundred sub-funds'
    NAVs forward, each from one statement and a few flows, where numpy's fixed cost per
    call would be most of the work). Either way, the same float.
    """
    date = dt.date
    if (
        type(as_of) is not date
        or not all(type(day) is date for day in nav_dates)
        or not all(type(day) is date for day in dates)
    ):
        return _fund(dates, amounts, nav_dates, nav_values).nav_at(to_day(as_of))
    # The latest statement on or before as_of; of two on one day, the later listed (as a
    # stable sort by date would leave it).
    at = None
    for i, day in enumerate(nav_dates):
        if day <= as_of and (at is None or day >= nav_dates[at]):
            at = i
    if at is None:
        since = [float(a) for day, a in zip(dates, amounts, strict=True) if day <= as_of]
        return RolledNav(max(0.0 - array_sum(since), 0.0), None, None, None)
    base_day, base = nav_dates[at], float(nav_values[at])
    since = [float(a) for day, a in zip(dates, amounts, strict=True) if base_day < day <= as_of]
    return RolledNav(max(base - array_sum(since), 0.0), base_day, base, (as_of - base_day).days)


def _funds(flows: pd.DataFrame, navs: pd.DataFrame) -> dict:
    nav_groups = dict(tuple(navs.groupby("fund", sort=False)))
    empty = navs.iloc[0:0]
    out = {}
    for fund, part in flows.groupby("fund", sort=True):
        reported = nav_groups.get(fund, empty)
        out[fund] = _fund(part["date"], part["amount"], reported["date"], reported["nav"])
    return out


# An IRR to solve: (index of its row, pieces of its day numbers, pieces of its amounts); the
# pieces are concatenated, so a series is never copied on its own.
_Series = tuple[int, tuple, tuple]


def _solve(rows: list[dict], series: list[_Series]) -> None:
    """Solve every series in one batch; each rate and reason goes into its row."""
    if not series:
        return
    days = np.concatenate([piece for _, pieces, _ in series for piece in pieces])
    amounts = np.concatenate([piece for _, _, pieces in series for piece in pieces])
    counts = [sum(len(piece) for piece in pieces) for _, pieces, _ in series]
    rates, reasons = xirr_runs(days, amounts.astype(float, copy=False), counts)
    for (i, _, _), rate, reason in zip(series, rates, reasons, strict=True):
        rows[i]["irr"] = rate
        rows[i]["reason"] = reason


def _history_rows(data: _Fund, days: list[int]) -> tuple[list[dict], list[_Series]]:
    """One fund's rows at each day (IRRs not yet solved) and the series to solve."""
    rows, series = [], []
    for day in days:
        flow_days, amounts = data.window(None, day)
        rolled = data.nav_at(day)
        paid_in, distributed = data.paid_in(day), data.distributed(day)
        ratio = paid_in > 0
        rows.append(
            {
                "as_of": to_date(day),
                "paid_in": paid_in,
                "distributed": distributed,
                "nav": rolled.value,
                "nav_age_days": rolled.age_days,
                "dpi": distributed / paid_in if ratio else None,
                "tvpi": (distributed + rolled.value) / paid_in if ratio else None,
                "irr": None,
                "reason": "nothing paid in yet" if not ratio else None,
            }
        )
        if ratio:
            series.append((len(rows) - 1, (flow_days, [day]), (amounts, [rolled.value])))
    return rows, series


def _horizon_rows(
    data: _Fund, end: int, horizons: Sequence[int]
) -> tuple[list[dict], list[_Series]]:
    """One fund's rows for each horizon (IRRs not yet solved) and the series to solve."""
    end_value = data.nav_at(end).value
    inception = int(data.flows.days.min()) if len(data.flows.days) else None
    rows, series = [], []
    for label, years in [("inception", None), *[(f"{h}y", h) for h in horizons]]:
        row = {
            "horizon": label,
            "start": None,
            "start_value": None,
            "end_value": end_value,
            "irr": None,
            "reason": None,
        }
        rows.append(row)
        if inception is None or inception > end:
            row["reason"] = "no cash flows by as_of"
            continue
        if years is None:
            start, start_value, after = inception, 0.0, None
        else:
            start = add_years(end, -years)
            start_value, after = data.nav_at(start).value, start
        row.update(start=to_date(start), start_value=start_value)
        if years is not None and inception > start:
            row["reason"] = f"the fund is younger than {years} years"
            continue
        flow_days, amounts = data.window(after, end)
        series.append(
            (len(rows) - 1, ([start], flow_days, [end]), ([-start_value], amounts, [end_value]))
        )
    return rows, series


def performance_history_rows(dates, amounts, nav_dates, nav_values, as_of: Iterable) -> list[dict]:
    """`performance_history` of one fund given as plain sequences: one dict per date.

    `dates`, `amounts` are the fund's flows, `nav_dates`, `nav_values` its NAV statements.
    The dicts hold the columns of `performance_history` but `fund`, with the same values.
    """
    days = sorted(to_day(d) for d in as_of)
    rows, series = _history_rows(_fund(dates, amounts, nav_dates, nav_values), days)
    _solve(rows, series)
    return rows


def horizon_irr_rows(
    dates, amounts, nav_dates, nav_values, as_of, horizons: Sequence[int] = (1, 3, 5)
) -> list[dict]:
    """`horizon_irrs` of one fund given as plain sequences: one dict per horizon.

    The dicts hold the columns of `horizon_irrs` but `fund`, with the same values.
    """
    data = _fund(dates, amounts, nav_dates, nav_values)
    rows, series = _horizon_rows(data, to_day(as_of), horizons)
    _solve(rows, series)
    return rows


def _all_funds(funds: dict, per_fund) -> list[dict]:
    """`per_fund(data)` for every fund, with the fund as the first field, solved in one batch."""
    rows, series = [], []
    for fund, data in funds.items():
        fund_rows, fund_series = per_fund(data)
        series.extend((i + len(rows), d, a) for i, d, a in fund_series)
        rows.extend({"fund": fund, **row} for row in fund_rows)
    _solve(rows, series)
    return rows


def _with_none(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Object columns holding None for missing values: pandas would show NaN ("nan")."""
    for column in columns:
        values = [
            None if v is None or (isinstance(v, float) and np.isnan(v)) else v
            for v in table[column].tolist()
        ]
        table[column] = pd.Series(values, index=table.index, dtype=object)
    return table


def horizon_irrs(
    flows: pd.DataFrame, navs: pd.DataFrame, as_of, horizons: Sequence[int] = (1, 3, 5)
) -> pd.DataFrame:
    """Since-inception and h-year IRRs of every fund at `as_of`.

    Returns columns `fund, horizon` ("inception", "1y", "3y", ...), `start` (date),
    `start_value`, `end_value`, `irr` (float or None) and `reason` (None when there is an IRR).
    """
    end = to_day(as_of)
    rows = _all_funds(_funds(flows, navs), lambda data: _horizon_rows(data, end, horizons))
    table = pd.DataFrame.from_records(rows, columns=["fund", *_HORIZON_COLUMNS])
    return _with_none(table, ("irr", "reason", "start", "start_value"))


def performance_history(flows: pd.DataFrame, navs: pd.DataFrame, as_of: Iterable) -> pd.DataFrame:
    """IRR, DPI and TVPI of every fund at each date of `as_of` (e.g. quarter ends).

    Returns one row per fund and date with columns `fund, as_of, paid_in, distributed, nav,
    nav_age_days, dpi, tvpi, irr, reason`. Ratios are None while nothing has been paid in;
    `irr` is None (with `reason`) when there is no rate.
    """
    days = sorted(to_day(d) for d in as_of)
    rows = _all_funds(_funds(flows, navs), lambda data: _history_rows(data, days))
    table = pd.DataFrame.from_records(rows, columns=["fund", *_HISTORY_COLUMNS])
    return _with_none(table, ("irr", "dpi", "tvpi", "nav_age_days", "reason"))
