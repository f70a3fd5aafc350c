"""Server-Timing: how long a page spent building its figures and rendering them.

Browsers show the header in their developer tools, and ``bench/dashboard.py`` prints
its parts, so a slow page says where its time went without a profiler.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from flask import Flask, g


@contextlib.contextmanager
def timed(name: str) -> Iterator[None]:
    """Add the block's wall time to this request's ``name`` part (a token: letters,
    digits, ``_`` or ``-``)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        parts = g.setdefault("server_timing", {})
        parts[name] = parts.get(name, 0.0) + (time.perf_counter() - started) * 1000


def _header(response):
    parts = g.get("server_timing")
    if parts:
        response.headers["Server-Timing"] = ", ".join(
            f"{name};dur={ms:.1f}" for name, ms in parts.items()
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_header)
