"""A fund's position at a date: paid-in, distributions, NAV rolled forward, IRR, multiples, PME.

These helpers turn ledger frames (exact ``Decimal`` money) into analytics inputs
(floats) and the results back into display values: money as ``Decimal`` to the
fen, ratios as float or None — never NaN.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from fundtrack import analytics as fa

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value) -> Decimal | None:
    """An analytics float (or a Decimal) as money to the fen; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Decimal(repr(round(float(value), 2))).quantize(CENT)


def ratio(value) -> float | None:
    """A finite float, or None (no NaN or infinity ever reaches a page)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def dsum(values) -> Decimal:
    return sum(values, ZERO)


def upto(frame: pd.DataFrame, day: dt.date, column: str = "date") -> pd.DataFrame:
    return frame[frame[column] <= day] if not frame.empty else frame


def columns(frame, names: tuple[str, ...]) -> dict[str, list]:
    """``frame``'s ``names`` columns as plain lists (a dict of lists passes through).

    Per-fund figures are a few sums over a few dozen rows: on plain lists they cost
    microseconds, where each pandas filter costs a fraction of a millisecond.
    """
    if isinstance(frame, dict):
        return frame
    return {name: frame[name].tolist() for name in names}


def _upto_columns(cols: dict[str, list], day: dt.date) -> dict[str, list]:
    dates = cols["date"]
    if all(d <= day for d in dates):
        return cols
    keep = [i for i, d in enumerate(dates) if d <= day]
    return {name: [values[i] for i in keep] for name, values in cols.items()}


FLOW_FIELDS = ("date", "kind", "amount", "recallable")
NAV_FIELDS = ("date", "nav")


def position(
    flows,
    navs,
    as_of: dt.date,
    *,
    committed: Decimal = ZERO,
    index: pd.Series | None = None,
    nav_flows=None,
    nav_share: float | None = None,
) -> dict:
    """Figures of one investor in one fund at ``as_of``.

    ``flows``: the investor's flows (``date, kind, amount, recallable``; signed, the
    investor's view). ``navs``: the fund's NAV statements (``date, nav``). The NAV is
    rolled forward with ``nav_flows`` (all investors' flows, for a fund's whole NAV;
    default ``flows``) and the investor holds ``nav_share`` of it (default all).
    Each may be a DataFrame or a dict of column lists (see ``columns``).
    """
    flows = _upto_columns(columns(flows, FLOW_FIELDS), as_of)
    navs = _upto_columns(columns(navs, NAV_FIELDS), as_of)
    nav_flows = (
        flows if nav_flows is None else _upto_columns(columns(nav_flows, FLOW_FIELDS), as_of)
    )
    kinds, signed = flows["kind"], flows["amount"]
    contributions = -dsum(a for k, a in zip(kinds, signed, strict=True) if k == "contribution")
    distributions = dsum(a for k, a in zip(kinds, signed, strict=True) if k == "distribution")
    recallable = dsum(
        a
        for k, a, r in zip(kinds, signed, flows["recallable"], strict=True)
        if k == "distribution" and r
    )
    nav_series = pd.Series(
        [float(v) for v in navs["nav"]],
        index=pd.DatetimeIndex(np.array(navs["date"], dtype="datetime64[D]")),
        dtype=float,
    )
    rolled = fa.roll_forward_nav(
        nav_series,
        nav_flows["date"],
        [float(a) for a in nav_flows["amount"]],
        as_of,
    )
    whole_nav = rolled.value
    nav = whole_nav * (1.0 if nav_share is None else nav_share)
    dates = list(flows["date"])
    amounts = [float(a) for a in signed]
    irr = fa.xirr_result([*dates, as_of], [*amounts, nav]) if dates else None
    m = fa.multiples([float(contributions)], [float(distributions)], nav)
    # Exact in Decimal (fa.unfunded's definition): money shown to the fen must not pass floats.
    undrawn = max(committed - contributions, ZERO)
    figures = {
        "committed": money(committed),
        "paid_in": money(contributions),
        "distributed": money(distributions),
        "recallable": money(recallable),
        "undrawn": money(undrawn),
        "unfunded": money(undrawn + recallable),
        "nav": money(nav),
        "fund_nav": money(whole_nav),
        "nav_date": rolled.reported_date,
        "nav_reported": money(rolled.reported_value),
        "nav_age_days": rolled.age_days,
        "irr": ratio(irr.rate) if irr else None,
        "irr_reason": (irr.reason if irr else "no cash flows"),
        "dpi": ratio(m["dpi"]),
        "rvpi": ratio(m["rvpi"]),
        "tvpi": ratio(m["tvpi"]),
        "pic_ratio": ratio(fa.pic_to_commitment(float(contributions), float(committed))),
    }
    figures.update(pme_figures(dates, amounts, as_of, nav, index))
    return figures


def pme_figures(dates, amounts, as_of: dt.date, nav: float, index: pd.Series | None) -> dict:
    keys = ("ks_pme", "direct_alpha", "ln_pme", "pme_plus")
    if index is None or index.empty or not dates:
        return dict.fromkeys(keys)
    results = fa.pme_results(dates, amounts, as_of, nav, index)
    return {k: ratio(results[k].value) for k in keys}


def sanitise(value: Any) -> Any:
    """Plain Python values only: numpy scalars unwrapped, NaN/NaT/inf → None, frames → rows."""
    if isinstance(value, dict):
        return {k: sanitise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitise(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [sanitise(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or (
        value is not None
        and not isinstance(value, (str, bytes, list, dict))
        and pd.api.types.is_scalar(value)
        and pd.isna(value)
    ):
        return None
    return value
