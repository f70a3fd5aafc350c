"""The quarterly PDF of the demo portfolio, rendered once per language (SQLite; the figures
come from the snapshot, whose own tests run on both databases)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from fundtrack.ledger.db import Database
from fundtrack.ledger.models import Entity, ReportRun
from fundtrack.reporting import render
from fundtrack.services.demo import load_demo
from fundtrack.services.reports import build_report
from fundtrack.services.snapshot import build_snapshot

AS_OF = dt.date(2026, 9, 30)
EVIL = '<img src="file:///etc/passwd"> 晋数智算'
SECTIONS = {
    "zh": [
        "基金概况及重大事项",
        "募资与出资",
        "子基金设立与出资进度",
        "项目投资",
        "返投及招商落地",
        "退出与收益分配",
        "财务与估值",
        "合规与风险提示",
        "绩效目标完成情况",
        "现金流预测",
        "指标定义",
    ],
    "en": [
        "Fund overview and key events",
        "Fundraising and paid-in capital",
        "Sub-fund set-up and capital progress",
        "Portfolio investments",
        "Local reinvestment",
        "Exits and distributions",
        "Performance and valuation",
        "Compliance and risk",
        "Performance targets",
        "Cash-flow forecast",
        "Definitions",
    ],
}


def pdftotext(path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def built(sqlite_template, tmp_path_factory):
    """The demo with one company renamed to markup, and its 2026Q3 report in zh and en."""
    folder = tmp_path_factory.mktemp("report")
    shutil.copy(sqlite_template, folder / "fundtrack.db")
    db = Database(f"sqlite:///{folder / 'fundtrack.db'}")
    load_demo(db, progress=lambda _m: None)
    with db.write() as session:
        session.execute(
            update(Entity).where(Entity.code == "CO-SUANLI").values(name=EVIL, name_en=EVIL)
        )
    results = {
        lang: build_report(db, "2026Q3", lang, folder / f"report-{lang}.pdf", "test")
        for lang in ("zh", "en")
    }
    texts = {lang: pdftotext(r.path) for lang, r in results.items()}
    yield db, results, texts
    db.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_pages_and_marks(built, lang):
    _db, results, texts = built
    text = texts[lang]
    for title in SECTIONS[lang]:
        assert title in text, title
    assert results[lang].pages >= 8
    assert "演示数据 / demo data" in text  # the demo mark, on every page's margin
    assert text.count("演示数据 / demo data") >= results[lang].pages - 1
    assert ("第 3 页" in text) if lang == "zh" else ("Page 3 of" in text)
    as_of = "数据截至 2026年9月30日" if lang == "zh" else "as of 30 September 2026"
    assert as_of in text


def test_key_figures_match_independent_formatting(built):
    db, _results, texts = built
    snap = build_snapshot(db, AS_OF)
    k = snap.kpis
    # The demo's LPs commit 1.2 + 1.05 + 0.75 bn: 30.00亿元 / CNY 3,000.00m.
    assert "30.00亿元" in texts["zh"]
    assert "CNY 3,000.00m" in texts["en"]
    # Other figures from the snapshot, formatted here with plain Python, not our formatter.
    assert f"{k['paid_in'] / Decimal(10**8):.2f}亿元" in texts["zh"]
    assert f"CNY {k['paid_in'] / Decimal(10**6):,.2f}m" in texts["en"]
    assert f"{k['nav'] / Decimal(10**8):.2f}亿元" in texts["zh"]
    for lang in ("zh", "en"):
        assert f"{k['tvpi']:.2f}x" in texts[lang]
        assert f"{k['irr'] * 100:.1f}%" in texts[lang]
        assert f"{snap.exposure['top10_share'] * 100:.1f}%" in texts[lang]
    # LP table cells in 万元: the fiscal LP's paid-in.
    fiscal = next(lp for lp in snap.lps if lp["code"] == "LP-FISCAL")
    assert f"{fiscal['paid_in'] / 10_000:,.2f}" in texts["zh"]


def test_report_run_records_what_was_printed(built):
    db, results, texts = built
    with db.read() as session:
        runs = {r.language: r for r in session.scalars(select(ReportRun))}
    assert set(runs) == {"zh", "en"}
    for lang, run in runs.items():
        assert run.quarter == "2026Q3"
        assert run.as_of == AS_OF
        assert run.sha256 == results[lang].sha256
        printed = [v["value"] for v in run.figures["kpis"].values()]
        assert len(printed) == 12
        for value in printed:
            assert value in texts[lang], value
        for row in run.figures["lps"]["rows"]:
            for cell in row:
                assert cell in texts[lang], cell


def test_cjk_font_embedded_no_attachments_pages_render(built, tmp_path):
    _db, results, _texts = built
    path = results["zh"].path
    fonts = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    cjk = [line for line in fonts if "Noto-Sans-CJK-SC" in line]
    assert cjk
    assert all(line.split()[-5] == "yes" for line in cjk)  # the emb column
    assert PdfReader(path).attachments == {}
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "4", str(path), str(tmp_path / "page")],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 4
    for page in pages:
        data = page.read_bytes()
        pixels = data.split(b"\n", 3)[3]  # P5, size, maxval, then the grey bytes
        dark = sum(1 for b in pixels if b < 128)
        assert dark > 500, page  # text and rules, not a blank page


def test_markup_in_names_prints_literally_and_nothing_is_fetched(built):
    _db, results, texts = built
    for lang in ("zh", "en"):
        assert EVIL in texts[lang]  # the name, as text
        assert results[lang].refused == []  # escaped: the <img> never reached the renderer


def test_fetcher_allows_only_assets_and_data(tmp_path):
    html = (
        '<html><head><link rel="stylesheet" href="report.css">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<link rel="attachment" href="file:///etc/hostname"></head><body><p>x</p>'
        '<img src="file:///etc/passwd"><img src="https://example.com/a.png">'
        '<img src="../../../../etc/passwd">'
        "<img src=\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' "
        "width='4' height='4'/>\"></body></html>"
    )
    result = render.html_to_pdf(html, tmp_path / "x.pdf")
    assert "file:///etc/passwd" in result.refused
    assert "http://127.0.0.1:9/x.css" in result.refused
    assert "https://example.com/a.png" in result.refused
    assert "file:///etc/hostname" in result.refused
    assert any(
        url.endswith("/etc/passwd") and url != "file:///etc/passwd" for url in result.refused
    )  # the relative escape, resolved and refused
    assert any(url.endswith("/assets/report.css") for url in result.fetched)
    assert any(url.startswith("data:") for url in result.fetched)
    assert PdfReader(result.path).attachments == {}


def test_renderer_limits(tmp_path):
    heavy = "<html><body>" + "<p>页</p>" * 20_000 + "</body></html>"
    with pytest.raises(render.RenderError, match="longer than"):
        render.html_to_pdf(heavy, tmp_path / "slow.pdf", timeout=0.5)
    with pytest.raises(render.RenderError):
        render.html_to_pdf(heavy, tmp_path / "big.pdf", memory_mb=20)
    assert not (tmp_path / "slow.pdf").exists()
    assert not (tmp_path / "big.pdf").exists()
