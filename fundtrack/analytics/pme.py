"""Public market equivalents: how the fund did against an index bought and sold alongside it.

Inputs, shared by every method:
    dates, amounts  the fund's flows without the NAV (negative = paid in, positive = received)
    nav_date, nav   the valuation at the end; final-period flows are kept and the NAV is added
                    at `nav_date` (Gredil, Griffiths & Stucke 2014)
    index           a pandas Series of index levels indexed by date; the level on a date is the
                    last level on or before it. A flow before the first level has no level: the
                    result is None with that reason.

Methods (C = contribution, D = distribution, I = index level, T = nav_date):
    ks_pme        Kaplan & Schoar (2005): (sum D_t I_T/I_t + NAV) / sum C_t I_T/I_t, a ratio.
    direct_alpha  Gredil, Griffiths & Stucke (2014): every flow compounded to T by I_T/I_t, kept
                  at its date, NAV added at T; the XIRR of those flows is the annual (discrete)
                  alpha a; its continuous form is log1p(a).
    ln_pme        Long & Nickels (1996) index comparison method: the flows bought and sold the
                  index; the IRR of the fund's own flows with that index position,
                  sum (C_t - D_t) I_T/I_t, as terminal value. None if that value is negative
                  (the fund paid out more than the index position held).
    pme_plus      Rouvinez (2003): distributions scaled by
                  lambda = (sum C_t I_T/I_t - NAV) / sum D_t I_T/I_t so the index position ends
                  at the fund's NAV; the IRR of (-C, lambda D, NAV at T).
    mpme          Cambridge Associates (2013) modified PME: each distribution takes from the
                  index position the fraction the fund's NAV lost to it, D_t / (D_t + NAV_t),
                  with NAV_t the fund's reported NAV on the flow date (the last report on or
                  before it, or `nav` on `nav_date`; it is read as the NAV after that day's
                  flows). The IRR of (-C, the index position's distributions, its value at T).
Rates are annual, ACT/365F. Each `<method>_result` returns the value with the reason when there
is none; `pme_results` computes them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fundtrack.analytics.dates import to_date, to_day, to_days
from fundtrack.analytics.returns import prepare_dated, xirr_result


@dataclass(frozen=True)
class PmeResult:
    """A PME figure, or None with the reason there is none."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True)
class _Flows:
    days: np.ndarray
    amounts: np.ndarray
    nav_day: int
    nav: float
    growth: np.ndarray  # I_T / I_t for each flow


def _levels(index: pd.Series, days: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    index_days = to_days(index.index)
    levels = index.to_numpy(dtype=float)
    order = np.argsort(index_days, kind="stable")
    index_days, levels = index_days[order], levels[order]
    position = np.searchsorted(index_days, days, side="right") - 1
    if len(index_days) == 0 or (position < 0).any():
        first = days[position < 0].min() if len(index_days) else days.min()
        return None, f"the index has no level on or before {to_date(first).isoformat()}"
    found = levels[position]
    if not (found > 0).all():
        return None, "index levels must be positive"
    return found, None


def _prepare(dates, amounts, nav_date, nav, index) -> _Flows | PmeResult:
    days, values = prepare_dated(dates, amounts)
    nav_day = to_day(nav_date)
    if (days > nav_day).any():
        return PmeResult(None, "a cash flow falls after the NAV date")
    if len(days) == 0:
        return PmeResult(None, "no cash flows")
    levels, reason = _levels(index, np.append(days, nav_day))
    if levels is None:
        return PmeResult(None, reason)
    return _Flows(days, values, nav_day, float(nav), levels[-1] / levels[:-1])


def _rate(days: np.ndarray, amounts: np.ndarray) -> PmeResult:
    result = xirr_result(days.astype("datetime64[D]"), amounts)
    return PmeResult(result.rate, result.reason)


def ks_pme_result(dates, amounts, nav_date, nav, index: pd.Series) -> PmeResult:
    """Kaplan–Schoar PME ratio with the reason when there is none."""
    flows = _prepare(dates, amounts, nav_date, nav, index)
    if isinstance(flows, PmeResult):
        return flows
    paid_in = float(np.sum(np.maximum(-flows.amounts, 0.0) * flows.growth))
    if paid_in == 0:
        return PmeResult(None, "nothing was paid in")
    received = float(np.sum(np.maximum(flows.amounts, 0.0) * flows.growth)) + flows.nav
    return PmeResult(received / paid_in)


def direct_alpha_result(dates, amounts, nav_date, nav, index: pd.Series) -> PmeResult:
    """Direct Alpha (discrete annual rate) with the reason when there is none."""
    flows = _prepare(dates, amounts, nav_date, nav, index)
    if isinstance(flows, PmeResult):
        return flows
    return _rate(np.append(flows.days, flows.nav_day),
                 np.append(flows.amounts * flows.growth, flows.nav))


def ln_pme_result(dates, amounts, nav_date, nav, index: pd.Series) -> PmeResult:
    """Long–Nickels PME (IRR with the index position as terminal value), with a reason."""
    flows = _prepare(dates, amounts, nav_date, nav, index)
    if isinstance(flows, PmeResult):
        return flows
    pme_nav = float(-np.sum(flows.amounts * flows.growth))
    if pme_nav < 0:
        return PmeResult(None, "the Long–Nickels PME NAV is negative")
    return _rate(np.append(flows.days, flows.nav_day), np.append(flows.amounts, pme_nav))


def pme_plus_result(dates, amounts, nav_date, nav, index: pd.Series) -> PmeResult:
    """PME+ (IRR with distributions scaled by lambda), with the reason when there is none."""
    flows = _prepare(dates, amounts, nav_date, nav, index)
    if isinstance(flows, PmeResult):
        return flows
    paid = np.maximum(-flows.amounts, 0.0)
    received = np.maximum(flows.amounts, 0.0)
    grown_received = float(np.sum(received * flows.growth))
    if grown_received == 0:
        return PmeResult(None, "no distributions to scale")
    scale = (float(np.sum(paid * flows.growth)) - flows.nav) / grown_received
    return _rate(np.append(flows.days, flows.nav_day),
                 np.append(scale * received - paid, flows.nav))


def mpme_result(dates, amounts, nav_date, nav, index: pd.Series, navs: pd.Series) -> PmeResult:
    """Cambridge Associates mPME (IRR), with the reason when there is none."""
    flows = _prepare(dates, amounts, nav_date, nav, index)
    if isinstance(flows, PmeResult):
        return flows
    nav_days = to_days(navs.index)
    nav_values = navs.to_numpy(dtype=float)
    keep = nav_days != flows.nav_day  # `nav` is the NAV on nav_date
    nav_days = np.append(nav_days[keep], flows.nav_day)
    nav_values = np.append(nav_values[keep], flows.nav)
    order = np.argsort(nav_days, kind="stable")
    nav_days, nav_values = nav_days[order], nav_values[order]

    days, first = np.unique(flows.days, return_inverse=True)
    paid = np.bincount(first, np.maximum(-flows.amounts, 0.0), len(days))
    received = np.bincount(first, np.maximum(flows.amounts, 0.0), len(days))
    growth = np.bincount(first, flows.growth, len(days)) / np.bincount(first, None, len(days))
    # growth is I_T / I_t; the index return between two flow days is a ratio of two of them.
    position, previous_growth = 0.0, None
    out = np.empty(len(days))
    for k, day in enumerate(days):
        if previous_growth is not None:
            position *= previous_growth / growth[k]
        previous_growth = growth[k]
        position += paid[k]
        taken = 0.0
        if received[k] > 0:
            at = np.searchsorted(nav_days, day, side="right") - 1
            if at < 0:
                return PmeResult(None, f"no reported NAV on or before {to_date(day).isoformat()}")
            share = received[k] / (received[k] + nav_values[at])
            taken = share * position
            position -= taken
        out[k] = taken - paid[k]
    position *= previous_growth  # from the last flow day to nav_date
    return _rate(np.append(days, flows.nav_day), np.append(out, position))


def ks_pme(dates, amounts, nav_date, nav, index: pd.Series) -> float | None:
    """Kaplan–Schoar PME: value of the fund ÷ value of the same money in the index."""
    return ks_pme_result(dates, amounts, nav_date, nav, index).value


def direct_alpha(dates, amounts, nav_date, nav, index: pd.Series) -> float | None:
    """Direct Alpha as a discrete annual rate (continuous form: log1p of it)."""
    return direct_alpha_result(dates, amounts, nav_date, nav, index).value


def ln_pme(dates, amounts, nav_date, nav, index: pd.Series) -> float | None:
    """Long–Nickels PME as an annual IRR; None when the PME NAV is negative."""
    return ln_pme_result(dates, amounts, nav_date, nav, index).value


def pme_plus(dates, amounts, nav_date, nav, index: pd.Series) -> float | None:
    """PME+ as an annual IRR."""
    return pme_plus_result(dates, amounts, nav_date, nav, index).value


def mpme(dates, amounts, nav_date, nav, index: pd.Series, navs: pd.Series) -> float | None:
    """Cambridge Associates mPME as an annual IRR."""
    return mpme_result(dates, amounts, nav_date, nav, index, navs).value


def pme_results(dates, amounts, nav_date, nav, index: pd.Series,
                navs: pd.Series | None = None) -> dict[str, PmeResult]:
    """Every PME method at once (`mpme` only when `navs` is given), keyed by function name."""
    args = (dates, amounts, nav_date, nav, index)
    results = {
        "ks_pme": ks_pme_result(*args),
        "direct_alpha": direct_alpha_result(*args),
        "ln_pme": ln_pme_result(*args),
        "pme_plus": pme_plus_result(*args),
    }
    if navs is not None:
        results["mpme"] = mpme_result(*args, navs)
    return results
