"""The list-based horizon IRRs and history against the DataFrame reference they replaced.

The reference below is the former implementation (masks over each fund's flows, one
``xirr_many_result`` frame for all IRRs). The current code must give the very same values,
every float bit for bit: the dashboard prints them and must not change by a digit.
"""

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fundtrack.analytics import horizons as hz
from fundtrack.analytics import xirr_many_result
from fundtrack.analytics.batch import xirr_runs
from fundtrack.analytics.dates import add_years, to_date, to_day, to_days

# ---------------------------------------------------------------- the former implementation


class _RefFund:
    def __init__(self, dates, amounts, nav_dates, nav_values):
        self.flow_days = to_days(dates)
        self.amounts = np.asarray(amounts, dtype=float)
        nav_days = to_days(nav_dates)
        order = np.argsort(nav_days, kind="stable")
        self.nav_days = nav_days[order]
        self.nav_values = np.asarray(nav_values, dtype=float)[order]

    def nav_at(self, day):
        at = np.searchsorted(self.nav_days, day, side="right") - 1
        if at >= 0:
            base_day, base = int(self.nav_days[at]), float(self.nav_values[at])
            since = (self.flow_days > base_day) & (self.flow_days <= day)
        else:
            base_day, base = None, 0.0
            since = self.flow_days <= day
        value = max(base - float(self.amounts[since].sum()), 0.0)
        return value, (None if base_day is None else day - base_day)


def _ref_funds(flows, navs):
    nav_groups = dict(tuple(navs.groupby("fund", sort=False)))
    empty = navs.iloc[0:0]
    out = {}
    for fund, part in flows.groupby("fund", sort=True):
        reported = nav_groups.get(fund, empty)
        out[fund] = _RefFund(part["date"], part["amount"], reported["date"], reported["nav"])
    return out


def _ref_solve(records, rows):
    if not rows:
        return
    frame = pd.DataFrame(
        {
            "group": np.concatenate([np.full(len(d), g) for g, d, _ in rows]),
            "date": np.concatenate([d for _, d, _ in rows]).astype("datetime64[D]"),
            "amount": np.concatenate([a for _, _, a in rows]),
        }
    )
    solved = xirr_many_result(frame)
    for i, rate, reason in zip(
        solved.index.tolist(), solved["rate"].tolist(), solved["reason"].tolist(), strict=True
    ):
        records[i]["irr"] = rate
        records[i]["reason"] = reason


def _ref_with_none(table, columns):
    for column in columns:
        values = [
            None if v is None or (isinstance(v, float) and np.isnan(v)) else v
            for v in table[column].tolist()
        ]
        table[column] = pd.Series(values, index=table.index, dtype=object)
    return table


def ref_horizon_irrs(flows, navs, as_of, horizons=(1, 3, 5)):
    end = to_day(as_of)
    records, rows = [], []
    for fund, data in _ref_funds(flows, navs).items():
        end_value = data.nav_at(end)[0]
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
                start_value = data.nav_at(start)[0]
                keep = upto & (data.flow_days > start)
            record.update(start=to_date(start), start_value=start_value, reason=None)
            if years is not None and inception > start:
                record["reason"] = f"the fund is younger than {years} years"
            else:
                days = np.concatenate(([start], data.flow_days[keep], [end]))
                amounts = np.concatenate(([-start_value], data.amounts[keep], [end_value]))
                rows.append((len(records), days, amounts))
            records.append(record)
    _ref_solve(records, rows)
    table = pd.DataFrame.from_records(
        records, columns=["fund", "horizon", "start", "start_value", "end_value", "irr", "reason"]
    )
    return _ref_with_none(table, ("irr", "reason", "start", "start_value"))


def ref_performance_history(flows, navs, as_of):
    days = sorted(to_day(d) for d in as_of)
    records, rows = [], []
    for fund, data in _ref_funds(flows, navs).items():
        for day in days:
            upto = data.flow_days <= day
            amounts = data.amounts[upto]
            value, age = data.nav_at(day)
            paid_in = float(-amounts[amounts < 0].sum())
            distributed = float(amounts[amounts > 0].sum())
            ratio = paid_in > 0
            records.append(
                {
                    "fund": fund,
                    "as_of": to_date(day),
                    "paid_in": paid_in,
                    "distributed": distributed,
                    "nav": value,
                    "nav_age_days": age,
                    "dpi": distributed / paid_in if ratio else None,
                    "tvpi": (distributed + value) / paid_in if ratio else None,
                    "irr": None,
                    "reason": "nothing paid in yet" if not ratio else None,
                }
            )
            if ratio:
                rows.append(
                    (
                        len(records) - 1,
                        np.append(data.flow_days[upto], day),
                        np.append(amounts, value),
                    )
                )
    _ref_solve(records, rows)
    table = pd.DataFrame.from_records(
        records,
        columns=[
            "fund",
            "as_of",
            "paid_in",
            "distributed",
            "nav",
            "nav_age_days",
            "dpi",
            "tvpi",
            "irr",
            "reason",
        ],
    )
    return _ref_with_none(table, ("irr", "dpi", "tvpi", "nav_age_days", "reason"))


# ---------------------------------------------------------------- random funds

BASE = dt.date(2015, 1, 1)
FUNDS = ("A", "B", "C")
# Amounts of very different sizes and signs, with cents and zeros, so sums in another order
# or grouping would round differently.
AMOUNT = st.one_of(
    st.just(0.0),
    st.integers(-(10**9), 10**9).map(lambda c: c / 100),
    st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False),
    st.sampled_from([-1e6, -250.0, 0.01, 3e5, 1e8]),
)
DAY = st.integers(0, 12 * 365)
FLOWS = st.lists(st.tuples(st.sampled_from(FUNDS), DAY, AMOUNT), min_size=1, max_size=60)
NAVS = st.lists(
    st.tuples(st.sampled_from(FUNDS), DAY, st.floats(0, 1e8, allow_nan=False)), max_size=8
)
AS_OF = st.lists(DAY, min_size=1, max_size=12)


def frames(flows, navs):
    """Flows and NAVs as the DataFrame API takes them; rows in the drawn (unsorted) order."""
    flow_frame = pd.DataFrame(
        {
            "fund": [f for f, _, _ in flows],
            "date": [BASE + dt.timedelta(days=d) for _, d, _ in flows],
            "amount": [a for _, _, a in flows],
        }
    )
    nav_frame = pd.DataFrame(
        {
            "fund": [f for f, _, _ in navs],
            "date": [BASE + dt.timedelta(days=d) for _, d, _ in navs],
            "nav": [v for _, _, v in navs],
        },
        columns=["fund", "date", "nav"],
    )
    return flow_frame, nav_frame


def same(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Equal columns, dtypes and values, floats compared by their exact repr."""
    assert list(table.columns) == list(reference.columns)
    assert table.dtypes.astype(str).tolist() == reference.dtypes.astype(str).tolist()
    assert repr(table.to_dict("records")) == repr(reference.to_dict("records"))


# Long enough that numpy's pairwise sums differ from running totals: a sum taken in any
# other grouping than the reference's shows in the last digits.
AWKWARD = [
    -123.02,
    -29.87,
    -27.41,
    -89059.18,
    -45467078.52,
    -99164.66,
    601436.03,
    134021524.56,
    -4922065.19,
    -620474.9,
    48984.21,
    35688.7,
    105.41,
    -93046.8,
    -292.52,
    695.3,
    -134421454.73,
    -45.76,
    -190.12,
    -1289.54,
    -184173503.78,
    -235091.13,
    -126744648.14,
    271.26,
]
LONG_FUND = [("A", 30 * i + i % 3, a) for i, a in enumerate(AWKWARD)]
LONG_AS_OF = list(range(0, 30 * len(AWKWARD), 45))

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SORTED_FUND = [
    ("A", d, a)
    for d, a in [(0, -100.0), (10, -50.25), (10, -7.0), (40, 30.0), (90, 5.5), (90, -1.0)]
]


@SETTINGS
@given(FLOWS, NAVS, AS_OF)
@example(SORTED_FUND, [("A", 20, 120.0)], [5, 10, 60, 90, 400])
@example(LONG_FUND, [("A", 200, 5e8)], LONG_AS_OF)
@example(LONG_FUND[::-1], [], LONG_AS_OF)
def test_performance_history_equals_reference(flows, navs, as_of):
    flow_frame, nav_frame = frames(flows, navs)
    dates = [BASE + dt.timedelta(days=d) for d in as_of]
    same(
        hz.performance_history(flow_frame, nav_frame, dates),
        ref_performance_history(flow_frame, nav_frame, dates),
    )


@SETTINGS
@given(FLOWS, NAVS, DAY, st.sampled_from([(1, 3, 5), (1, 2), (10,)]))
@example(SORTED_FUND, [("A", 20, 120.0)], 800, (1, 3, 5))
@example(LONG_FUND, [("A", 200, 5e8)], 700, (1,))
def test_horizon_irrs_equal_reference(flows, navs, as_of, horizons):
    flow_frame, nav_frame = frames(flows, navs)
    day = BASE + dt.timedelta(days=as_of)
    same(
        hz.horizon_irrs(flow_frame, nav_frame, day, horizons),
        ref_horizon_irrs(flow_frame, nav_frame, day, horizons),
    )


@SETTINGS
@given(FLOWS, NAVS, AS_OF, st.booleans())
@example(SORTED_FUND, [("A", 20, 120.0)], [5, 10, 60, 90, 400], False)
@example(LONG_FUND, [("A", 200, 5e8)], LONG_AS_OF, True)
@example(LONG_FUND[::-1], [], LONG_AS_OF, False)
def test_list_cores_equal_reference_for_one_fund(flows, navs, as_of, in_date_order):
    """The plain-sequence forms give the reference's values, field for field."""
    flows = [("A", d, a) for _, d, a in flows]
    if in_date_order:
        flows.sort(key=lambda row: row[1])
    navs = [("A", d, v) for _, d, v in navs]
    flow_frame, nav_frame = frames(flows, navs)
    args = (
        flow_frame["date"].tolist(),
        flow_frame["amount"].tolist(),
        nav_frame["date"].tolist(),
        nav_frame["nav"].tolist(),
    )
    dates = [BASE + dt.timedelta(days=d) for d in as_of]

    history = ref_performance_history(flow_frame, nav_frame, dates)
    rows = hz.performance_history_rows(*args, dates)
    expected = history.drop(columns="fund").to_dict("records")
    # The frame turns a column of ints and None into floats; the rows keep the ints.
    assert all(type(r["nav_age_days"]) in (int, type(None)) for r in rows)
    for row in rows:
        if row["nav_age_days"] is not None:
            row["nav_age_days"] = float(row["nav_age_days"])
    for row in expected:
        if row["nav_age_days"] is not None:
            row["nav_age_days"] = float(row["nav_age_days"])
    assert repr(rows) == repr(expected)

    end = dates[-1]
    horizon = ref_horizon_irrs(flow_frame, nav_frame, end)
    assert repr(hz.horizon_irr_rows(*args, end)) == repr(
        horizon.drop(columns="fund").to_dict("records")
    )


GROUP = st.lists(st.tuples(st.integers(0, 3000), AMOUNT), min_size=1, max_size=70)


@SETTINGS
@given(st.lists(GROUP, min_size=1, max_size=12))
@example([[(0, -100.0), (365, 110.0)]])
@example([[(0, -100.0), (0, 100.0)], [(5, 0.0)], [(3, 1.0), (9, 2.0)], [(4, -1.0), (1, 3.0)]])
def test_batch_core_equals_xirr_many_result(groups):
    """Rates bit for bit and reasons as the frame-based batch solver gives them, for groups
    in and out of date order, of mixed lengths (several panels), one-sided, one-day or
    all-zero."""
    days = np.array([d for g in groups for d, _ in g], dtype=np.int64)
    amounts = np.array([a for g in groups for _, a in g], dtype=float)
    counts = [len(g) for g in groups]
    rates, reasons = xirr_runs(days, amounts, counts)
    frame = pd.DataFrame(
        {
            "group": np.repeat(np.arange(len(groups)), counts),
            "date": days.astype("datetime64[D]"),
            "amount": amounts,
        }
    )
    expected = xirr_many_result(frame)
    assert repr(rates) == repr(expected["rate"].tolist())
    assert reasons == expected["reason"].tolist()
