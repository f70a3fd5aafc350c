"""Look-through exposure, guidance-fund indicators and the scorecard, checked by hand."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundtrack.analytics import (
    concentration,
    exposure_by,
    exposure_summary,
    guidance_indicators,
    guidance_table,
    look_through,
    reinvestment_completion,
    scorecard,
    shared_companies,
)

HOLDINGS = pd.DataFrame({
    "fund": ["digital", "digital", "energy", "energy", "incubator"],
    "company": ["X", "Y", "X", "Z", "W"],
    "value": [100.0, 50.0, 200.0, 100.0, 40.0],
    "sector": ["IT", "IT", "IT", "PV", "bio"],
    "region": ["zone", "长三角", "zone", "zone", "zone"],
    "stage": ["growth", "early", "growth", "late", "seed"],
})
STAKES = pd.Series({"digital": 0.3, "energy": 0.25, "incubator": 0.5})


def test_effective_value_is_stake_times_value():
    looked = look_through(HOLDINGS, STAKES)
    assert looked["effective_value"].tolist() == [30.0, 15.0, 50.0, 25.0, 20.0]


def test_every_dimension_adds_up_to_the_total():
    summary = exposure_summary(HOLDINGS, STAKES)
    assert summary["total"] == 140.0
    for dim in ("fund", "sector", "region", "stage", "company"):
        assert summary[dim]["effective_value"].sum() == pytest.approx(140.0)
        assert summary[dim]["share"].sum() == pytest.approx(1.0)
    assert exposure_by(HOLDINGS, STAKES, "sector").iloc[0].tolist() == ["IT", 95.0, 95 / 140]


def test_concentration_by_hand():
    """Companies: X 80, Z 25, W 20, Y 15 of 140; HHI = sum of squared shares."""
    result = concentration(HOLDINGS, STAKES, top=2)
    assert result["top_share"] == pytest.approx(105 / 140)
    assert result["hhi"] == pytest.approx((80**2 + 25**2 + 20**2 + 15**2) / 140**2)


def test_company_held_by_two_funds_is_flagged():
    shared = shared_companies(HOLDINGS, STAKES)
    assert shared["company"].tolist() == ["X"]
    assert shared.iloc[0]["funds"] == ["digital", "energy"]


def test_missing_stake_counts_zero_and_is_reported():
    summary = exposure_summary(HOLDINGS, STAKES.drop("incubator"))
    assert summary["total"] == 120.0
    assert summary["unknown_stakes"] == ["incubator"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("pqrs"),
                          st.floats(0, 1e6)), min_size=1, max_size=20))
def test_property_fund_totals_add_up(rows):
    holdings = pd.DataFrame(rows, columns=["fund", "company", "value"]).assign(
        sector="s", region="r", stage="t")
    stakes = pd.Series({"a": 0.1, "b": 0.5, "c": 1.0})
    by_fund = exposure_by(holdings, stakes, "fund").set_index("fund")["effective_value"]
    for fund, part in holdings.groupby("fund"):
        assert by_fund[fund] == pytest.approx(stakes[fund] * part["value"].sum())


FACTS = {
    "committed": 1000.0, "paid_in": 600.0, "invested": 450.0, "cash": 120.0,
    "subfund_paid_in": 600.0, "parent_paid_in": 180.0, "reinvestment_recognised": 300.0,
    "parent_contribution": 200.0, "core_invested": 270.0, "largest_investment": 120.0,
    "fund_size": 1000.0, "private_capital": 350.0,
}
TERMS = {
    "min_paid_in_ratio": 0.5, "min_investment_progress": 0.8, "max_idle_cash_share": 0.3,
    "min_leverage": 3.0, "reinvestment_multiple": 1.5, "min_reinvestment_completion": 1.0,
    "min_core_sector_share": 0.6, "max_single_project_share": 0.2,
}


def test_guidance_indicators_by_hand():
    checks = {c.indicator: c for c in guidance_indicators(FACTS, TERMS)}
    assert checks["paid_in_ratio"].value == 0.6
    assert checks["paid_in_ratio"].breach is False
    assert checks["investment_progress"].value == 0.75
    assert checks["investment_progress"].breach
    assert checks["idle_cash_share"].value == 0.2
    assert checks["idle_cash_share"].breach is False
    assert checks["leverage"].value == pytest.approx(600 / 180)
    assert checks["leverage"].breach is False
    # 返投: 300 recognised against 1.5 × 200 required = exactly complete.
    assert checks["reinvestment_completion"].value == 1.0
    assert checks["reinvestment_completion"].breach is False
    assert checks["core_sector_share"].value == 0.6
    assert checks["core_sector_share"].breach is False
    assert checks["single_project_share"].value == 0.12
    assert checks["private_capital_share"].value == 0.35
    assert checks["private_capital_share"].breach is None  # no threshold in the terms
    assert checks["idle_cash_share"].direction == "max"


def test_missing_inputs_give_none_not_errors():
    assert reinvestment_completion(10, None, 100) is None
    checks = guidance_indicators({"paid_in": 0.0}, TERMS)
    assert all(c.value is None for c in checks)
    assert all(c.breach is None for c in checks)


def test_guidance_table_for_many_funds():
    facts = pd.DataFrame([FACTS, {**FACTS, "paid_in": 400.0}], index=["d", "e"])
    terms = pd.DataFrame([TERMS], index=["d"])
    table = guidance_table(facts, terms)
    assert len(table) == 16
    paid = table[table.indicator == "paid_in_ratio"].set_index("fund")
    assert paid.loc["d", "breach"] is False
    assert paid.loc["e", "threshold"] is None
    assert paid.loc["e", "breach"] is None


def test_scorecard_rule():
    """min: weight × value/target capped; max: full at or below target, 0 at twice it."""
    spec = [
        {"indicator": "paid_in_ratio", "weight": 40, "target": 0.8, "direction": "min"},
        {"indicator": "idle_cash_share", "weight": 30, "target": 0.2, "direction": "max"},
        {"indicator": "leverage", "weight": 20, "target": 3, "direction": "min"},
        {"indicator": "missing", "weight": 10, "target": 1, "direction": "min"},
    ]
    card = scorecard({"paid_in_ratio": 0.6, "idle_cash_share": 0.3, "leverage": 4}, spec)
    scores = card.items.set_index("indicator")["score"]
    assert scores["paid_in_ratio"] == pytest.approx(40 * 0.6 / 0.8)
    assert scores["idle_cash_share"] == pytest.approx(30 * (2 - 0.3 / 0.2))
    assert scores["leverage"] == 20
    assert scores["missing"] == 0
    assert card.total == pytest.approx(30 + 15 + 20)
