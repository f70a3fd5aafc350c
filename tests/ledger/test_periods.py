"""Quarters are calendar dates in the fund's zone, whatever the server's time zone."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from fundtrack.ledger.errors import LedgerError
from fundtrack.ledger.periods import parse_quarter, previous_quarter, quarter_end, quarter_ends


def test_quarters():
    assert parse_quarter("2026Q3") == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert parse_quarter("2024q1") == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert previous_quarter("2026Q1") == "2025Q4"
    assert quarter_end(dt.date(2024, 2, 29)) == dt.date(2024, 3, 31)
    assert quarter_ends(dt.date(2024, 9, 5), dt.date(2025, 3, 31)) == [
        dt.date(2024, 9, 30),
        dt.date(2024, 12, 31),
        dt.date(2025, 3, 31),
    ]


@pytest.mark.parametrize("text", ["2026Q5", "Q3 2026", "2026-09-30", ""])
def test_bad_quarters_are_refused_with_the_field(text):
    with pytest.raises(LedgerError) as info:
        parse_quarter(text)
    assert info.value.problems[0].field == "quarter"


def test_today_is_the_date_in_shanghai_whatever_the_server_zone():
    code = "from fundtrack.ledger.periods import today; print(today())"
    shanghai = ZoneInfo("Asia/Shanghai")
    before = dt.datetime.now(shanghai).date().isoformat()
    seen = {}
    # Zones 22 hours apart: their local dates differ for most of every day.
    for zone in ("America/Los_Angeles", "Pacific/Kiritimati", "UTC"):
        env = {**os.environ, "TZ": zone}
        seen[zone] = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
    after = dt.datetime.now(shanghai).date().isoformat()
    assert set(seen.values()) <= {before, after}, seen
