"""Capital multiples (GIPS / ILPA definitions) and the commitment figures beside them.

PIC   paid-in capital: everything the investor has paid in (calls, including fees called).
DPI   distributions / PIC (realised multiple).
RVPI  NAV / PIC (residual value).
TVPI  (distributions + NAV) / PIC = DPI + RVPI.

Contributions and distributions are given as positive amounts. With nothing paid in the ratios
are undefined and returned as None (never a division error or NaN).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: numpy sums fewer values than this one by one from 0.0 (longer arrays pairwise, which
#: can round differently), so below it a plain loop gives the very same float.
_PAIRWISE_FROM = 8


def array_sum(values: list[float]) -> float:
    """``float(np.asarray(values).sum())``: the same float, without an array for a few.

    A position's totals come one at a time, a few values each: an array for each would
    cost more than the ratios themselves.
    """
    if len(values) >= _PAIRWISE_FROM:
        return float(np.asarray(values, dtype=float).sum())
    total = 0.0
    for value in values:
        total += value
    return total


def _total(amounts: Iterable) -> float:
    values = [float(x) for x in amounts]
    if any(value < 0 for value in values):
        raise ValueError("contributions and distributions are positive amounts")
    return array_sum(values)


def multiples(contributions: Iterable, distributions: Iterable, nav: float) -> dict:
    """`{pic, dpi, rvpi, tvpi}`; the three ratios are None when nothing was paid in."""
    pic = _total(contributions)
    distributed = _total(distributions)
    nav = float(nav)
    if pic == 0:
        return {"pic": pic, "dpi": None, "rvpi": None, "tvpi": None}
    return {
        "pic": pic,
        "dpi": distributed / pic,
        "rvpi": nav / pic,
        "tvpi": (distributed + nav) / pic,
    }


def pic_to_commitment(pic: float, commitment: float) -> float | None:
    """Paid-in ÷ committed capital (how much of the commitment has been drawn); None if 0."""
    return None if float(commitment) == 0 else float(pic) / float(commitment)


def unfunded(commitment: float, paid_in: float, recallable: float = 0.0) -> dict:
    """Unfunded commitment, with recallable distributions shown apart (ILPA).

    `undrawn` = commitment − paid-in (not below zero: over-calls are not negative unfunded),
    `recallable` = distributions the fund may still call back, `total` = their sum.
    """
    undrawn = max(float(commitment) - float(paid_in), 0.0)
    recallable = float(recallable)
    return {"undrawn": undrawn, "recallable": recallable, "total": undrawn + recallable}
