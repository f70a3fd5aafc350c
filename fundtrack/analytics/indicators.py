"""Guidance-fund (引导基金) indicators, checked against each sub-fund's terms.

Every ratio is a plain function returning None when its denominator is zero or an input is
missing. `guidance_indicators` computes them all from one mapping of facts and compares each
with its threshold in the terms (thresholds differ by city and year, so they are data):

    paid_in_ratio            出资到位率     paid_in ÷ committed
    investment_progress      投资进度       invested ÷ paid_in
    idle_cash_share          闲置资金占比   uninvested cash ÷ paid_in
    leverage                 资金放大倍数   sub-funds' total paid-in ÷ parent's paid-in to them
    reinvestment_completion  返投完成率     recognised ÷ (required multiple × parent base)
    core_sector_share        核心产业占比   invested in core sectors ÷ invested
    single_project_share     单一项目集中度 largest single investment ÷ sub-fund size
    private_capital_share    社会资本占比   private capital committed ÷ committed

Each is checked against the term `min_<indicator>` (must be at least) or, for idle cash and
single-project concentration, `max_<indicator>` (must be at most).

Facts keys: committed, paid_in, invested, cash, subfund_paid_in, parent_paid_in,
reinvestment_recognised, parent_contribution (the 返投 base named in the terms), core_invested,
largest_investment, fund_size, private_capital. Terms: the threshold keys above plus
`reinvestment_multiple` (返投倍数). A missing threshold gives breach None (not checked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class IndicatorCheck:
    """One indicator against its threshold; breach is None when it cannot be judged."""

    indicator: str
    label: str
    value: float | None
    threshold: float | None
    direction: str  # "min": value must be at least the threshold; "max": at most
    breach: bool | None


def _isna(value) -> bool:
    """``pd.isna`` of a value known not to be None.

    Facts and thresholds are plain floats: NaN is the one float unequal to itself, and
    skipping pandas for them keeps a table of a hundred funds' checks cheap.
    """
    kind = type(value)
    if kind is float:
        return value != value
    if kind is int:
        return False
    return pd.isna(value)


def _ratio(numerator, denominator) -> float | None:
    if type(numerator) is float and type(denominator) is float:
        # The usual facts: the general rule below, without its conversions and checks.
        if numerator != numerator or denominator != denominator or denominator == 0:
            return None
        return numerator / denominator
    if numerator is None or denominator is None or _isna(numerator) or _isna(denominator):
        return None
    denominator = float(denominator)
    return None if denominator == 0 else float(numerator) / denominator


def paid_in_ratio(paid_in, committed) -> float | None:
    """出资到位率: paid-in ÷ committed capital."""
    return _ratio(paid_in, committed)


def investment_progress(invested, paid_in) -> float | None:
    """投资进度: amount invested in companies ÷ paid-in capital."""
    return _ratio(invested, paid_in)


def idle_cash_share(cash, paid_in) -> float | None:
    """闲置资金占比: uninvested cash held by the fund ÷ paid-in capital."""
    return _ratio(cash, paid_in)


def leverage(subfund_paid_in, parent_paid_in) -> float | None:
    """资金放大倍数: sub-funds' total paid-in (all investors) ÷ the parent's paid-in to them."""
    return _ratio(subfund_paid_in, parent_paid_in)


def reinvestment_completion(recognised, multiple, parent_contribution) -> float | None:
    """返投完成率: recognised local reinvestment ÷ (required multiple × parent's base)."""
    if multiple is None or parent_contribution is None:
        return None
    return _ratio(recognised, float(multiple) * float(parent_contribution))


def core_sector_share(core_invested, invested) -> float | None:
    """核心产业占比: invested in the terms' core sectors ÷ total invested."""
    return _ratio(core_invested, invested)


def single_project_share(largest_investment, fund_size) -> float | None:
    """单一项目集中度: the largest single investment ÷ the sub-fund's size."""
    return _ratio(largest_investment, fund_size)


def private_capital_share(private_capital, committed) -> float | None:
    """社会资本占比: capital committed by private investors ÷ total committed."""
    return _ratio(private_capital, committed)


# indicator -> (label, term key, direction, function of facts and terms)
INDICATORS = {
    "paid_in_ratio": (
        "出资到位率",
        "min_paid_in_ratio",
        "min",
        lambda f, t: paid_in_ratio(f.get("paid_in"), f.get("committed")),
    ),
    "investment_progress": (
        "投资进度",
        "min_investment_progress",
        "min",
        lambda f, t: investment_progress(f.get("invested"), f.get("paid_in")),
    ),
    "idle_cash_share": (
        "闲置资金占比",
        "max_idle_cash_share",
        "max",
        lambda f, t: idle_cash_share(f.get("cash"), f.get("paid_in")),
    ),
    "leverage": (
        "资金放大倍数",
        "min_leverage",
        "min",
        lambda f, t: leverage(f.get("subfund_paid_in"), f.get("parent_paid_in")),
    ),
    "reinvestment_completion": (
        "返投完成率",
        "min_reinvestment_completion",
        "min",
        lambda f, t: reinvestment_completion(
            f.get("reinvestment_recognised"),
            t.get("reinvestment_multiple"),
            f.get("parent_contribution"),
        ),
    ),
    "core_sector_share": (
        "核心产业占比",
        "min_core_sector_share",
        "min",
        lambda f, t: core_sector_share(f.get("core_invested"), f.get("invested")),
    ),
    "single_project_share": (
        "单一项目集中度",
        "max_single_project_share",
        "max",
        lambda f, t: single_project_share(f.get("largest_investment"), f.get("fund_size")),
    ),
    "private_capital_share": (
        "社会资本占比",
        "min_private_capital_share",
        "min",
        lambda f, t: private_capital_share(f.get("private_capital"), f.get("committed")),
    ),
}


#: ``IndicatorCheck``'s fields, in order: the tuples of ``check_values``.
CHECK_FIELDS = ("indicator", "label", "value", "threshold", "direction", "breach")


def check_values(indicator: str, label: str, value, threshold, direction: str) -> tuple:
    """``check``'s fields as a plain tuple (``CHECK_FIELDS``), for tables of many checks."""
    if direction not in ("min", "max"):
        raise ValueError("direction must be 'min' or 'max'")
    if threshold is not None and _isna(threshold):
        threshold = None
    if value is None or threshold is None:
        breach = None
    else:
        breach = value < threshold if direction == "min" else value > threshold
    return (
        indicator,
        label,
        value,
        None if threshold is None else float(threshold),
        direction,
        breach,
    )


def check(indicator: str, label: str, value, threshold, direction: str) -> IndicatorCheck:
    """Compare one value with its threshold ("min" or "max")."""
    return IndicatorCheck(*check_values(indicator, label, value, threshold, direction))


def guidance_values(facts: Mapping, terms: Mapping) -> list[tuple]:
    """``guidance_indicators`` as tuples of ``CHECK_FIELDS``."""
    return [
        check_values(name, label, compute(facts, terms), terms.get(term_key), direction)
        for name, (label, term_key, direction, compute) in INDICATORS.items()
    ]


def guidance_indicators(facts: Mapping, terms: Mapping) -> list[IndicatorCheck]:
    """All guidance-fund indicators of one sub-fund, each against its term threshold."""
    return [IndicatorCheck(*values) for values in guidance_values(facts, terms)]


def guidance_table(facts: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """Indicators of many sub-funds: `facts` and `terms` are indexed by fund.

    Returns columns `fund, indicator, label, value, threshold, direction, breach`.
    """
    rows = []
    for fund, fund_facts in facts.iterrows():
        fund_terms = terms.loc[fund].to_dict() if fund in terms.index else {}
        for item in guidance_indicators(fund_facts.to_dict(), fund_terms):
            rows.append({"fund": fund, **item.__dict__})
    columns = ["fund", "indicator", "label", "value", "threshold", "direction", "breach"]
    # Object columns keep None as None; pandas would turn it into NaN ("nan" on a page).
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in columns})
