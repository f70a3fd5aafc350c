"""A book with more sub-funds than the dashboard lists: the largest, a link to all, stale NAVs.

The sub-funds beyond the demo's are copies of its rows under new codes, with
commitments and NAV ages chosen so that the expected selection is known.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest

from fundtrack.reporting.charts import DONUT_LEGEND
from fundtrack.reporting.quarterly import TOP_SUBFUNDS, rank_subfunds
from fundtrack.services.snapshot import build_snapshot
from fundtrack.web import dashboard

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture
def many_subfunds(demo_db, monkeypatch):
    """The demo's snapshot with 24 sub-funds; every fourth reports a NAV 200+ days old."""
    real = build_snapshot(demo_db, AS_OF, detail=False)
    template = real.subfunds[0]
    rows = []
    for i in range(24):
        row = dict(template)
        row.update(
            code=f"SF-T{i:02d}",
            name=f"测试子基金{i:02d}",
            name_en=f"Test sub-fund {i:02d}",
            # Commitments out of code order; SF-T23 ties SF-T13 at 20 million.
            committed=Decimal(1_000_000 * ((i * 7) % 24 + 1)) if i != 23 else Decimal(20_000_000),
            nav_age_days=200 + i if i % 4 == 0 else 30,
        )
        rows.append(row)
    breaches = [
        {
            "fund": row["code"],
            "indicator": "core_sector_share" if i % 3 else "idle_cash_share",
            "value": 0.1,
            "threshold": 0.6 if i % 3 else 0.05,
            "direction": "min" if i % 3 else "max",
            "breach": True,
        }
        for i, row in enumerate(rows)
    ]
    fake = dataclasses.replace(real, subfunds=rows, breaches=breaches)
    monkeypatch.setattr(dashboard, "snapshot_or_none", lambda as_of, **_options: fake)
    return rows


def test_dashboard_lists_the_largest_subfunds_and_links_to_all(many_subfunds, as_role):
    page = as_role("board").get(f"/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    table = page.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    listed = re.findall(r"/funds/(SF-T\d\d)", table)
    expected = [sf["code"] for sf in rank_subfunds(many_subfunds)[:TOP_SUBFUNDS]]
    assert listed == expected
    assert len(listed) == TOP_SUBFUNDS
    committed = {sf["code"]: sf["committed"] for sf in many_subfunds}
    assert all(committed[a] >= committed[b] for a, b in itertools.pairwise(listed))
    assert committed["SF-T13"] == committed["SF-T23"]
    assert listed.index("SF-T13") == listed.index("SF-T23") - 1  # a tie goes by code
    assert "/funds?as_of=2026-09-30" in page
    assert "24" in page.split("/funds?as_of=", 1)[0].rsplit("<p", 1)[1]


def test_dashboard_names_every_stale_nav_whatever_its_rank(many_subfunds, as_role):
    page = as_role("manager").get(f"/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    stale_panel = page.split('<ul class="compact">', 1)[1].split("</ul>", 1)[0]
    named = re.findall(r"/entities/(SF-T\d\d)", stale_panel)
    stale = sorted(
        (sf for sf in many_subfunds if sf["nav_age_days"] > dashboard.STALE_NAV_DAYS),
        key=lambda sf: -sf["nav_age_days"],
    )
    assert named == [sf["code"] for sf in stale]
    assert len(named) == 6


def test_a_small_book_lists_every_subfund_without_the_link(demo_db, as_role):
    page = as_role("board").get(f"/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    subfunds = build_snapshot(demo_db, AS_OF, detail=False).subfunds
    table = page.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"/funds/([A-Z0-9-]+)\?", table)) == len(subfunds)
    assert "/funds?as_of=" not in page.split('<table class="data">', 1)[0].rsplit("<h2>", 1)[1]


def test_charts_of_a_large_book_show_the_largest_and_the_rest(many_subfunds, app):
    from fundtrack.web.charts_view import dashboard_charts

    shares = [(sf["code"], 1.0 / 24) for sf in many_subfunds]
    exposure = {"by_subfund": [{"key": code, "share": share} for code, share in shares]}
    reinvestment = {
        "by_fund": [
            {"fund": sf["code"], "recognised": Decimal(1), "required": Decimal(2)}
            for sf in many_subfunds
        ]
    }
    snapshot = {"subfunds": many_subfunds, "exposure": exposure, "reinvestment": reinvestment}
    with app.test_request_context("/"):  # Chinese, the default
        charts = dashboard_charts(snapshot, "zh")
    donut = str(charts["by_subfund"])
    assert sum(sf["name"] in donut for sf in many_subfunds) == DONUT_LEGEND - 1
    assert "其他子基金" in donut
    bars = str(charts["reinvestment"])
    expected = [sf["name"] for sf in rank_subfunds(many_subfunds)[:TOP_SUBFUNDS]]
    positions = [bars.find(name) for name in expected]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions)
    assert sum(sf["name"] in bars for sf in many_subfunds) == TOP_SUBFUNDS


def test_a_long_list_of_breaches_is_summed_up_and_abridged(many_subfunds, as_role):
    page = as_role("board").get(f"/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    panel = page.split("<h2>超限事项</h2>", 1)[1].split("<h2>", 1)[0]
    assert "共 24 项超限" in panel
    assert "16 支子基金" in panel  # by indicator, largest first
    assert "8 支子基金" in panel
    assert panel.index("16 支子基金") < panel.index("8 支子基金")
    assert panel.count('<tr class="breach">') == TOP_SUBFUNDS
    assert "另有 9 项见各子基金页面" in panel
