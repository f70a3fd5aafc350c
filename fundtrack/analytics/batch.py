"""XIRR for many series at once: one vectorised Newton solve over every group.

Input is a DataFrame with columns `group, date, amount` (one row per flow; NAVs included as
ordinary inflows by the caller). Rows of a group need not be contiguous or date-sorted, but a
frame sorted by group is faster because no reordering is needed.

Every group gets exactly the rate `xirr` would give it: the same preparation (flows of one day
summed, ACT/365F from the group's earliest date, amounts divided by the largest absolute
amount, zeros dropped), the same Newton iteration from 0.1 (the scalar form runs the same
kernel with one group), and the scalar bracketing fallback for the groups Newton does not
settle.

Layout: the groups become the rows of a rectangle (zero-padded when their lengths differ;
groups of very different lengths go in separate rectangles so padding stays small), and each
Newton step is a handful of whole-array operations on it.

Result: `xirr_many` returns an object-dtype Series indexed by group holding a float or None
(never NaN, so a missing rate cannot leak into a page as "nan"); `xirr_many_result` returns a
DataFrame with columns `rate` (same values) and `reason` (None when there is a rate).
The index holds each distinct group once, sorted when the labels sort, else in first-seen order.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd

from fundtrack.analytics.dates import DAYS_PER_YEAR, to_days
from fundtrack.analytics.returns import (
    REASON_EMPTY,
    REASON_ONE_DAY,
    REASON_ONE_SIGN,
    solve_prepared,
)
from fundtrack.analytics.rootfinding import newton_rates

COLUMNS = ("group", "date", "amount")


def _contiguous_runs(labels: np.ndarray) -> np.ndarray | None:
    """Start offsets of runs of equal labels, or None when a label appears in two runs."""
    if len(labels) == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate(([0], starts))
    return starts if pd.Index(labels[starts]).is_unique else None


def _group_rows(flows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Labels, start offsets, day numbers and amounts with each group's rows contiguous
    and netted by day, and which groups had flows of both signs on one day only."""
    missing = [c for c in COLUMNS if c not in flows.columns]
    if missing:
        raise ValueError(f"flows lack columns {missing}")
    groups = flows["group"].to_numpy()
    days = to_days(flows["date"])
    amounts = flows["amount"].to_numpy(dtype=float)
    if not np.isfinite(amounts).all():
        raise ValueError("amounts must be finite numbers")
    starts = _contiguous_runs(groups)
    in_order = starts is not None
    if in_order and len(days) > 1:
        backwards = days[1:] < days[:-1]
        backwards[starts[1:] - 1] = False  # a new group may start at an earlier date
        in_order = not backwards.any()
    if not in_order:
        codes, _ = pd.factorize(groups)
        order = np.lexsort((days, codes))
        groups, days, amounts = groups[order], days[order], amounts[order]
        starts = _contiguous_runs(groups)
        assert starts is not None
    return (groups[starts], *_netted(starts, days, amounts))


def _netted(starts: np.ndarray, days: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Start offsets, day numbers and amounts of runs of rows (each run date-ordered)
    netted by day, and which runs had flows of both signs on one day only."""
    one_day = np.zeros(len(starts), dtype=bool)
    if len(days):
        # Both signs on a single day: `xirr` says so rather than what netting leaves.
        ends = np.append(starts[1:], len(days)) - 1
        same = days[starts] == days[ends]
        has_in = np.maximum.reduceat(amounts, starts) > 0
        has_out = np.minimum.reduceat(amounts, starts) < 0
        one_day = same & has_in & has_out & (ends > starts)
    # One flow per group and day, summed in the given order: as `returns.net_by_day`.
    firsts = np.ones(len(days), dtype=bool)
    firsts[1:] = days[1:] != days[:-1]
    firsts[starts] = True
    if not firsts.all():
        kept = np.flatnonzero(firsts)
        amounts = np.add.reduceat(amounts, kept)
        days = days[kept]
        starts = np.searchsorted(kept, starts)
    return starts, days, amounts, one_day


def _panels(counts: np.ndarray) -> list[np.ndarray]:
    """Split groups into sets of similar length, so padding each set to a rectangle is cheap.

    All groups in one set when that wastes at most half the cells, else one set per
    power-of-two length class (padding then at most doubles a set).
    """
    if counts.max() * len(counts) <= 2 * counts.sum():
        return [np.arange(len(counts))]
    length_class = np.ceil(np.log2(counts)).astype(np.int64)
    return [np.flatnonzero(length_class == k) for k in np.unique(length_class)]


def _rectangles(counts: np.ndarray, groups: np.ndarray, *columns: np.ndarray) -> list:
    """The rows of `groups` of each ragged column as zero-padded 2-D arrays."""
    sub_counts = counts[groups]
    width = int(sub_counts.max())
    if len(groups) == len(counts) and (sub_counts == width).all():
        return [c.reshape(len(groups), width) for c in columns]  # no copy at all
    if len(groups) < len(counts):
        rows = np.repeat(np.isin(np.arange(len(counts)), groups), counts)
        columns = tuple(c[rows] for c in columns)
    first = np.cumsum(sub_counts) - sub_counts
    target = np.arange(int(sub_counts.sum())) + np.repeat(
        np.arange(len(groups)) * width - first, sub_counts
    )
    shaped = []
    for column in columns:
        out = np.zeros(len(groups) * width)
        out[target] = column
        shaped.append(out.reshape(len(groups), width))
    return shaped


def _solve(
    starts: np.ndarray, days: np.ndarray, amounts: np.ndarray, one_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rates (NaN: none) and reasons of the netted runs of rows (see `_netted`)."""
    n_groups = len(starts)
    rates = np.full(n_groups, np.nan)
    reasons = np.full(n_groups, None, dtype=object)
    if not n_groups:
        return rates, reasons
    counts = np.diff(np.append(starts, len(amounts)))
    high = np.maximum.reduceat(amounts, starts)
    low = np.minimum.reduceat(amounts, starts)
    reasons[(high <= 0) & (low >= 0)] = REASON_EMPTY
    reasons[((high > 0) != (low < 0))] = REASON_ONE_SIGN
    reasons[one_day] = REASON_ONE_DAY
    solvable = (high > 0) & (low < 0) & ~one_day
    nonzero = amounts != 0
    all_nonzero = bool(nonzero.all())
    if all_nonzero:
        first = days[starts]  # rows are date-ordered within each group
    else:
        first = np.minimum.reduceat(np.where(nonzero, days, np.iinfo(np.int64).max), starts)
    # Few temporaries, in place where possible: fresh large arrays mostly cost page faults.
    # Day numbers are exact in float64, so this is bit for bit the scalar (d - d0) / 365.
    t = np.repeat(first.astype(float), counts)
    np.subtract(days, t, out=t)
    np.divide(t, DAYS_PER_YEAR, out=t)
    if not all_nonzero:
        # Zero flows stay in place (they add nothing) but get t = 0, so no exponent can
        # overflow into inf * 0.
        np.multiply(t, nonzero, out=t)
    scale = np.where(solvable, np.maximum(high, -low), 1.0)
    for groups in _panels(counts):
        if len(groups) == 1:
            # A panel of one group needs no padding: its rows as they are hold what
            # `_rectangles` would copy, and dividing by the scalar scale is the same division.
            k = groups[0]
            if not solvable[k]:
                continue
            lo, hi = starts[k], starts[k] + counts[k]
            t_2d, a_2d = t[None, lo:hi], np.divide(amounts[None, lo:hi], scale[k])
        else:
            t_2d, a_2d = _rectangles(counts, groups, t, amounts)
            # Dividing by the group's scale broadcast over its row gives the same bits as
            # the scalar path's a / max|a|.
            a_2d = np.divide(a_2d, scale[groups][:, None])
            pick = solvable[groups]
            if not pick.all():
                groups, t_2d, a_2d = groups[pick], t_2d[pick], a_2d[pick]
            if not len(groups):
                continue
        solved, converged = newton_rates(t_2d, a_2d)
        rates[groups[converged]] = solved[converged]
        for k in groups[~converged]:
            # Rare: Newton wandered off; the scalar path (brackets) decides, as in xirr.
            lo, hi = starts[k], starts[k] + counts[k]
            keep = nonzero[lo:hi]
            result = solve_prepared(t[lo:hi][keep], amounts[lo:hi][keep])
            rates[k] = np.nan if result.rate is None else result.rate
            reasons[k] = result.reason
    return rates, reasons


def xirr_runs(days: np.ndarray, amounts: np.ndarray, counts) -> tuple[list, list]:
    """Rate (float or None) and reason of each group of rows, as `xirr_many_result` gives them.

    The groups are consecutive runs of `counts` rows (each at least one) of the day numbers
    `days` and float `amounts`: the same steps without the frames, which cost more than
    the solve for a few dozen short series.
    """
    if not len(counts):
        return [], []
    counts = np.asarray(counts, dtype=np.int64)
    if not np.isfinite(amounts).all():
        raise ValueError("amounts must be finite numbers")
    starts = np.cumsum(counts) - counts
    if len(days) > 1:
        backwards = days[1:] < days[:-1]
        backwards[starts[1:] - 1] = False  # a new group may start at an earlier date
        if backwards.any():
            order = np.lexsort((days, np.repeat(np.arange(len(counts)), counts)))
            days, amounts = days[order], amounts[order]
    rates, reasons = _solve(*_netted(starts, days, amounts))
    return [None if r != r else r for r in rates.tolist()], reasons.tolist()  # NaN: no rate


def xirr_many_result(flows: pd.DataFrame) -> pd.DataFrame:
    """Rates and reasons for every group of `flows[group, date, amount]`."""
    labels, *runs = _group_rows(flows)
    rates, reasons = _solve(*runs)

    values = rates.astype(object)
    values[np.isnan(rates)] = None
    name = flows["group"].name
    index = pd.Index(labels, name=name)
    # Explicit object columns: pandas would otherwise turn None into NaN (a "nan" on a page).
    result = pd.DataFrame(
        {
            "rate": pd.Series(values, index=index, dtype=object),
            "reason": pd.Series(reasons, index=index, dtype=object),
        }
    )
    if not result.index.is_monotonic_increasing:
        # Labels of mixed types do not sort; they keep first-seen order.
        with contextlib.suppress(TypeError):
            result = result.sort_index()
    return result


def xirr_many(flows: pd.DataFrame) -> pd.Series:
    """XIRR of every group of `flows[group, date, amount]`: object Series of float or None."""
    return xirr_many_result(flows)["rate"]
