"""Takahashi–Alexander model re-derived by hand, and the liquidity and pacing built on it."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.analytics import (
    commitment_pacing,
    parent_liquidity,
    subfund_forecasts,
    takahashi_alexander,
)


def test_first_two_years_by_hand():
    """Takahashi & Alexander (2002): C_t = RC_t (CC - PIC_{t-1}); RD_t = max(Y, (t/L)^B);
    D_t = RD_t NAV_{t-1} (1+G); NAV_t = NAV_{t-1} (1+G) + C_t - D_t.
    CC = 100, RC = (0.25, 0.333), G = 0.13, B = 2.5, L = 12, Y = 0."""
    model = takahashi_alexander(100, [0.25, 0.333], 0.13, 2.5, 12, periods=3)
    c1 = 0.25 * 100
    d1 = max(0.0, (1 / 12) ** 2.5) * 0 * 1.13
    nav1 = 0 * 1.13 + c1 - d1
    c2 = 0.333 * (100 - c1)
    d2 = (2 / 12) ** 2.5 * nav1 * 1.13
    nav2 = nav1 * 1.13 + c2 - d2
    c3 = 0.333 * (100 - c1 - c2)  # the last rate repeats
    assert model.loc[1].tolist() == pytest.approx([c1, d1, nav1])
    assert model.loc[2].tolist() == pytest.approx([c2, d2, nav2])
    assert model.loc[3, "contributions"] == pytest.approx(c3)
    assert list(model.columns) == ["contributions", "distributions", "nav"]


def test_yield_floor_and_full_distribution_at_end_of_life():
    """RD_t = max(Y, (t/L)^B): with Y = 0.3 > (2/4)^2 the yield applies in year 2; at t = L,
    RD = 1 pays out all of NAV_{L-1} (1+G), leaving only that year's call."""
    model = takahashi_alexander(100, 0.5, 0.1, 2.0, 4, yield_=0.3, periods=5)
    assert model.loc[2, "distributions"] == pytest.approx(0.3 * model.loc[1, "nav"] * 1.1)
    assert model.loc[4, "distributions"] == pytest.approx(model.loc[3, "nav"] * 1.1)
    assert model.loc[4, "nav"] == pytest.approx(model.loc[4, "contributions"])
    assert model.loc[5].tolist() == pytest.approx([0.0, model.loc[4, "nav"] * 1.1, 0.0])
    assert len(takahashi_alexander(100, 0.5, 0.1, 2.0, 4)) == 4


def test_quarterly_steps_call_the_annual_share():
    """Four quarterly steps at 1 - (1 - RC)^(1/4) call RC of the commitment in year one."""
    model = takahashi_alexander(100, 0.4, 0.1, 2.0, 10, periods=4, periods_per_year=4)
    assert model["contributions"].sum() == pytest.approx(40.0)
    assert len(takahashi_alexander(100, 0.4, 0.1, 2.0, 10, periods_per_year=4)) == 40


def test_running_fund_starts_from_its_state():
    model = takahashi_alexander(100, 0.5, 0.0, 1.0, 10, nav0=50, paid_in0=80, age=5, periods=1)
    assert model.loc[1, "contributions"] == pytest.approx(0.5 * 20)
    assert model.loc[1, "distributions"] == pytest.approx(0.6 * 50)


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 1e9), st.floats(0.05, 1), st.floats(-0.3, 0.5), st.floats(0.5, 5),
       st.integers(2, 15), st.sampled_from([1, 4]))
def test_contributions_within_commitment_and_nav_not_negative(cc, rc, g, bow, life, ppy):
    model = takahashi_alexander(cc, rc, g, bow, life, periods_per_year=ppy)
    assert model["contributions"].sum() <= cc * (1 + 1e-12)
    assert (model["nav"] >= -1e-9 * cc).all()
    assert (model["distributions"] >= 0).all()


SUBFUNDS = pd.DataFrame({
    "fund": ["digital", "energy"], "commitment": [1000.0, 500.0], "paid_in": [400.0, 500.0],
    "nav": [450.0, 600.0], "stake": [0.3, 0.2], "rate_of_contribution": [0.4, 0.4],
    "growth": [0.1, 0.08], "bow": [2.5, 2.0], "life": [8, 7], "age": [3.0, 4.0],
})


def test_parent_liquidity_is_stake_weighted_sum():
    forecasts = subfund_forecasts(SUBFUNDS, "2026-09-30")
    assert forecasts["date"].iloc[0].isoformat() == "2026-12-31"
    liquidity = parent_liquidity(forecasts)
    digital = forecasts[forecasts.fund == "digital"]["contributions"].sum()
    energy = forecasts[forecasts.fund == "energy"]["contributions"].sum()
    assert liquidity["calls"].sum() == pytest.approx(0.3 * digital + 0.2 * energy)
    assert energy == pytest.approx(0.0)  # fully paid in: nothing left to call
    assert liquidity["cumulative_net"].iloc[-1] == pytest.approx(liquidity["net"].sum())


def test_pacing_reaches_the_target():
    plan = commitment_pacing(500, 5, 0.3, 0.1, 2.5, 10, existing_nav=[300, 250, 200, 150, 100])
    assert plan["projected_nav"].iloc[-1] == pytest.approx(500)
    assert plan["commitment"].nunique() == 1
    assert commitment_pacing(50, 2, 0.3, 0.1, 2.5, 10, existing_nav=[80, 60])[
        "commitment"].iloc[0] == 0
