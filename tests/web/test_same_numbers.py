"""The dashboard and the board report print the same figures for the same as-of date."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from fundtrack.reporting import quarterly
from fundtrack.services.snapshot import build_snapshot

AS_OF = dt.date(2026, 9, 30)
KPIS = (
    "committed",
    "paid_in",
    "distributed",
    "nav",
    "unfunded",
    "irr",
    "dpi",
    "tvpi",
    "ks_pme",
    "direct_alpha",
)


def _kpi_text(page: str) -> str:
    """The KPI cards' visible text, without markup or spaces."""
    block = page[page.index('id="kpis"') :]
    block = block[: block.index("</section>")] if "</section>" in block else block[:20_000]
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", " ", block)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboard_kpis_equal_the_reports(web, as_role, csrf_token, demo_db, lang):
    printed = quarterly.view(build_snapshot(demo_db, AS_OF), lang).figures["kpis"]
    client = as_role("board")
    token = csrf_token(client, "/")
    client.post("/language", data={"lang": lang, "next": "/", "csrf_token": token})
    page = client.get(f"/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    on_screen = _kpi_text(page)
    for key in KPIS:
        value = re.sub(r"\s+", "", printed[key]["value"])
        assert value in on_screen, (key, value)
