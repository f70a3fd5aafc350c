"""The snapshot of figures behind the analytic pages (the same one the PDF report prints)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g

from fundtrack import get_db
from fundtrack.services.snapshot import build_snapshot


def snapshot_or_none(as_of: dt.date, *, detail: bool = True):
    """The snapshot as of ``as_of`` (built once per request), or None while the ledger
    has no parent fund yet.

    ``detail=False``: only what the dashboard shows (see ``build_snapshot``).
    """
    cache = g.setdefault("snapshots", {})
    key = (as_of, detail)
    if key not in cache:
        try:
            cache[key] = build_snapshot(get_db(current_app), as_of, detail=detail)
        except LookupError:
            cache[key] = None
    return cache[key]
