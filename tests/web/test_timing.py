"""The Server-Timing header: where a page's time went, in its response."""

from __future__ import annotations

import re

PART = re.compile(r"^(\w+);dur=(\d+\.\d)$")


def parts(response) -> dict[str, float]:
    header = response.headers.get("Server-Timing", "")
    found = {}
    for item in header.split(", "):
        match = PART.match(item)
        assert match, f"not a Server-Timing part: {item!r}"
        found[match.group(1)] = float(match.group(2))
    return found


def test_the_dashboard_says_how_long_its_figures_and_page_took(as_role):
    response = as_role("board").get("/?as_of=2026-09-30")
    assert response.status_code == 200
    timing = parts(response)
    assert set(timing) == {"snapshot", "charts", "render"}
    assert timing["snapshot"] > 0
    assert all(value >= 0 for value in timing.values())


def test_a_page_without_figures_sends_no_timing(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Server-Timing" not in response.headers
