"""Fund and company pages: the parent fund, each sub-fund, each company (look-through)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from fundtrack import get_db
from fundtrack.ledger.errors import NotFoundError
from fundtrack.services import portfolio
from fundtrack.web.access import READERS, allow
from fundtrack.web.as_of import recent_quarter_ends, requested_as_of
from fundtrack.web.figures import snapshot_or_none

bp = Blueprint("funds", __name__)


@bp.get("/funds")
@allow(*READERS)
def parent():
    as_of = requested_as_of()
    try:
        page = portfolio.parent_overview(get_db(current_app), as_of)
    except NotFoundError:
        page = None
    return render_template(
        "parent.html",
        page=page,
        as_of=as_of,
        quarter_ends=recent_quarter_ends(as_of),
        snapshot=snapshot_or_none(as_of) if page else None,
    )


@bp.get("/funds/<code>")
@allow(*READERS)
def subfund(code: str):
    as_of = requested_as_of()
    try:
        page = portfolio.subfund_overview(get_db(current_app), code, as_of)
    except NotFoundError:
        abort(404)
    snapshot = snapshot_or_none(as_of)
    figures = None
    if snapshot is not None:
        figures = next((s for s in _items(snapshot, "subfunds") if _get(s, "code") == code), None)
    indicators = [i for i in _items(snapshot, "indicators") if _get(i, "fund") == code]
    return render_template(
        "subfund.html",
        page=page,
        as_of=as_of,
        quarter_ends=recent_quarter_ends(as_of),
        figures=figures,
        indicators=indicators,
    )


@bp.get("/companies")
@allow(*READERS)
def companies():
    as_of = requested_as_of()
    rows = portfolio.companies(get_db(current_app), as_of)
    return render_template(
        "companies.html", rows=rows, as_of=as_of, quarter_ends=recent_quarter_ends(as_of)
    )


@bp.get("/companies/<code>")
@allow(*READERS)
def company(code: str):
    as_of = requested_as_of()
    try:
        page = portfolio.company_overview(get_db(current_app), code, as_of)
    except NotFoundError:
        abort(404)
    return render_template(
        "company.html", page=page, as_of=as_of, quarter_ends=recent_quarter_ends(as_of)
    )


def _items(snapshot, name: str) -> list:
    if snapshot is None:
        return []
    return list(_get(snapshot, name) or [])


def _get(item, name: str):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


@bp.get("/entities/<code>")
@allow(*READERS)
def entity(code: str):
    """Any entity code → its page (funds and companies have one; others go to the parent)."""
    kind = portfolio.entity_kind(get_db(current_app), code)
    if kind is None:
        abort(404)
    if kind == "subfund":
        return redirect(url_for("funds.subfund", code=code))
    if kind == "company":
        return redirect(url_for("funds.company", code=code))
    return redirect(url_for("funds.parent"))
