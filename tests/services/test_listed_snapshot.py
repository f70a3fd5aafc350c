"""A snapshot that reads the dated flows of only the listed sub-funds (the dashboard's)
prints the same figures as the full one, and leaves out only what it says it does.

The book is the large demo cut to 18 sub-funds of 3 companies: more than the 15 the
dashboard lists, small enough to build in a test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from fundtrack.services.snapshot import build_snapshot

LISTED = 15
#: What an unlisted row does without its dated flows (see ``subfunds.subfund_rows``).
NEEDS_DATED_FLOWS = {"irr", "irr_reason", "recallable", "unfunded"}


@pytest.mark.parametrize(
    ("as_of", "abridged"),
    [
        (dt.date(2026, 9, 30), True),
        (dt.date(2026, 11, 29), True),
        # Before every sub-fund has a NAV statement, all flows are read: nothing is left out.
        (dt.date(2016, 6, 30), False),
    ],
)
def test_listed_snapshot_matches_the_full_one(cut_demo, as_of, abridged):
    listed = build_snapshot(cut_demo, as_of, detail=False, positions_for=LISTED).to_dict()
    full = build_snapshot(cut_demo, as_of, detail=False).to_dict()
    rows = {r["code"]: r for r in full["subfunds"]}
    assert len(rows) == 18
    computed = [r for r in listed["subfunds"] if r["irr_reason"] != "not listed"]
    skipped = [r for r in listed["subfunds"] if r["irr_reason"] == "not listed"]
    assert bool(skipped) == abridged
    if abridged:
        assert len(computed) == LISTED
        largest = sorted(rows.values(), key=lambda r: (-float(r["committed"]), r["code"]))
        assert {r["code"] for r in computed} == {r["code"] for r in largest[:LISTED]}
    for row in computed:
        assert row == rows[row["code"]]
    for row in skipped:
        expected = rows[row["code"]]
        assert {k: v for k, v in row.items() if k not in NEEDS_DATED_FLOWS} == {
            k: v for k, v in expected.items() if k not in NEEDS_DATED_FLOWS
        }
        assert row["irr"] is None
        assert row["unfunded"] is None
    for key in full:
        if key not in ("subfunds", "cashflows"):
            assert listed[key] == full[key], key
    for mine, theirs in zip(listed["cashflows"], full["cashflows"], strict=True):
        assert mine["lp_contributions"] == theirs["lp_contributions"]
        assert mine["lp_distributions"] == theirs["lp_distributions"]
        if abridged:
            assert mine["subfund_calls"] is None
            assert mine["subfund_distributions"] is None
