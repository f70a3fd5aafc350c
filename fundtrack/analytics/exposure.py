"""Look-through exposure: what the parent fund effectively owns through its sub-funds.

Inputs:
    holdings  DataFrame with columns `fund, company, value, sector, region, stage`: each
              sub-fund's holding of a company at fair value (the whole sub-fund's holding).
    stakes    Series indexed by fund: the parent's share of each sub-fund (0..1).

Effective value = stake × value (two layers: parent → sub-fund → company). A holding of a fund
without a stake counts as 0 and is reported by `unknown_stakes`.

Concentration is measured at company level, after summing a company across sub-funds:
    top-10 share  effective value of the ten largest companies ÷ total
    HHI           sum of squared shares, on shares in 0..1 (so 1 = one company; multiply by
                  10,000 for the antitrust "points" convention)
"""

from __future__ import annotations

import pandas as pd

HOLDING_COLUMNS = ("fund", "company", "value", "sector", "region", "stage")
DIMENSIONS = ("fund", "sector", "region", "stage", "company")


def look_through(holdings: pd.DataFrame, stakes: pd.Series) -> pd.DataFrame:
    """Holdings with the parent's `stake` and `effective_value` = stake × value added."""
    missing = [c for c in HOLDING_COLUMNS if c not in holdings.columns]
    if missing:
        raise ValueError(f"holdings lack columns {missing}")
    out = holdings.copy()
    out["stake"] = out["fund"].map(stakes).astype(float).fillna(0.0)
    out["effective_value"] = out["stake"] * out["value"].astype(float)
    return out


def unknown_stakes(holdings: pd.DataFrame, stakes: pd.Series) -> list:
    """Funds that hold companies but have no stake given."""
    return sorted(set(holdings["fund"]) - set(stakes.index))


def exposure_by(holdings: pd.DataFrame, stakes: pd.Series, by: str) -> pd.DataFrame:
    """Effective exposure by one dimension (fund, sector, region, stage or company).

    Columns `<by>, effective_value, share` (share of the total, 0..1), largest first.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")
    looked = look_through(holdings, stakes)
    table = looked.groupby(by, dropna=False)["effective_value"].sum().reset_index()
    total = table["effective_value"].sum()
    table["share"] = table["effective_value"] / total if total else 0.0
    return table.sort_values(["effective_value", by], ascending=[False, True],
                             ignore_index=True)


def concentration(holdings: pd.DataFrame, stakes: pd.Series, top: int = 10) -> dict:
    """`{top_share, hhi, companies}` on effective value by company (shares 0..1)."""
    by_company = exposure_by(holdings, stakes, "company")
    if by_company["effective_value"].sum() == 0:
        return {"top_share": None, "hhi": None, "companies": len(by_company)}
    shares = by_company["share"]
    return {
        "top_share": float(shares.head(top).sum()),
        "hhi": float((shares**2).sum()),
        "companies": len(by_company),
    }


def shared_companies(holdings: pd.DataFrame, stakes: pd.Series) -> pd.DataFrame:
    """Companies held through more than one sub-fund.

    Columns `company, funds` (sorted list of the sub-funds), `fund_count`, `effective_value`.
    """
    looked = look_through(holdings, stakes)
    grouped = looked.groupby("company").agg(
        funds=("fund", lambda f: sorted(set(f))),
        effective_value=("effective_value", "sum"),
    )
    grouped["fund_count"] = grouped["funds"].map(len)
    shared = grouped[grouped["fund_count"] > 1].reset_index()
    return shared[["company", "funds", "fund_count", "effective_value"]].sort_values(
        ["effective_value", "company"], ascending=[False, True], ignore_index=True)


def exposure_summary(holdings: pd.DataFrame, stakes: pd.Series, top: int = 10) -> dict:
    """Everything the exposure page and report need, computed once.

    Keys: one table per dimension (`fund`, `sector`, `region`, `stage`, `company`; see
    `exposure_by`), `concentration` (see `concentration`), `shared` (see `shared_companies`),
    `total` (effective value) and `unknown_stakes`.
    """
    tables = {dim: exposure_by(holdings, stakes, dim) for dim in DIMENSIONS}
    return {
        **tables,
        "concentration": concentration(holdings, stakes, top),
        "shared": shared_companies(holdings, stakes),
        "total": float(tables["fund"]["effective_value"].sum()),
        "unknown_stakes": unknown_stakes(holdings, stakes),
    }
