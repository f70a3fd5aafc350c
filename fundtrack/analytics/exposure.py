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
at most two grouped passes (`analytics.grouping`). The results are exactly those of the
straightforward pandas version (`groupby(dim).sum()` per table, `sort_values([value, key])`),
down to the last bit.

`exposure_arrays` is that computation on plain columns (arrays or lists) and a stakes mapping,
with the tables as arrays, for callers that only turn them into lists: building a DataFrame
per table costs more than the sums themselves. `exposure_summary` wraps its results.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pandas as pd

from fundtrack.analytics import grouping

HOLDING_COLUMNS = ("fund", "company", "value", "sector", "region", "stage")
DIMENSIONS = ("fund", "sector", "region", "stage", "company")


def _check_columns(holdings: pd.DataFrame) -> None:
    missing = [c for c in HOLDING_COLUMNS if c not in holdings.columns]
    if missing:
        raise ValueError(f"holdings lack columns {missing}")


def _effective(
    fund, value, stakes, funds: grouping.Codes | None = None
) -> tuple[np.ndarray, np.ndarray]:
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


def _table(groups: grouping.Groups) -> ExposureTable:
    sums = groups.sums
    total = grouping.nan_sum(sums)
    order = grouping.descending(sums)
    ordered = sums[order]
    share = ordered / total if total else np.zeros(len(ordered))
    return ExposureTable(groups.keys.take(order), ordered, share)


def _concentration(by_company: ExposureTable, top: int) -> dict:
    if grouping.nan_sum(by_company.effective_value) == 0:
        return {"top_share": None, "hhi": None, "companies": len(by_company.keys)}
    shares = by_company.share
    return {
        "top_share": float(grouping.nan_sum(shares[:top])),  # as Series.head(top)
        "hhi": float(grouping.nan_sum(shares**2)),
        "companies": len(by_company.keys),
    }


def _shared(
    fund, companies: grouping.Groups, funds: grouping.Groups, funds_sorted: bool
) -> SharedCompanies:
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
    order = grouping.descending(companies.sums[rows])
    fund_lists = np.empty(len(rows), dtype=object)
    for i, k in enumerate(order.tolist()):
        fund_lists[i] = lists[k]  # item by item: a list assigned to a slice would be spread
    picked = rows[order]
    return SharedCompanies(
        companies.keys.take(picked), fund_lists, fund_count[picked], companies.sums[picked]
    )


def _company_groups(
    columns: dict, effective: np.ndarray, groups: dict, factorized: dict
) -> grouping.Groups:
    """The company grouping without missing companies, as `groupby("company")` has it."""
    if not groups["company"].missing:
        return groups["company"]
    return grouping.groupings(columns, effective, ["company"], factorized, dropna=True)["company"]


def _columns(holdings: pd.DataFrame, names) -> dict:
    _check_columns(holdings)
    return {c: grouping.column_array(holdings[c]) for c in names}


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
    factorized = grouping.factorized(columns, [by])
    _, effective = _effective(columns["fund"], columns["value"], stakes, factorized.get("fund"))
    return _table(grouping.groupings(columns, effective, [by], factorized)[by]).frame(by)


def concentration(holdings: pd.DataFrame, stakes: pd.Series, top: int = 10) -> dict:
    """`{top_share, hhi, companies}` on effective value by company (shares 0..1)."""
    columns = _columns(holdings, ("fund", "value", "company"))
    factorized = grouping.factorized(columns, ["company"])
    _, effective = _effective(columns["fund"], columns["value"], stakes)
    company = grouping.groupings(columns, effective, ["company"], factorized)["company"]
    return _concentration(_table(company), top)


def shared_companies(holdings: pd.DataFrame, stakes: pd.Series) -> pd.DataFrame:
    """Companies held through more than one sub-fund.

    Columns `company, funds` (sorted list of the sub-funds), `fund_count`, `effective_value`.
    """
    columns = _columns(holdings, ("fund", "value", "company"))
    factorized = grouping.factorized(columns, ["fund", "company"])
    _, effective = _effective(columns["fund"], columns["value"], stakes, factorized.get("fund"))
    groups = grouping.groupings(columns, effective, ["fund", "company"], factorized)
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
        "fund": grouping.column_array(fund),
        "company": grouping.column_array(company),
        "sector": grouping.column_array(sector),
        "region": grouping.column_array(region),
        "stage": grouping.column_array(stage),
    }
    factorized = grouping.factorized(columns, DIMENSIONS)
    # Values only matter as floats: a list goes straight to them (as `astype(float)` would).
    value = (
        grouping.column_array(value) if hasattr(value, "dtype") else np.array(value, dtype=float)
    )
    _, effective = _effective(columns["fund"], value, stakes, factorized.get("fund"))
    groups = grouping.groupings(columns, effective, DIMENSIONS, factorized)
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
        "total": float(grouping.nan_sum(tables["fund"].effective_value)),
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
