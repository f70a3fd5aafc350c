"""The vectorised exposure summary against a plain-Python reference, on random holdings.

Values are whole numbers and stakes multiples of 1/4, so every effective value and every sum
is exact in floating point whatever the summing order: amounts, totals, shares and the order
of the tables (ties included) can be compared exactly.
"""

import math

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fundtrack.analytics import (
    concentration,
    exposure_by,
    exposure_summary,
    look_through,
    shared_companies,
)

DIMENSIONS = ("fund", "sector", "region", "stage", "company")
FUNDS = ("SF-01", "SF-02", "SF-03", "SF-04")
STAKED = ("SF-01", "SF-02", "SF-03")  # SF-04 never has a stake

ROWS = st.tuples(
    st.sampled_from(FUNDS),
    st.sampled_from(("CO-1", "CO-2", "CO-3", "CO-4", "CO-5", "CO-6")),
    st.one_of(st.just(0.0), st.integers(0, 1000).map(float)),  # zeros, and ties
    st.sampled_from(("IT", "PV", "bio", "新材料")),
    st.sampled_from(("zone", "长三角", "jjj")),
    st.sampled_from(("seed", "early", "growth")),
)
STAKE_VALUES = st.sampled_from((0.0, 0.25, 0.5, 0.75, 1.0))


def frame(data: list) -> pd.DataFrame:
    columns = ["fund", "company", "value", "sector", "region", "stage"]
    return pd.DataFrame(data, columns=columns).astype({"value": float})


def reference(data: list, stakes: dict, top: int) -> dict:
    """The summary computed row by row with dicts."""
    sums: dict = {dim: {} for dim in DIMENSIONS}
    funds_of: dict = {}
    for fund, company, value, sector, region, stage in data:
        effective = stakes.get(fund, 0.0) * value
        for dim, key in zip(DIMENSIONS, (fund, sector, region, stage, company), strict=True):
            sums[dim][key] = sums[dim].get(key, 0.0) + effective
        funds_of.setdefault(company, set()).add(fund)
    tables = {}
    for dim, by_key in sums.items():
        total = sum(by_key.values())
        tables[dim] = [
            (key, value, value / total if total else 0.0)
            for key, value in sorted(by_key.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    company_total = sum(sums["company"].values())
    shares = [share for _, _, share in tables["company"]]
    shared = sorted(
        ((c, sorted(f), len(f), sums["company"][c]) for c, f in funds_of.items() if len(f) > 1),
        key=lambda row: (-row[3], row[0]),
    )
    return {
        "tables": tables,
        "total": sum(sums["fund"].values()),
        "top_share": math.fsum(shares[:top]) if company_total else None,
        "hhi": math.fsum(s * s for s in shares) if company_total else None,
        "companies": len(sums["company"]),
        "shared": shared,
        "unknown": sorted({fund for fund, *_ in data} - set(stakes)),
    }


def records(table: pd.DataFrame) -> list:
    return [tuple(row) for row in table.itertuples(index=False)]


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(ROWS, max_size=40),
    stakes=st.fixed_dictionaries({}, optional=dict.fromkeys(STAKED, STAKE_VALUES)),
    sort_rows=st.booleans(),
    top=st.integers(1, 12),
)
@example(  # a tie on value between two funds, a zero holding, a fund without a stake
    data=[("SF-02", "CO-1", 100.0, "IT", "zone", "seed"),
          ("SF-01", "CO-1", 100.0, "IT", "jjj", "seed"),
          ("SF-03", "CO-2", 0.0, "PV", "zone", "early"),
          ("SF-04", "CO-3", 50.0, "bio", "长三角", "growth")],
    stakes={"SF-01": 0.5, "SF-02": 0.5, "SF-03": 1.0},
    sort_rows=False,
    top=2,
)
def test_summary_matches_plain_python_reference(data, stakes, sort_rows, top):
    if sort_rows:  # sorted keys take a different summing path inside pandas
        data = sorted(data)
    holdings, stake_series = frame(data), pd.Series(stakes, dtype=float)
    summary = exposure_summary(holdings, stake_series, top)
    expected = reference(data, stakes, top)

    assert list(summary) == [*DIMENSIONS, "concentration", "shared", "total",
                             "unknown_stakes"]
    for dim in DIMENSIONS:
        table = summary[dim]
        assert list(table.columns) == [dim, "effective_value", "share"]
        assert records(table) == expected["tables"][dim]
        assert not table[["effective_value", "share"]].isna().any().any()
        assert records(exposure_by(holdings, stake_series, dim)) == expected["tables"][dim]
    assert summary["total"] == expected["total"]
    assert not math.isnan(summary["total"])

    conc = summary["concentration"]
    assert conc == concentration(holdings, stake_series, top)
    assert conc["companies"] == expected["companies"]
    for key in ("top_share", "hhi"):
        if expected[key] is None:
            assert conc[key] is None
        else:
            assert conc[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-15)

    shared = summary["shared"]
    assert list(shared.columns) == ["company", "funds", "fund_count", "effective_value"]
    assert records(shared) == expected["shared"]
    assert records(shared_companies(holdings, stake_series)) == expected["shared"]
    if len(shared):
        assert shared["fund_count"].dtype == "int64"

    assert summary["unknown_stakes"] == expected["unknown"]


@settings(max_examples=50, deadline=None)
@given(data=st.lists(ROWS, min_size=1, max_size=20),
       stakes=st.fixed_dictionaries({}, optional=dict.fromkeys(STAKED, STAKE_VALUES)))
def test_look_through_adds_stake_and_effective_value(data, stakes):
    looked = look_through(frame(data), pd.Series(stakes, dtype=float))
    assert looked["stake"].tolist() == [stakes.get(fund, 0.0) for fund, *_ in data]
    assert looked["effective_value"].tolist() == [
        stakes.get(fund, 0.0) * value for fund, _, value, *_ in data
    ]
