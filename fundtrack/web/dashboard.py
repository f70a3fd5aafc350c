"""The dashboard: the parent fund's figures as of a date, from the snapshot service."""

from __future__ import annotations

from flask import Blueprint, render_template

from fundtrack.web import charts_view
from fundtrack.web.access import READERS, allow
from fundtrack.web.as_of import recent_quarter_ends, requested_as_of
from fundtrack.web.figures import snapshot_or_none
from fundtrack.web.i18n import current_language

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@allow(*READERS)
def index():
    as_of = requested_as_of()
    snapshot = snapshot_or_none(as_of, detail=False)
    charts = charts_view.dashboard_charts(snapshot, current_language()) if snapshot else {}
    return render_template(
        "dashboard.html",
        s=snapshot,
        charts=charts,
        as_of=as_of,
        quarter_ends=recent_quarter_ends(as_of),
    )
