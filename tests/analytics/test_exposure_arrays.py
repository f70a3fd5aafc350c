"""`exposure_arrays` and its shortcuts against plain pandas, bit for bit, on random holdings.

Values here are arbitrary floats, so sums depend on the order and algorithm of the addition:
equality with `groupby(...).sum()` checks that the same algorithm runs on the same rows.
"""

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fundtrack.analytics import exposure_summary
from fundtrack.analytics.exposure import DIMENSIONS, exposure_arrays
from fundtrack.analytics.grouping import factorize, group_sums

FUNDS = ("SF-01", "SF-02", "SF-03", "SF-04")
STAKED = ("SF-01", "SF-02", "SF-03")  # SF-04 never has a stake
FLOATS = st.floats(0, 1e12, allow_nan=False, allow_infinity=False)

ROWS = st.tuples(
    st.sampled_from(FUNDS),
    st.sampled_from(("CO-1", "CO-2", "CO-3", "CO-4", "CO-5", "CO-6")),
    st.one_of(st.just(0.0), FLOATS),
    st.sampled_from(("IT", "PV", "bio", "新材料")),
    st.sampled_from(("zone", "长三角", "jjj")),
    st.sampled_from(("seed", "early", "growth")),
)
STAKE_VALUES = st.one_of(st.sampled_from((0.0, 1.0)), st.floats(0, 1))
COLUMNS = ["fund", "company", "value", "sector", "region", "stage"]


def pandas_table(holdings: pd.DataFrame, stakes: dict, by: str) -> list:
    """The table with plain pandas: group sums, then largest first, ties by key."""
    effective = holdings["fund"].map(stakes).astype(float).fillna(0.0) * holdings["value"]
    sums = effective.groupby(holdings[by], sort=True, dropna=False).sum()
    table = sums.rename("effective_value").reset_index()
    table = table.sort_values(["effective_value", by], ascending=[False, True], kind="stable")
    total = sums.sum()  # in key order, before sorting
    share = table["effective_value"] / total if total else 0.0 * table["effective_value"]
    return list(zip(table[by], table["effective_value"], share, strict=True))


def rows_of(table) -> list:
    return list(
        zip(table.keys.tolist(), table.effective_value.tolist(), table.share.tolist(), strict=True)
    )


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(ROWS, min_size=1, max_size=40),
    stakes=st.fixed_dictionaries({}, optional=dict.fromkeys(STAKED, STAKE_VALUES)),
    sort_rows=st.booleans(),
)
@example(  # sorted funds and companies, each company once: the one-pass sorted check
    data=[
        ("SF-01", "CO-1", 0.1, "IT", "zone", "seed"),
        ("SF-01", "CO-2", 0.2, "PV", "jjj", "early"),
        ("SF-02", "CO-3", 0.3, "IT", "zone", "seed"),
    ],
    stakes={"SF-01": 0.3, "SF-02": 0.7},
    sort_rows=False,
)
def test_arrays_match_plain_pandas_and_the_frame_api(data, stakes, sort_rows):
    if sort_rows:  # sorted keys are summed by another algorithm inside pandas
        data = sorted(data)
    holdings = pd.DataFrame(data, columns=COLUMNS).astype({"value": float})
    series = pd.Series(stakes, dtype=float)
    columns = [[row[i] for row in data] for i in range(6)]
    fund, company, value, sector, region, stage = columns

    from_lists = exposure_arrays(fund, company, sector, region, stage, value, stakes)
    from_series = exposure_arrays(
        *(holdings[c] for c in ("fund", "company", "sector", "region", "stage", "value")), series
    )
    summary = exposure_summary(holdings, series)

    for dim in DIMENSIONS:
        expected = pandas_table(holdings, stakes, dim)
        assert rows_of(from_lists[dim]) == expected
        assert rows_of(from_series[dim]) == expected
        assert list(summary[dim].itertuples(index=False, name=None)) == expected
    for key in ("concentration", "total", "unknown_stakes"):
        assert from_lists[key] == from_series[key] == summary[key]
    shared = summary["shared"]
    for result in (from_lists, from_series):
        assert result["shared"].company.tolist() == shared["company"].tolist()
        assert result["shared"].funds.tolist() == shared["funds"].tolist()
        assert result["shared"].fund_count.tolist() == shared["fund_count"].tolist()
        assert result["shared"].effective_value.tolist() == shared["effective_value"].tolist()


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(FLOATS, st.floats(-1e6, 1e6)), min_size=1, max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=20),
    nan=st.booleans(),
)
def test_group_sums_in_order_are_pandas_groupby_sums(values, cuts, nan):
    values = np.array(values)
    if nan:  # pandas skips NaN with its other algorithm, and so must the shortcut
        values[len(values) // 2] = np.nan
    # Codes 0..n-1 in runs, all present: as factorised sorted keys give them.
    bounds = sorted({0, *(c for c in cuts if c < len(values))})
    codes = np.zeros(len(values), dtype=np.intp)
    for start in bounds[1:]:
        codes[start:] += 1
    expected = pd.Series(values).groupby(codes, sort=True).sum().to_numpy()
    assert group_sums(values, codes).tolist() == expected.tolist()
    shuffled = np.random.default_rng(len(values)).permutation(len(values))
    assert (
        group_sums(values[shuffled], codes[shuffled]).tolist()
        == pd.Series(values[shuffled]).groupby(codes[shuffled], sort=True).sum().tolist()
    )


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.one_of(st.sampled_from(("a", "b", "c", "长", "B")), st.none()), max_size=40),
    sort_keys=st.booleans(),
    unique=st.booleans(),
)
def test_factorize_is_the_sorted_factorize(keys, sort_keys, unique):
    if unique:
        keys = list(dict.fromkeys(keys))
    if sort_keys:  # present keys sorted, missing ones anywhere
        present = iter(sorted(k for k in keys if k is not None))
        keys = [None if k is None else next(present) for k in keys]
    column = pd.Series(keys, dtype="str").array
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
    got = factorize(column)
    assert got.codes.tolist() == codes.tolist()
    assert got.keys.equals(pd.Index(uniques))
    assert got.keys.dtype == column.dtype
    assert got.missing == any(k is None for k in keys)
