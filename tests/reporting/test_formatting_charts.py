"""Number formats and SVG charts: expected strings written out by hand."""

from __future__ import annotations

import math
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from fundtrack.reporting import charts
from fundtrack.reporting import formatting as f


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (Decimal("3000000000"), "zh", "30.00亿元"),
        (Decimal("35000000"), "zh", "3,500.00万元"),
        (Decimal("-12345678"), "zh", "-1,234.57万元"),
        (Decimal("99999999.99"), "zh", "10,000.00万元"),  # below 1亿: still 万元
        (Decimal("35000000"), "en", "CNY 35.00m"),
        (Decimal("1234567890"), "en", "CNY 1,234.57m"),
        (Decimal("0.004"), "zh", "0.00万元"),
        (None, "zh", "—"),
        (float("nan"), "en", "—"),
    ],
)
def test_money(value, lang, expected):
    assert f.money(value, lang) == expected


def test_ratios_multiples_changes():
    assert f.percent(0.1234) == "12.3%"
    assert f.percent(Decimal("0.12345"), 2) == "12.35%"  # half-up on the exact value
    assert f.percent(None) == "—"
    assert f.percent(float("inf")) == "—"
    assert f.multiple(1.235) == "1.24x"
    assert f.multiple(Decimal("0.5")) == "0.50x"
    assert f.change(0.012, "percent") == "+1.2pp"
    assert f.change(-0.025, "percent") == "-2.5pp"
    assert f.change(0.0, "percent") == "0.0pp"
    assert f.change(Decimal("17159000"), "money", "zh") == "+1,715.90万元"
    assert f.change(None, "multiple") == "—"
    assert f.delta(Decimal(5), None) is None
    assert f.quarter("2026Q3") == "2026年第三季度"
    assert f.quarter("2026Q3", "en") == "Q3 2026"
    assert f.date("2026-09-30", "zh", "long") == "2026年9月30日"
    assert f.money(Decimal("-0.001"), "zh") == "0.00万元"  # never "-0.00"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # well-formed XML, or this raises


def test_charts_escape_labels_and_skip_missing():
    evil = '<script>alert(1)</script> & "x"'
    svgs = [
        charts.exposure_bars([(evil, 0.5), ("b", None), ("c", math.nan)]),
        charts.donut([(evil, 2), ("b", 1), ("c", None)]),
        charts.progress_bars([(evil, 3, 2), ("b", 1, None)]),
        charts.j_curve(["2025Q1", "2025Q2", evil], [-1e8, None, 5e7], [None, -0.05, 0.1]),
        charts.cash_flow_bars(["a", evil], [1e8, 0], [0, 2e8], net=[-1e8, 2e8]),
        charts.forecast_lines(["a", "b", evil], [(evil, [1e8, None, 3e8])], actual_until=0),
    ]
    for svg in svgs:
        root = _parse(svg)
        assert root.tag.endswith("svg")
        assert "<script" not in svg
        assert "nan" not in svg.lower().replace("font", "")
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert any(evil in (t or "") or (t or "").startswith("<script>") for t in texts)


def test_charts_geometry():
    svg = charts.exposure_bars([("a", 0.75), ("b", 0.25)], width=300, label_width=100)
    root = _parse(svg)
    bars = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] == pytest.approx(3 * widths[1])  # proportional to the share
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "75.0%" in texts
    assert "25.0%" in texts
    empty = charts.j_curve([], [], lang="en")
    assert "no data yet" in empty
    donut = charts.donut([("only", 1)])
    assert "100.0%" in donut
