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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fundtrack.analytics.batch import xirr_many_result
from fundtrack.analytics.dates import add_years, to_date, to_day, to_days


@dataclass(frozen=True)
class RolledNav:
    """NAV at a date, rolled forward from the last report, and how old that report is."""

    value: float
    reported_date: object  # datetime.date of the report used, or None when carried at cost
    reported_value: float | None
    age_days: int | None


@dataclass(frozen=True)
class _Fund:
    flow_days: np.ndarray
    amounts: np.ndarray
    nav_days: np.ndarray
    nav_values: np.ndarray

    def nav_at(self, day: int) -> RolledNav:
        at = np.searchsorted(self.nav_days, day, side="right") - 1
        if at >= 0:
            base_day, base = int(self.nav_days[at]), float(self.nav_values[at])
            since = (self.flow_days > base_day) & (self.flow_days <= day)
        else:
            base_day, base = None, 0.0
            since = self.flow_days <= day
        value = max(base - float(self.amounts[since].sum()), 0.0)
        if base_day is None:
            return RolledNav(value, None, None, None)
        return RolledNav(value, to_date(base_day), base, day - base_day)


def _fund(dates, amounts, nav_dates, nav_values) -> _Fund:
    flow_days = to_days(dates)
    values = np.asarray(amounts, dtype=float)
    nav_days = to_days(nav_dates)
    navs = np.asarray(nav_values, dtype=float)
    order = np.argsort(nav_days, kind="stable")
    return _Fund(flow_days, values, nav_days[order], navs[order])


def roll_forward_nav(navs: pd.Series, dates, amounts, as_of) -> RolledNav:
    """NAV at `as_of` for one fund: `navs` indexed by report date, flows without the NAV."""
    return roll_forward(navs.index, navs.to_numpy(dtype=float), dates, amounts, as_of)


def roll_forward(nav_dates, nav_values, dates, amounts, as_of) -> RolledNav:
    """`roll_forward_nav` with the NAV statements as two sequences (dates, values).

    For many small funds: no Series (and no DatetimeIndex) is built per fund.
    """
    return _fund(dates, amounts, nav_dates, nav_values).nav_at(to_day(as_of))


def _funds(flows: pd.DataFrame, navs: pd.DataFrame) -> dict:
    nav_groups = dict(tuple(navs.groupby("fund", sort=False)))
    empty = navs.iloc[0:0]
    out = {}
    for fund, part in flows.groupby("fund", sort=True):
        reported = nav_groups.get(fund, empty)
        out[fund] = _fund(part["date"], part["amount"], reported["date"], reported["nav"])
    return out


def _solve(rows: list[tuple[int, np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """XIRR for many (group code, days, amounts) series in one batch."""
    if not rows:
        return pd.DataFrame(columns=["rate", "reason"])
    frame = pd.DataFrame({
        "group": np.concatenate([np.full(len(d), g) for g, d, _ in rows]),
        "date": np.concatenate([d for _, d, _ in rows]).astype("datetime64[D]"),
        "amount": np.concatenate([a for _, _, a in rows]),
    })
    return xirr_many_result(frame)


def _fill_rates(records: list[dict], solved: pd.DataFrame) -> None:
    """Each solved rate and reason into its record (indexed by position in `records`)."""
    for i, rate, reason in zip(solved.index.tolist(), solved["rate"].tolist(),
                               solved["reason"].tolist(), strict=True):
        records[i]["irr"] = rate
        records[i]["reason"] = reason


def _with_none(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Object columns holding None for missing values: pandas would show NaN ("nan")."""
    for column in columns:
        values = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v
                  for v in table[column].tolist()]
        table[column] = pd.Series(values, index=table.index, dtype=object)
    return table


def horizon_irrs(flows: pd.DataFrame, navs: pd.DataFrame, as_of,
                 horizons: Sequence[int] = (1, 3, 5)) -> pd.DataFrame:
    """Since-inception and h-year IRRs of every fund at `as_of`.

    Returns columns `fund, horizon` ("inception", "1y", "3y", ...), `start` (date),
    `start_value`, `end_value`, `irr` (float or None) and `reason` (None when there is an IRR).
    """
    end = to_day(as_of)
    records, rows = [], []
    for fund, data in _funds(flows, navs).items():
        end_value = data.nav_at(end).value
        upto = data.flow_days <= end
        inception = int(data.flow_days.min()) if len(data.flow_days) else None
        for label, years in [("inception", None), *[(f"{h}y", h) for h in horizons]]:
            record = {"fund": fund, "horizon": label, "end_value": end_value, "irr": None}
            if inception is None or inception > end:
                record.update(start=None, start_value=None, reason="no cash flows by as_of")
                records.append(record)
                continue
            if years is None:
                start, start_value = inception, 0.0
                keep = upto
            else:
                start = add_years(end, -years)
                start_value = data.nav_at(start).value
                keep = upto & (data.flow_days > start)
            record.update(start=to_date(start), start_value=start_value, reason=None)
            if years is not None and inception > start:
                record["reason"] = f"the fund is younger than {years} years"
            else:
                days = np.concatenate(([start], data.flow_days[keep], [end]))
                amounts = np.concatenate(([-start_value], data.amounts[keep], [end_value]))
                rows.append((len(records), days, amounts))
            records.append(record)
    _fill_rates(records, _solve(rows))
    table = pd.DataFrame.from_records(records, columns=[
        "fund", "horizon", "start", "start_value", "end_value", "irr", "reason"])
    return _with_none(table, ("irr", "reason", "start", "start_value"))


def performance_history(flows: pd.DataFrame, navs: pd.DataFrame,
                        as_of: Iterable) -> pd.DataFrame:
    """IRR, DPI and TVPI of every fund at each date of `as_of` (e.g. quarter ends).

    Returns one row per fund and date with columns `fund, as_of, paid_in, distributed, nav,
    nav_age_days, dpi, tvpi, irr, reason`. Ratios are None while nothing has been paid in;
    `irr` is None (with `reason`) when there is no rate.
    """
    days = sorted(to_day(d) for d in as_of)
    records, rows = [], []
    for fund, data in _funds(flows, navs).items():
        for day in days:
            upto = data.flow_days <= day
            amounts = data.amounts[upto]
            rolled = data.nav_at(day)
            paid_in = float(-amounts[amounts < 0].sum())
            distributed = float(amounts[amounts > 0].sum())
            ratio = paid_in > 0
            records.append({
                "fund": fund, "as_of": to_date(day), "paid_in": paid_in,
                "distributed": distributed, "nav": rolled.value,
                "nav_age_days": rolled.age_days,
                "dpi": distributed / paid_in if ratio else None,
                "tvpi": (distributed + rolled.value) / paid_in if ratio else None,
                "irr": None, "reason": "nothing paid in yet" if not ratio else None,
            })
            if ratio:
                rows.append((len(records) - 1, np.append(data.flow_days[upto], day),
                             np.append(amounts, rolled.value)))
    _fill_rates(records, _solve(rows))
    table = pd.DataFrame.from_records(records, columns=[
        "fund", "as_of", "paid_in", "distributed", "nav", "nav_age_days", "dpi", "tvpi",
        "irr", "reason"])
    return _with_none(table, ("irr", "dpi", "tvpi", "nav_age_days", "reason"))
