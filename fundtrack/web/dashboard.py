"""The dashboard: the parent fund's figures as of a date, from the snapshot service."""

from __future__ import annotations

from flask import Blueprint, render_template

from fundtrack.reporting.quarterly import TOP_SUBFUNDS, listed_subfunds
from fundtrack.web import charts_view
from fundtrack.web.access import READERS, allow
from fundtrack.web.as_of import recent_quarter_ends, requested_as_of
from fundtrack.web.figures import snapshot_or_none
from fundtrack.web.i18n import current_language
from fundtrack.web.timing import timed

bp = Blueprint("dashboard", __name__)

#: A NAV statement older than this (a quarter and a month) is flagged as stale.
STALE_NAV_DAYS = 120


def _stale(age: int | None) -> bool:
    return age is not None and age > STALE_NAV_DAYS


@bp.get("/")
@allow(*READERS)
def index():
    as_of = requested_as_of()
    snapshot = snapshot_or_none(as_of, detail=False, positions_for=TOP_SUBFUNDS)
    with timed("charts"):
        charts = charts_view.dashboard_charts(snapshot, current_language()) if snapshot else {}
    # A long book lists its largest sub-funds, as the report's main sections do; every
    # sub-fund is on the fund pages.
    subfunds = listed_subfunds(snapshot.subfunds) if snapshot else []
    # Every sub-fund whose last NAV statement is stale, wherever it ranks.
    stale = sorted(
        (sf for sf in (snapshot.subfunds if snapshot else []) if _stale(sf.get("nav_age_days"))),
        key=lambda sf: (-sf["nav_age_days"], sf["code"]),
    )
    breaches = snapshot.breaches if snapshot else []
    # A long list is summed up by indicator; its first rows follow.
    by_indicator: dict[str, set] = {}
    for item in breaches:
        by_indicator.setdefault(item["indicator"], set()).add(item["fund"])
    breach_summary = sorted(
        ((indicator, len(funds)) for indicator, funds in by_indicator.items()),
        key=lambda pair: (-pair[1], pair[0]),
    )
    with timed("render"):
        return render_template(
            "dashboard.html",
            breaches=breaches[:TOP_SUBFUNDS],
            breach_summary=breach_summary if len(breaches) > TOP_SUBFUNDS else [],
            more_breaches=max(len(breaches) - TOP_SUBFUNDS, 0),
            s=snapshot,
            subfunds=subfunds,
            stale=stale,
            stale_days=STALE_NAV_DAYS,
            charts=charts,
            as_of=as_of,
            quarter_ends=recent_quarter_ends(as_of),
        )
