"""Money-weighted returns: XNPV, XIRR on dated flows and IRR on periodic flows.

Conventions (DESIGN §4): negative = paid in by the investor, positive = received; day count
ACT/365F from the earliest date, as Excel, LibreOffice and pyxirr count it. Flows may come in
any order and several may share a day (they are summed: see `net_by_day`); zero flows are
ignored.

Which rate is returned
    NPV(r) = sum a_i (1+r)^-(t_i) can have several roots when the flows change sign more than
    once. `xirr` returns the root Newton's method reaches from 0.1 (what Excel's XIRR does with
    its default guess). When the flows provably have a single root (see `rootfinding`) it is
    found by a faster Newton in ln(1+r) from a two-point estimate: the same root. When Newton
    fails (an iterate leaves (-1, inf) or it does not converge in 50 steps) every sign change
    of NPV over ln(1+r) in [-25, 14] (rates from -100% + 1e-11 to about +1.2e8 %) is
    bracketed and the root nearest 0.1 is returned.

When there is no rate
    No flows, all flows zero, or all of one sign: no rate (reason given). Flows that change sign
    but whose NPV never crosses zero on the grid (e.g. -100, +300, -250 at yearly steps): no
    rate. `xirr` then returns None and `xirr_result` says why; neither returns NaN nor raises for
    ordinary data. Mismatched lengths or unparseable dates are programming errors and raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fundtrack.analytics.dates import DAYS_PER_YEAR, to_days
from fundtrack.analytics.rootfinding import (
    bracket_root,
    has_single_root,
    newton_log_rate,
    newton_rates,
    two_point_guess,
)

REASON_EMPTY = "no non-zero cash flows"
REASON_ONE_SIGN = "cash flows do not change sign"
REASON_ONE_DAY = "all cash flows fall on one day"
REASON_NO_ROOT = "no rate makes the net present value zero"


@dataclass(frozen=True)
class XirrResult:
    """A rate of return, or None with the reason there is none."""

    rate: float | None
    reason: str | None = None


def _as_amounts(amounts) -> np.ndarray:
    try:
        return np.asarray(amounts, dtype=float)  # also converts Decimal from the ledger
    except TypeError:
        return np.asarray([float(x) for x in amounts], dtype=float)


def prepare_dated(dates, amounts) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers and float amounts of the same length (zeros kept)."""
    days = to_days(dates)
    values = _as_amounts(amounts)
    if days.shape != values.shape:
        raise ValueError(f"{len(days)} dates but {len(values)} amounts")
    if not np.isfinite(values).all():
        raise ValueError("amounts must be finite numbers")
    return days, values


def solve_prepared(t: np.ndarray, a: np.ndarray) -> XirrResult:
    """Rate for times `t` (years or periods from the first flow) and non-zero amounts `a`."""
    if len(a) == 0:
        return XirrResult(None, REASON_EMPTY)
    if not ((a > 0).any() and (a < 0).any()):
        return XirrResult(None, REASON_ONE_SIGN)
    if t.max() == t.min():
        return XirrResult(None, REASON_ONE_DAY)
    scaled = a / np.abs(a).max()
    order = None if (t[1:] >= t[:-1]).all() else np.argsort(t, kind="stable")
    if has_single_root(scaled if order is None else scaled[order]):
        # Only one root exists, so a better start than 0.1 cannot change which one is found.
        rate = newton_log_rate(t, scaled, two_point_guess(t, scaled))
        if rate is not None and rate > -1.0:
            return XirrResult(rate)
    rates, converged = newton_rates(t[None, :], scaled[None, :])
    if converged[0]:
        return XirrResult(float(rates[0]))
    rate = bracket_root(t, scaled)
    if rate is None:
        return XirrResult(None, REASON_NO_ROOT)
    return XirrResult(rate)


def net_by_day(days: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flows in date order, those of one day summed into one (in their given order).

    A rate cannot depend on how a day's flows are split; and flows of one day that
    cancel must cancel exactly, not leave rounding noise that passes for a root near
    -100%. ``xirr_many`` nets each group the same way, so both give the same rate.
    """
    if len(days) < 2:
        return days, values
    order = np.argsort(days, kind="stable")
    days, values = days[order], values[order]
    firsts = np.flatnonzero(np.concatenate(([True], days[1:] != days[:-1])))
    if len(firsts) == len(days):
        return days, values
    return days[firsts], np.add.reduceat(values, firsts)


def xirr_result(dates, amounts) -> XirrResult:
    """XIRR with the reason when there is no rate; see the module docstring for the rules."""
    days, values = prepare_dated(dates, amounts)
    if len(days) > 1 and (days == days[0]).all() and (values > 0).any() and (values < 0).any():
        return XirrResult(None, REASON_ONE_DAY)  # said so before netting leaves one flow
    days, values = net_by_day(days, values)
    keep = values != 0
    days, values = days[keep], values[keep]
    if len(days) == 0:
        return XirrResult(None, REASON_EMPTY)
    t = (days - days.min()) / DAYS_PER_YEAR
    return solve_prepared(t, values)


def xirr(dates, amounts) -> float | None:
    """Annual internal rate of return of dated flows (ACT/365F), or None when there is none."""
    return xirr_result(dates, amounts).rate


def xnpv(rate: float, dates, amounts) -> float:
    """Net present value at annual `rate` of dated flows, discounted to the earliest date.

    Raises ValueError for rate <= -1, where the discount factor is undefined (Excel: #NUM!).
    """
    if rate <= -1.0:
        raise ValueError("rate must be greater than -1")
    days, values = prepare_dated(dates, amounts)
    if len(days) == 0:
        return 0.0
    t = (days - days.min()) / DAYS_PER_YEAR
    return float(np.sum(values * np.exp(-np.log1p(rate) * t)))


def irr_result(amounts: Sequence[float]) -> XirrResult:
    """Periodic IRR (one flow per period, the first at period 0) with a reason when none."""
    values = _as_amounts(amounts)
    if not np.isfinite(values).all():
        raise ValueError("amounts must be finite numbers")
    periods = np.arange(len(values), dtype=float)
    keep = values != 0
    # Zero flows still hold their period, so they are dropped only after numbering.
    return solve_prepared(periods[keep], values[keep])


def irr(amounts: Sequence[float]) -> float | None:
    """Periodic internal rate of return (Excel IRR with the default guess), or None."""
    return irr_result(amounts).rate
