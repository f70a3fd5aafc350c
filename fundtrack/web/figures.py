"""The snapshot of figures behind the analytic pages (the same one the PDF report prints)."""

from __future__ import annotations

import datetime as dt
import importlib

from flask import current_app, g

from fundtrack import get_db


def snapshot_service():
    """``build_snapshot`` when the snapshot service is installed, else None."""
    try:
        module = importlib.import_module("fundtrack.services.snapshot")
    except ModuleNotFoundError:
        return None
    return getattr(module, "build_snapshot", None)


def snapshot_or_none(as_of: dt.date):
    """The snapshot as of ``as_of`` (built once per request), or None before it exists."""
    cache = g.setdefault("snapshots", {})
    if as_of not in cache:
        build = snapshot_service()
        cache[as_of] = build(get_db(current_app), as_of) if build else None
    return cache[as_of]
