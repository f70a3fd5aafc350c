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

Tables are ordered largest first, ties by key (missing keys last).

The dashboard renders all of this on every request, so `exposure_summary` computes the effective
values once, factorises each key column once into integer group codes and sums all dimensions in
at most two grouped passes. The results are exactly those of the straightforward pandas version
(`groupby(dim).sum()` per table, `sort_values([value, key])`), down to the last bit.

`exposure_arrays` is that computation on plain columns (arrays or lists) and a stakes mapping,
with the tables as arrays, for callers that only turn them into lists: building a DataFrame
per table costs more than the sums themselves. `exposure_summary` wraps its results.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pandas as pd

HOLDING_COLUMNS = ("fund", "company", "value", "sector", "region", "stage")
DIMENSIONS = ("fund", "sector", "region", "stage", "company")


def _check_columns(holdings: pd.DataFrame) -> None:
    missing = [c for c in HOLDING_COLUMNS if c not in holdings.columns]
    if missing:
        raise ValueError(f"holdings lack columns {missing}")


def _column(values):
    """The array a DataFrame column of these values holds (lists inferred as pandas would)."""
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, np.dtype):
            return values.to_numpy()
        return values.array
    if isinstance(values, np.ndarray | pd.api.extensions.ExtensionArray):
        return values
    return _column(pd.Series(values))


class _Codes(NamedTuple):
    """A key column factorised in `groupby(sort=True, dropna=False)` order."""

    codes: np.ndarray  # each row's group number
    keys: pd.Index  # the distinct keys: sorted, a missing key last
    missing: bool  # whether a missing key is among them


def _factorize(column) -> _Codes:
    """`pd.factorize(column, sort=True, use_na_sentinel=False)`, faster."""
    # Sorting every row's string is most of the cost of a sorted factorize. A column that is
    # already sorted (as the ledger returns funds and companies) is split where values change;
    # otherwise only the distinct keys are sorted. Either gives the sorted factorize's codes.
    values = column if isinstance(column, np.ndarray) else column.to_numpy()
    if len(values) > 1:
        sample = values[:: max(1, len(values) // 16)]
        # `<`, then `==` only where keys repeat, instead of `<=` then `!=`: distinct sorted
        # keys take one pass over the strings. A missing value compares neither way.
        try:  # the sample first: most unsorted columns show it there, at a fraction of the cost
            with np.errstate(invalid="ignore"):  # a missing float key (NaN) is not ordered
                rising = values[:-1] < values[1:] if (sample[:-1] <= sample[1:]).all() else None
            if rising is None or rising.all():
                new = rising
            else:
                new = values[1:] != values[:-1]
                if not (rising | ~new).all():
                    new = None
        except TypeError:
            new = None
        if new is not None:
            codes = np.concatenate(([0], np.cumsum(new)))
            starts = np.flatnonzero(np.concatenate(([True], new)))
            return _Codes(codes, pd.Index(column.take(starts)), False)
    # The strings' plain object array factorises in half the time of their pandas array;
    # the distinct keys are then put back into the column's type.
    codes, keys = pd.factorize(values, sort=False)
    if (codes < 0).any():
        codes, keys = pd.factorize(column, sort=True, use_na_sentinel=False)
        return _Codes(codes, pd.Index(keys), True)
    keys = pd.Index(keys if values is column else pd.array(keys, dtype=column.dtype))
    if keys.is_monotonic_increasing:
        return _Codes(codes, keys, False)
    order = keys.argsort()
    rank = np.empty(len(order), dtype=codes.dtype)
    rank[order] = np.arange(len(order), dtype=codes.dtype)
    return _Codes(rank[codes], keys.take(order), False)


def _effective(fund, value, stakes, funds: _Codes | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row stake and effective value (stake × value) from the fund and value columns."""
    # Looking up the distinct funds instead of every row. For a Series with unique labels,
    # `map` is a reindex (same lookup, NaN where missing); anything else goes through `map`,
    # but for a plain mapping, whose lookup by key is what `map` does with it.
    if funds is None:
        codes, keys = pd.factorize(fund, use_na_sentinel=False)
    else:
        codes, keys, _ = funds
    if isinstance(stakes, pd.Series) and stakes.dtype == np.float64 and stakes.index.is_unique:
        # `reindex` is this lookup, with the pandas objects around it.
        found = np.append(stakes.to_numpy(), 0.0)[stakes.index.get_indexer(keys)]  # -1: 0.0
        found[np.isnan(found)] = 0.0
    elif isinstance(stakes, pd.Series):
        found = (
            (stakes.reindex(keys) if stakes.index.is_unique else pd.Series(keys).map(stakes))
            .astype(float)
            .fillna(0.0)
            .to_numpy()
        )
    else:
        found = np.array([stakes.get(k, np.nan) for k in list(keys)], dtype=float)
        found[np.isnan(found)] = 0.0
    stake = found[codes]
    if not (isinstance(value, np.ndarray) and value.dtype == np.float64):
        value = pd.Series(value, copy=False).astype(float).to_numpy()
    return stake, stake * value


class _Groups(NamedTuple):
    """A grouping of the holdings as `groupby(key, sort=True)` makes it."""

    codes: np.ndarray  # each row's group number; -1 for a dropped missing key
    keys: pd.Index  # the result index of the groupby
    missing: bool  # whether a missing key is among the keys
    sums: np.ndarray  # effective value per group, as `.sum()` gives it


def _factorized(columns: dict, dims) -> dict:
    """`_Codes` of the dimensions whose distinct values are exactly groupby's keys.

    That holds for pandas strings and numpy numbers; keys of object or categorical columns
    are converted or kept as categories by groupby, so those are left to pandas itself.
    """
    out = {}
    for dim in dims:
        dtype = columns[dim].dtype
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, np.dtype) and dtype.kind in "iuf"
        ):
            out[dim] = _factorize(columns[dim])
    return out


def _group_sums(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """`Series(values).groupby(codes, sort=True).sum()` for codes 0..n-1 that all occur.

    For codes in order and no NaN, pandas adds each group's run of rows with `np.add.reduceat`;
    that is done here directly, without the Series and groupby around it.
    """
    if not len(codes):
        return np.zeros(0)
    if bool((codes[1:] >= codes[:-1]).all()) and not np.isnan(values).any():
        starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
        sums = np.zeros(int(codes[-1]) + 1)
        sums[codes[starts]] = np.add.reduceat(values, starts)
        return sums
    return pd.Series(values, copy=False).groupby(codes, sort=True).sum().to_numpy(dtype=float)


def _groupings(
    columns: dict, effective: np.ndarray, dims, factorized: dict, dropna: bool = False
) -> dict:
    """`_Groups` for each dimension, with sums bit-identical to `groupby(dim).sum()`.

    pandas picks its summing algorithm from the group ids: ids already in order are summed
    segment by segment (`np.add.reduceat` over each group's run of rows), others by a
    compensated (Kahan) loop with one accumulator per group, visiting rows in their order.
    Either way a group's sum depends only on its own rows, in their order. So dimensions are
    stacked with offset codes into one groupby per kind: sorted ones (the stack stays sorted,
    each group one run) and unsorted ones (the stack stays unsorted).
    """
    out: dict = {}
    fast = {} if dropna else {d: factorized[d] for d in dims if d in factorized}
    for dim in dims:
        if dim not in fast:
            grouped = pd.Series(effective, copy=False).groupby(
                columns[dim], sort=True, dropna=dropna
            )
            sums = grouped.sum()
            codes = grouped.ngroup().to_numpy()
            codes = np.where(np.isnan(codes), -1, codes).astype(np.intp) if dropna else codes
            out[dim] = _Groups(
                codes, sums.index, bool(sums.index.hasnans), sums.to_numpy(dtype=float)
            )
    runs = [d for d, f in fast.items() if bool((f.codes[1:] >= f.codes[:-1]).all())]
    for kind in (runs, [d for d in fast if d not in runs]):
        if not kind:
            continue
        offsets = np.cumsum([0, *(len(fast[d].keys) for d in kind)])
        stacked = np.concatenate(
            [fast[d].codes + o for d, o in zip(kind, offsets[:-1], strict=True)]
        )
        sums = _group_sums(np.tile(effective, len(kind)), stacked)
        for d, a, b in zip(kind, offsets[:-1], offsets[1:], strict=True):
            out[d] = _Groups(*fast[d], sums[a:b])
    return {d: out[d] for d in dims}


def _descending(sums: np.ndarray) -> np.ndarray:
    """Largest first, missing last; ties keep key order (the input's), as a stable sort would."""
    negated = -sums
    order = np.argsort(negated)  # several times faster than a stable sort
    ranked = negated[order]
    missing = np.isnan(ranked)
    tied = (ranked[1:] == ranked[:-1]) | (missing[1:] & missing[:-1])
    if not tied.any():
        return order
    # Within each run of equal values, put the positions back in increasing order.
    run = np.concatenate(([0], np.cumsum(~tied)))
    return order[np.argsort(run * len(order) + order)]


def _sum(values: np.ndarray) -> float:
    """`pd.Series(values).sum()` for float64, without building the Series.

    pandas sums a float64 array with numpy after setting its NaNs to 0, so this is the same
    operation on the same values, in the same order.
    """
    missing = np.isnan(values)
    return (np.where(missing, 0.0, values) if missing.any() else values).sum()


class ExposureTable(NamedTuple):
    """One dimension's exposure, largest first: the columns of an `exposure_by` table."""

    keys: pd.Index
    effective_value: np.ndarray
    share: np.ndarray  # of the total, 0..1

    def frame(self, by: str) -> pd.DataFrame:
        """The table as `exposure_by` returns it."""
        return pd.DataFrame(
            {by: self.keys, "effective_value": self.effective_value, "share": self.share},
            copy=False,
        )


class SharedCompanies(NamedTuple):
    """The columns of the `shared_companies` table."""

    company: pd.Index | pd.api.extensions.ExtensionArray | np.ndarray
    funds: pd.api.extensions.ExtensionArray | np.ndarray  # a sorted list per company
    fund_count: pd.api.extensions.ExtensionArray | np.ndarray
    effective_value: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The table as `shared_companies` returns it."""
        return pd.DataFrame(self._asdict(), copy=False)


def _table(groups: _Groups) -> ExposureTable:
    sums = groups.sums
    total = _sum(sums)
    order = _descending(sums)
    ordered = sums[order]
    share = ordered / total if total else np.zeros(len(ordered))
    return ExposureTable(groups.keys.take(order), ordered, share)


def _concentration(by_company: ExposureTable, top: int) -> dict:
    if _sum(by_company.effective_value) == 0:
        return {"top_share": None, "hhi": None, "companies": len(by_company.keys)}
    shares = by_company.share
    return {
        "top_share": float(_sum(shares[:top])),  # as Series.head(top)
        "hhi": float(_sum(shares**2)),
        "companies": len(by_company.keys),
    }


def _shared(fund, companies: _Groups, funds: _Groups, funds_sorted: bool) -> SharedCompanies:
    """The `shared_companies` columns from the company (missing dropped) and fund groupings.

    `fund` is the fund column; `funds_sorted`: whether the fund keys are in Python's sort
    order already.
    """
    if not len(companies.keys):
        # The dtypes pandas gives an aggregation over no groups: they follow the fund column.
        none = pd.Series(fund[:0], copy=False)
        return SharedCompanies(companies.keys, none.array, none.map(len).array, companies.sums)
    if len(companies.keys) == len(companies.codes):  # every company held once: none shared
        nothing = np.empty(0, dtype=np.intp)
        return SharedCompanies(
            companies.keys.take(nothing),
            np.empty(0, dtype=object),
            np.empty(0, dtype=np.int64),
            companies.sums[nothing],
        )
    names = funds.keys.tolist()
    fund_codes = funds.codes
    if not funds_sorted:  # the lists hold sorted Python values
        rank = np.empty(len(names), dtype=np.intp)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        names = sorted(names)
        fund_codes = rank[fund_codes]
    held = companies.codes >= 0
    n_funds = max(len(names), 1)
    pairs = np.sort(companies.codes[held].astype(np.int64) * n_funds + fund_codes[held])
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:] != pairs[:-1]
    pairs = pairs[first]
    pair_company, pair_fund = np.divmod(pairs, n_funds)
    fund_count = np.bincount(pair_company, minlength=len(companies.keys))
    is_shared = fund_count > 1
    rows = np.flatnonzero(is_shared)
    # Distinct pairs are sorted by company, then fund: each company's run is its sorted funds.
    listed = np.asarray(names, dtype=object)[pair_fund[is_shared[pair_company]]].tolist()
    bounds = [0, *np.cumsum(fund_count[rows]).tolist()]
    lists = [listed[a:b] for a, b in pairwise(bounds)]
    order = _descending(companies.sums[rows])
    fund_lists = np.empty(len(rows), dtype=object)
    for i, k in enumerate(order.tolist()):
        fund_lists[i] = lists[k]  # item by item: a list assigned to a slice would be spread
    picked = rows[order]
    return SharedCompanies(
        companies.keys.take(picked), fund_lists, fund_count[picked], companies.sums[picked]
    )


def _company_groups(
    columns: dict, effective: np.ndarray, groups: dict, factorized: dict
) -> _Groups:
    """The company grouping without missing companies, as `groupby("company")` has it."""
    if not groups["company"].missing:
        return groups["company"]
    return _groupings(columns, effective, ["company"], factorized, dropna=True)["company"]


def _columns(holdings: pd.DataFrame, names) -> dict:
    _check_columns(holdings)
    return {c: _column(holdings[c]) for c in names}


def _known(stakes) -> object:
    """The funds that have a stake: a Series' labels or a mapping's keys."""
    return stakes.index.tolist() if isinstance(stakes, pd.Series) else stakes


def look_through(holdings: pd.DataFrame, stakes: pd.Series) -> pd.DataFrame:
    """Holdings with the parent's `stake` and `effective_value` = stake × value added."""
    columns = _columns(holdings, ("fund", "value"))
    stake, effective = _effective(columns["fund"], columns["value"], stakes)
    out = holdings.copy()
    out["stake"] = stake
    out["effective_value"] = effective
    return out


def unknown_stakes(holdings: pd.DataFrame, stakes: pd.Series) -> list:
    """Funds that hold companies but have no stake given."""
    return sorted(set(holdings["fund"]) - set(_known(stakes)))


def exposure_by(holdings: pd.DataFrame, stakes: pd.Series, by: str) -> pd.DataFrame:
    """Effective exposure by one dimension (fund, sector, region, stage or company).

    Columns `<by>, effective_value, share` (share of the total, 0..1), largest first.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")
    columns = _columns(holdings, {"fund", "value", by})
    factorized = _factorized(columns, [by])
    _, effective = _effective(columns["fund"], columns["value"], stakes, factorized.get("fund"))
    return _table(_groupings(columns, effective, [by], factorized)[by]).frame(by)


def concentration(holdings: pd.DataFrame, stakes: pd.Series, top: int = 10) -> dict:
    """`{top_share, hhi, companies}` on effective value by company (shares 0..1)."""
    columns = _columns(holdings, ("fund", "value", "company"))
    factorized = _factorized(columns, ["company"])
    _, effective = _effective(columns["fund"], columns["value"], stakes)
    company = _groupings(columns, effective, ["company"], factorized)["company"]
    return _concentration(_table(company), top)


def shared_companies(holdings: pd.DataFrame, stakes: pd.Series) -> pd.DataFrame:
    """Companies held through more than one sub-fund.

    Columns `company, funds` (sorted list of the sub-funds), `fund_count`, `effective_value`.
    """
    columns = _columns(holdings, ("fund", "value", "company"))
    factorized = _factorized(columns, ["fund", "company"])
    _, effective = _effective(columns["fund"], columns["value"], stakes, factorized.get("fund"))
    groups = _groupings(columns, effective, ["fund", "company"], factorized)
    return _shared(
        columns["fund"],
        _company_groups(columns, effective, groups, factorized),
        groups["fund"],
        "fund" in factorized,
    ).frame()


def exposure_arrays(fund, company, sector, region, stage, value, stakes, top: int = 10) -> dict:
    """`exposure_summary` on columns given one by one, with the tables as arrays.

    Each column is an array, a Series or a list, taken as a DataFrame column of it would be;
    `stakes` a Series or a mapping from fund to stake. Keys as in `exposure_summary`, but each
    dimension's table an `ExposureTable` and `shared` a `SharedCompanies`.
    """
    columns = {
        "fund": _column(fund),
        "company": _column(company),
        "sector": _column(sector),
        "region": _column(region),
        "stage": _column(stage),
    }
    factorized = _factorized(columns, DIMENSIONS)
    # Values only matter as floats: a list goes straight to them (as `astype(float)` would).
    value = _column(value) if hasattr(value, "dtype") else np.array(value, dtype=float)
    _, effective = _effective(columns["fund"], value, stakes, factorized.get("fund"))
    groups = _groupings(columns, effective, DIMENSIONS, factorized)
    tables = {dim: _table(groups[dim]) for dim in DIMENSIONS}
    plain_funds = "fund" in factorized
    # The distinct funds are the column's own values when it was factorised here.
    funds = (
        groups["fund"].keys.tolist()
        if plain_funds and not groups["fund"].missing
        else columns["fund"]
    )
    return {
        **tables,
        "concentration": _concentration(tables["company"], top),
        "shared": _shared(
            columns["fund"],
            _company_groups(columns, effective, groups, factorized),
            groups["fund"],
            plain_funds,
        ),
        "total": float(_sum(tables["fund"].effective_value)),
        "unknown_stakes": sorted(set(funds) - set(_known(stakes))),
    }


def exposure_summary(holdings: pd.DataFrame, stakes: pd.Series, top: int = 10) -> dict:
    """Everything the exposure page and report need, computed once.

    Keys: one table per dimension (`fund`, `sector`, `region`, `stage`, `company`; see
    `exposure_by`), `concentration` (see `concentration`), `shared` (see `shared_companies`),
    `total` (effective value) and `unknown_stakes`.
    """
    _check_columns(holdings)
    summary = exposure_arrays(
        *(holdings[c] for c in HOLDING_COLUMNS[:2]),
        *(holdings[c] for c in HOLDING_COLUMNS[3:]),
        holdings["value"],
        stakes,
        top,
    )
    return {
        **{dim: summary[dim].frame(dim) for dim in DIMENSIONS},
        "concentration": summary["concentration"],
        "shared": summary["shared"].frame(),
        "total": summary["total"],
        "unknown_stakes": summary["unknown_stakes"],
    }
