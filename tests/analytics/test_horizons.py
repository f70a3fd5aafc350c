"""NAV roll-forward, horizon IRRs and J-curve history, checked by hand."""

import datetime as dt

import pandas as pd
import pytest

from fundtrack.analytics import (
    horizon_irrs,
    multiples,
    performance_history,
    quarter_ends,
    roll_forward_nav,
    xirr,
)

FLOWS = pd.DataFrame({
    "fund": ["A"] * 4 + ["B"],
    "date": pd.to_datetime(["2019-01-01", "2020-06-30", "2021-03-31", "2022-09-30",
                            "2022-01-01"]),
    "amount": [-100.0, -50.0, 30.0, 20.0, -10.0],
})
NAVS = pd.DataFrame({
    "fund": ["A", "A", "A", "B"],
    "date": pd.to_datetime(["2021-12-31", "2022-12-31", "2020-12-31", "2022-12-31"]),
    "nav": [140.0, 150.0, 160.0, 12.0],
})


def test_roll_forward_adds_calls_and_subtracts_distributions():
    """Last report 140 on 2021-12-31; a 20 distribution on 2022-09-30: 140 - 20 = 120; as of
    2022-10-31 the report is 304 days old."""
    navs = NAVS[NAVS.fund == "A"].set_index("date")["nav"]
    flows = FLOWS[FLOWS.fund == "A"]
    rolled = roll_forward_nav(navs, flows["date"], flows["amount"], "2022-10-31")
    assert rolled.value == 120.0
    assert rolled.reported_date == dt.date(2021, 12, 31)
    assert rolled.age_days == 304


def test_roll_forward_without_report_is_cost_and_never_negative():
    empty = pd.Series([], index=pd.to_datetime([]), dtype=float)
    rolled = roll_forward_nav(empty, ["2020-01-01", "2020-02-01"], [-100, 30], "2020-03-01")
    assert (rolled.value, rolled.age_days, rolled.reported_date) == (70.0, None, None)
    over = roll_forward_nav(empty, ["2020-01-01", "2020-02-01"], [-100, 300], "2020-03-01")
    assert over.value == 0.0


def test_horizon_irrs():
    """As of 2022-12-31 fund A: 1-year IRR from NAV 140 on 2021-12-31, a 20 distribution on
    2022-09-30 and NAV 150 at the end; since inception all flows plus NAV 150; fund A is
    younger than 5 years; fund B younger than 1."""
    table = horizon_irrs(FLOWS, NAVS, "2022-12-31", horizons=(1, 5)).set_index(
        ["fund", "horizon"])
    one_year = xirr(["2021-12-31", "2022-09-30", "2022-12-31"], [-140, 20, 150])
    assert table.loc[("A", "1y"), "irr"] == pytest.approx(one_year, abs=1e-12)
    assert table.loc[("A", "1y"), "start_value"] == 140.0
    inception = xirr(["2019-01-01", "2020-06-30", "2021-03-31", "2022-09-30", "2022-12-31"],
                     [-100, -50, 30, 20, 150])
    assert table.loc[("A", "inception"), "irr"] == pytest.approx(inception, abs=1e-12)
    assert table.loc[("A", "5y"), "irr"] is None
    assert "younger than 5" in table.loc[("A", "5y"), "reason"]
    assert table.loc[("B", "1y"), "irr"] is None


def test_history_matches_multiples_and_xirr_at_each_date():
    dates = quarter_ends("2020-01-01", "2022-12-31")
    assert dates[0] == dt.date(2020, 3, 31)
    assert dates[-1] == dt.date(2022, 12, 31)
    history = performance_history(FLOWS, NAVS, dates)
    assert len(history) == 2 * len(dates)
    row = history[(history.fund == "A") & (history.as_of == dt.date(2021, 6, 30))].iloc[0]
    # NAV: report of 2020-12-31 (160) less the 30 distributed on 2021-03-31.
    assert row["nav"] == 130.0
    expected = multiples([100, 50], [30], 130)
    assert row["dpi"] == pytest.approx(expected["dpi"])
    assert row["tvpi"] == pytest.approx(expected["tvpi"])
    assert row["irr"] == pytest.approx(
        xirr(["2019-01-01", "2020-06-30", "2021-03-31", "2021-06-30"], [-100, -50, 30, 130]),
        abs=1e-9)
    early = history[(history.fund == "B") & (history.as_of == dt.date(2020, 3, 31))].iloc[0]
    assert early["irr"] is None
    assert early["dpi"] is None
