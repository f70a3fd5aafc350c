"""The snapshot of figures behind the analytic pages (the same one the PDF report prints)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g

from fundtrack import get_db
from fundtrack.services.snapshot import build_snapshot
from fundtrack.web.timing import timed


def snapshot_or_none(as_of: dt.date, *, detail: bool = True, positions_for: int | None = None):
    """The snapshot as of ``as_of`` (built once per request), or None while the ledger
    has no parent fund yet.

    ``detail=False``: only what the dashboard shows; ``positions_for``: the sub-funds
    it lists (see ``build_snapshot``).
    """
    cache = g.setdefault("snapshots", {})
    key = (as_of, detail, positions_for)
    if key not in cache:
        try:
            with timed("snapshot"):
                cache[key] = build_snapshot(
                    get_db(current_app), as_of, detail=detail, positions_for=positions_for
                )
        except LookupError:
            cache[key] = None
        else:
            # Read in the snapshot's transaction: the page's banner needs no read of its own.
            g.setdefault("demo", cache[key].demo)
    return cache[key]
