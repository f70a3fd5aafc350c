"""The dashboard's charts: the snapshot's series handed to ``reporting.charts``.

There is no second chart library: the SVG comes from the report's functions,
which escape every label and use presentation attributes only (no ``style``),
so it passes the page's CSP. The J-curve's cumulative net is taken with the
report's own ``delta``, so screen and PDF draw the same bars.
"""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup

from fundtrack.reporting import charts
from fundtrack.reporting.formatting import delta
from fundtrack.reporting.quarterly import listed_subfunds
from fundtrack.web.formatting import display_name, term


def _trusted(svg: str) -> Markup:
    # charts.* escape every label and value they draw, so their output is markup already.
    return Markup(svg)  # noqa: S704


def _get(item, name: str, default=None):
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def _names(snapshot) -> dict[str, str]:
    return {_get(sf, "code"): display_name(sf) for sf in _get(snapshot, "subfunds") or []}


def _abridged(items: list[tuple], others: str) -> list[tuple]:
    """A long list of (label, share), largest first, as the slices a donut's legend can
    name: the largest, and one for the rest."""
    if len(items) <= charts.DONUT_LEGEND:
        return items
    head, tail = items[: charts.DONUT_LEGEND - 1], items[charts.DONUT_LEGEND - 1 :]
    return [*head, (others, sum(share or 0.0 for _, share in tail))]


def dashboard_charts(snapshot, lang: str) -> dict[str, Markup]:
    """Every chart of the dashboard as inline SVG markup (safe: built and escaped by charts)."""
    out: dict[str, Markup] = {}
    history = _get(snapshot, "history") or []
    if history:
        out["j_curve"] = _trusted(
            charts.j_curve(
                [_get(h, "quarter") for h in history],
                [delta(_get(h, "distributed"), _get(h, "paid_in")) for h in history],
                [_get(h, "irr") for h in history],
                lang=lang,
            )
        )
    flows = _get(snapshot, "cashflows") or []
    if flows:
        out["cash_flows"] = _trusted(
            charts.cash_flow_bars(
                [_get(c, "quarter") for c in flows],
                [_get(c, "lp_contributions") for c in flows],
                [_get(c, "lp_distributions") for c in flows],
                lang=lang,
            )
        )
    exposure = _get(snapshot, "exposure") or {}
    names = _names(snapshot)
    for key, shape in (
        ("by_sector", "donut"),
        ("by_subfund", "donut"),
        ("by_region", "bars"),
        ("by_stage", "bars"),
    ):
        items = [
            (
                names.get(_get(i, "key"), _get(i, "key"))
                if key == "by_subfund"
                else term(_get(i, "key")),
                _get(i, "share"),
            )
            for i in _get(exposure, key) or []
        ]
        if key == "by_subfund":
            items = _abridged(items, gettext("Other sub-funds"))
        if items:
            svg = charts.donut(items) if shape == "donut" else charts.exposure_bars(items)
            out[key] = _trusted(svg)
    reinvestment = _get(snapshot, "reinvestment") or {}
    by_fund = {_get(i, "fund"): i for i in _get(reinvestment, "by_fund") or []}
    # The sub-funds the dashboard lists, in its order.
    listed = [_get(sf, "code") for sf in listed_subfunds(_get(snapshot, "subfunds") or [])]
    bars = [
        (names.get(code, code), _get(by_fund[code], "recognised"), _get(by_fund[code], "required"))
        for code in listed
        if code in by_fund
    ]
    if bars:
        out["reinvestment"] = _trusted(charts.progress_bars(bars))
    return out
