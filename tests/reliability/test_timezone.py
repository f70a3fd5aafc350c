"""Item 6: quarter ends and as-of dates are Shanghai calendar dates, whatever the server's TZ.

The 2026Q3 report's figures are computed in worker processes with ``TZ=UTC`` and
``TZ=America/Los_Angeles`` (15–16 hours behind Shanghai) against one database,
the way ``build_report`` computes what it stores in ``ReportRun.figures`` (every
value the PDF prints; the PDF rasterisation, which cannot change them, is left
out to keep the test fast). Both languages; the results must be identical.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import fundtrack

ZONELESS = re.compile(
    r"\b(?:date\.today\(\)|datetime\.(?:now|today)\(\)|utcnow\(\)\.date|"
    r"datetime\.utcnow\(|Timestamp\.(?:now|today)\(\)|time\.localtime\(|date\.fromtimestamp\()"
)


def test_report_figures_do_not_depend_on_the_server_time_zone(demo_db, db_url, spawn, outcome):
    workers = {
        (zone, lang): spawn("figures", db_url, "2026Q3", lang, env={**os.environ, "TZ": zone})
        for zone in ("UTC", "America/Los_Angeles")
        for lang in ("zh", "en")
    }
    results = {key: outcome(w) for key, w in workers.items()}
    assert all(r["ok"] for r in results.values()), results
    for lang in ("zh", "en"):
        utc = results["UTC", lang]["figures"]
        la = results["America/Los_Angeles", lang]["figures"]
        assert utc["meta"]["as_of_iso"] == "2026-09-30"
        assert utc["kpis"]
        assert utc == la


def test_no_date_or_time_taken_without_a_zone_in_the_code():
    """Today's date comes from ``periods.today()`` (Shanghai); instants are UTC-aware."""
    root = Path(fundtrack.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ZONELESS.search(line)
    ]
    assert found == []
