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
#: 2**43: below it floats are spaced less than half a fen apart, so the float nearest a
#: 2-decimal number prints back (``repr``) as that very number.
_FEN_EXACT = 8796093022208.0


def money(value) -> Decimal | None:
    """An analytics float (or a Decimal) as money to the fen; None stays None."""
    # Exact types first: a snapshot converts thousands of Decimals and floats.
    kind = type(value)
    if kind is Decimal:
        return value.quantize(CENT)
    if kind is float:
        if -_FEN_EXACT < value < _FEN_EXACT:
            # Both round to 2 decimals correctly (half to even on the exact binary value),
            # and in this range repr gives back that number: the same Decimal, exponent
            # and sign of zero included, at a third of the cost.
            return Decimal(f"{value:.2f}")
        return Decimal(repr(round(value, 2))).quantize(CENT) if math.isfinite(value) else None
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


def records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")``, built from column lists: the same plain values, without
    pandas' fixed cost per call, which a snapshot pays dozens of times."""
    names = [str(c) for c in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


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
    signed = flows["amount"]
    contributions, distributions, recallable = _flow_sums(
        flows["kind"], signed, flows["recallable"]
    )
    rolled, nav = _rolled(navs, nav_flows, as_of, nav_share)
    dates = list(flows["date"])
    amounts = [float(a) for a in signed]
    irr = fa.xirr_result([*dates, as_of], [*amounts, nav]) if dates else None
    figures = _figures(committed, contributions, distributions, recallable, rolled, nav, irr)
    figures.update(pme_figures(dates, amounts, as_of, nav, index))
    return figures


def summary_position(
    navs,
    as_of: dt.date,
    *,
    committed: Decimal,
    contributions: Decimal,
    distributions: Decimal,
    nav_flows,
    nav_share: float | None = None,
    reason: str,
) -> dict:
    """``position``'s figures from the investor's totals instead of its dated flows.

    The same figures, computed the same way, except those that need each flow: the
    IRR and the PMEs (None, with ``reason``) and the recallable part of unfunded (None).
    ``nav_flows`` need only hold the flows after the last NAV statement.
    """
    navs = _upto_columns(columns(navs, NAV_FIELDS), as_of)
    nav_flows = _upto_columns(columns(nav_flows, FLOW_FIELDS), as_of)
    rolled, nav = _rolled(navs, nav_flows, as_of, nav_share)
    figures = _figures(committed, contributions, distributions, None, rolled, nav, None)
    figures["irr_reason"] = reason
    figures.update(pme_figures([], [], as_of, nav, None))
    return figures


def _flow_sums(kinds: list, signed: list, recallable: list) -> tuple[Decimal, Decimal, Decimal]:
    """``(contributions, distributions, recallable distributions)``, positive, in one pass:
    each the ``dsum`` of its flows in their order."""
    paid = received = recallable_total = ZERO
    for kind, amount, can_recall in zip(kinds, signed, recallable, strict=True):
        if kind == "contribution":
            paid += amount
        elif kind == "distribution":
            received += amount
            if can_recall:
                recallable_total += amount
    return -paid, received, recallable_total


def _rolled(navs: dict, nav_flows: dict, as_of: dt.date, share: float | None):
    rolled = fa.roll_forward(
        navs["date"],
        [float(v) for v in navs["nav"]],
        nav_flows["date"],
        [float(a) for a in nav_flows["amount"]],
        as_of,
    )
    return rolled, rolled.value * (1.0 if share is None else share)


def _figures(committed, contributions, distributions, recallable, rolled, nav, irr) -> dict:
    m = fa.multiples([float(contributions)], [float(distributions)], nav)
    # Exact in Decimal (fa.unfunded's definition): money shown to the fen must not pass floats.
    undrawn = max(committed - contributions, ZERO)
    return {
        "committed": money(committed),
        "paid_in": money(contributions),
        "distributed": money(distributions),
        "recallable": money(recallable),
        "undrawn": money(undrawn),
        "unfunded": None if recallable is None else money(undrawn + recallable),
        "nav": money(nav),
        "fund_nav": money(rolled.value),
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


def pme_figures(dates, amounts, as_of: dt.date, nav: float, index: pd.Series | None) -> dict:
    keys = ("ks_pme", "direct_alpha", "ln_pme", "pme_plus")
    if index is None or index.empty or not dates:
        return dict.fromkeys(keys)
    results = fa.pme_results(dates, amounts, as_of, nav, index)
    return {k: ratio(results[k].value) for k in keys}


#: Types that are plain already (exact types: ``pd.Timestamp`` subclasses ``datetime``).
_PLAIN = frozenset({str, int, bool, Decimal, dt.date, dt.datetime, type(None)})


def sanitise(value: Any) -> Any:
    """Plain Python values only: numpy scalars unwrapped, NaN/NaT/inf → None, frames → rows."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    # Plain values (nearly all of a snapshot's ~15,000) are taken as they are, without a
    # call each; a finite float is one whose difference with itself is zero.
    if isinstance(value, dict):
        return {
            k: v if (t := type(v)) in _PLAIN or (t is float and v - v == 0.0) else sanitise(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [
            v if (t := type(v)) in _PLAIN or (t is float and v - v == 0.0) else sanitise(v)
            for v in value
        ]
    if isinstance(value, pd.DataFrame):
        return [sanitise(r) for r in records(value)]
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
