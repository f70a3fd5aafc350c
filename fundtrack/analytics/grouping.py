"""Grouped float sums bit for bit as pandas' ``groupby(key, sort=True).sum()`` makes them.

A dashboard sums a few thousand holdings by five keys on every request, and the report
must print the very same floats. pandas picks its summing algorithm from the group ids:
ids already in order are summed segment by segment (``np.add.reduceat`` over each group's
run of rows), others by a compensated (Kahan) loop with one accumulator per group. Key
columns are factorised here once into integer group codes, in groupby's order, and the
sums are taken by the same algorithm on the same rows, without the Series and groupby
objects around them where that is possible.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd


def column_array(values):
    """The array a DataFrame column of these values holds (lists inferred as pandas would)."""
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, np.dtype):
            return values.to_numpy()
        return values.array
    if isinstance(values, np.ndarray | pd.api.extensions.ExtensionArray):
        return values
    return column_array(pd.Series(values))


class Codes(NamedTuple):
    """A key column factorised in `groupby(sort=True, dropna=False)` order."""

    codes: np.ndarray  # each row's group number
    keys: pd.Index  # the distinct keys: sorted, a missing key last
    missing: bool  # whether a missing key is among them


def factorize(column) -> Codes:
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
            return Codes(codes, pd.Index(column.take(starts)), False)
    # The strings' plain object array factorises in half the time of their pandas array;
    # the distinct keys are then put back into the column's type.
    codes, keys = pd.factorize(values, sort=False)
    if (codes < 0).any():
        codes, keys = pd.factorize(column, sort=True, use_na_sentinel=False)
        return Codes(codes, pd.Index(keys), True)
    keys = pd.Index(keys if values is column else pd.array(keys, dtype=column.dtype))
    if keys.is_monotonic_increasing:
        return Codes(codes, keys, False)
    order = keys.argsort()
    rank = np.empty(len(order), dtype=codes.dtype)
    rank[order] = np.arange(len(order), dtype=codes.dtype)
    return Codes(rank[codes], keys.take(order), False)


class Groups(NamedTuple):
    """A grouping of rows as `groupby(key, sort=True)` makes it."""

    codes: np.ndarray  # each row's group number; -1 for a dropped missing key
    keys: pd.Index  # the result index of the groupby
    missing: bool  # whether a missing key is among the keys
    sums: np.ndarray  # the summed values per group, as `.sum()` gives it


def factorized(columns: dict, dims) -> dict:
    """`Codes` of the dimensions whose distinct values are exactly groupby's keys.

    That holds for pandas strings and numpy numbers; keys of object or categorical columns
    are converted or kept as categories by groupby, so those are left to pandas itself.
    """
    out = {}
    for dim in dims:
        dtype = columns[dim].dtype
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, np.dtype) and dtype.kind in "iuf"
        ):
            out[dim] = factorize(columns[dim])
    return out


def group_sums(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
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


def groupings(
    columns: dict, values: np.ndarray, dims, factorized: dict, dropna: bool = False
) -> dict:
    """`Groups` for each dimension, with sums bit-identical to `groupby(dim).sum()`.

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
            grouped = pd.Series(values, copy=False).groupby(columns[dim], sort=True, dropna=dropna)
            sums = grouped.sum()
            codes = grouped.ngroup().to_numpy()
            codes = np.where(np.isnan(codes), -1, codes).astype(np.intp) if dropna else codes
            out[dim] = Groups(
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
        sums = group_sums(np.tile(values, len(kind)), stacked)
        for d, a, b in zip(kind, offsets[:-1], offsets[1:], strict=True):
            out[d] = Groups(*fast[d], sums[a:b])
    return {d: out[d] for d in dims}


def descending(sums: np.ndarray) -> np.ndarray:
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


def nan_sum(values: np.ndarray) -> float:
    """`pd.Series(values).sum()` for float64, without building the Series.

    pandas sums a float64 array with numpy after setting its NaNs to 0, so this is the same
    operation on the same values, in the same order.
    """
    missing = np.isnan(values)
    return (np.where(missing, 0.0, values) if missing.any() else values).sum()
