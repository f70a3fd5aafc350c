"""xirr_many gives every group exactly what xirr gives it."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundtrack.analytics import xirr, xirr_many, xirr_many_result, xirr_result


def _assert_same_as_scalar(frame: pd.DataFrame) -> None:
    many = xirr_many_result(frame)
    assert many["rate"].dtype == object
    for group, part in frame.groupby("group"):
        expected = xirr_result(part["date"], part["amount"])
        rate, reason = many["rate"][group], many["reason"][group]
        if expected.rate is None:
            assert rate is None
            assert reason == expected.reason
        else:
            # 1e-9 absolute; relative for the absurd rates (1e50) tiny day spans can give.
            assert rate == pytest.approx(expected.rate, rel=1e-12, abs=1e-9)
            assert reason is None


def _fund_like(rng: np.random.Generator, groups: int, quarters: int) -> pd.DataFrame:
    """Calls early, distributions later, overlapping; NAV as the last flow (many sign changes)."""
    q = np.arange(quarters)
    calls = (rng.uniform(size=(groups, quarters)) < np.clip(1 - q / 16, 0.05, 1)) * -1.0
    calls *= rng.uniform(0.5, 1.5, (groups, quarters))
    dists = (rng.uniform(size=(groups, quarters)) < np.clip(q / 30, 0, 1))
    amounts = calls + dists * rng.uniform(0.2, 2.0, (groups, quarters))
    amounts[:, -1] = rng.uniform(0, 20, groups)
    starts = np.datetime64("2010-03-31") + rng.integers(0, 2000, groups)
    dates = (starts[:, None] + (q * 91)[None, :]).ravel()
    return pd.DataFrame({"group": np.repeat(np.arange(groups), quarters), "date": dates,
                         "amount": amounts.ravel()})


def test_realistic_funds_match_scalar():
    _assert_same_as_scalar(_fund_like(np.random.default_rng(7), 150, 40))


def test_unsorted_rows_string_groups_and_none_groups():
    frame = _fund_like(np.random.default_rng(3), 20, 12)
    frame["group"] = "F" + frame["group"].astype(str)
    extra = pd.DataFrame({
        "group": ["all-in", "all-in", "zeros", "one-day", "one-day"],
        "date": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-01-01", "2020-05-05",
                                "2020-05-05"]),
        "amount": [-5.0, -6.0, 0.0, -1.0, 2.0],
    })
    frame = pd.concat([frame, extra]).sample(frac=1.0, random_state=1)
    _assert_same_as_scalar(frame)
    result = xirr_many(frame)
    assert result.index.is_monotonic_increasing
    assert result["all-in"] is None
    assert result["zeros"] is None


def test_groups_of_very_different_lengths():
    rng = np.random.default_rng(11)
    parts = [_fund_like(rng, 30, 8), _fund_like(rng, 3, 400)]
    parts[1]["group"] += 1000
    _assert_same_as_scalar(pd.concat(parts, ignore_index=True))


def test_excel_example_in_a_batch():
    """Microsoft Support, XIRR function example, solved as one group among others."""
    dates = pd.to_datetime(["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"])
    frame = pd.DataFrame({"group": ["a"] * 5 + ["b"] * 2,
                          "date": [*dates, dates[0], dates[-1]],
                          "amount": [-10000, 2750, 4250, 3250, 2750, -1, 2]})
    assert xirr_many(frame)["a"] == pytest.approx(0.373362535, abs=1e-8)


def test_empty_frame():
    empty = pd.DataFrame({"group": [], "date": pd.to_datetime([]), "amount": []})
    assert len(xirr_many(empty)) == 0


@st.composite
def frames(draw):
    n_groups = draw(st.integers(1, 6))
    rows = []
    for g in range(n_groups):
        n = draw(st.integers(1, 12))
        offsets = draw(st.lists(st.integers(0, 4000), min_size=n, max_size=n))
        amounts = draw(st.lists(st.one_of(st.just(0.0), st.floats(-500, 500)),
                                min_size=n, max_size=n))
        rows += [(g, dt.date(2015, 1, 1) + dt.timedelta(days=o), a)
                 for o, a in zip(offsets, amounts, strict=True)]
    return pd.DataFrame(rows, columns=["group", "date", "amount"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_property_many_equals_scalar(frame):
    _assert_same_as_scalar(frame)


def test_single_series_equals_xirr():
    frame = _fund_like(np.random.default_rng(5), 1, 40)
    assert xirr_many(frame)[0] == pytest.approx(xirr(frame["date"], frame["amount"]), abs=1e-12)
