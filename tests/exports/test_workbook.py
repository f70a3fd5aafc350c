"""The ILPA-style workbook: its figures are the snapshot's, its cash flows reproduce every IRR,
its cells are typed, its user text is inert; the CLI and the reports page hand it out.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import openpyxl
import pytest
from pyxirr import xirr
from sqlalchemy import select, update

from fundtrack.ledger.models import Entity, Recognition
from fundtrack.reporting.labels import LABELS
from fundtrack.reporting.workbook import FORMATS, WORDS
from fundtrack.services.accounts import create_user
from fundtrack.services.exports import export_workbook
from fundtrack.services.snapshot import build_snapshot

AS_OF = dt.date(2026, 9, 30)
CENT = Decimal("0.01")
XIRR = re.compile(
    r"^=XIRR\('(?P<sheet>[^']+)'!\$F\$(?P<a>\d+):\$F\$(?P<b>\d+),"
    r"'(?P=sheet)'!\$C\$(?P=a):\$C\$(?P=b)\)$"
)
EVIL = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-1", "\t=1+1", "\r=1+1"]


def _export(db, tmp_path, lang="zh"):
    out = tmp_path / f"ilpa-{lang}.xlsx"
    done = export_workbook(db, "2026Q3", out, lang=lang)
    return done, openpyxl.load_workbook(out)


def _rows(ws) -> list[dict]:
    """Each row as {header: cell}."""
    headers = [c.value for c in ws[1]]
    return [
        {h: cell for h, cell in zip(headers, row, strict=True) if h is not None}
        for row in ws.iter_rows(min_row=2)
    ]


def _fen(cell) -> Decimal:
    assert isinstance(cell.value, (int, float)), (cell.coordinate, cell.value)
    return Decimal(repr(cell.value)).quantize(CENT)


def _ratio_equal(cell, expected) -> None:
    if expected is None:
        assert cell.value is None, cell.coordinate
        return
    assert isinstance(cell.value, (int, float)), (cell.coordinate, cell.value)
    assert cell.value == pytest.approx(expected, abs=1e-12, rel=0), cell.coordinate


def test_fund_sheet_equals_the_snapshot(demo_db, tmp_path):
    snapshot = build_snapshot(demo_db, AS_OF)
    done, wb = _export(demo_db, tmp_path)
    words, labels = WORDS["zh"], LABELS["zh"]
    kpi = labels["kpi"]
    assert done.as_of == AS_OF
    assert done.quarter == "2026Q3"
    ws = wb[words["sheets"]["funds"]]
    rows = {r[words["code"]].value: r for r in _rows(ws)}
    expected = {snapshot.fund["code"]: snapshot.kpis} | {s["code"]: s for s in snapshot.subfunds}
    assert list(rows) == list(expected)  # the parent first, then each sub-fund
    for code, figures in expected.items():
        row = rows[code]
        for key in ("committed", "paid_in", "distributed", "unfunded", "nav"):
            assert _fen(row[kpi[key]]) == figures[key], (code, key)
            assert row[kpi[key]].number_format == "#,##0.00"
        for key, fmt in (
            ("dpi", '0.00"x"'),
            ("rvpi", '0.00"x"'),
            ("tvpi", '0.00"x"'),
            ("irr", "0.00%"),
            ("ks_pme", '0.00"x"'),
            ("direct_alpha", "0.00%"),
        ):
            _ratio_equal(row[kpi[key]], figures[key])
            assert row[kpi[key]].number_format == fmt, (code, key)
        nav_date = row[labels["nav_date"]]
        assert nav_date.value.date() == figures["nav_date"]
        assert nav_date.number_format == "yyyy-mm-dd"
        assert row[labels["nav_age"]].value == figures["nav_age_days"]
        assert row[labels["benchmark"]].value == snapshot.benchmark["name"]
    for sf in snapshot.subfunds:
        row = rows[sf["code"]]
        _ratio_equal(row[words["gross_irr"]], sf["gross_irr"])
        _ratio_equal(row[words["gross_tvpi"]], sf["gross_tvpi"])
        _ratio_equal(row[labels["stake"]], sf["stake"])
        assert row[words["level"]].value == words["levels"]["parent"]
    # The parent has no gross figures: empty cells, not zeros or text.
    parent = rows[snapshot.fund["code"]]
    assert parent[words["gross_irr"]].value is None
    assert parent[words["gross_tvpi"]].value is None


def test_cash_flow_sheet_reproduces_every_irr(demo_db, tmp_path):
    snapshot = build_snapshot(demo_db, AS_OF)
    _done, wb = _export(demo_db, tmp_path)
    words = WORDS["zh"]
    flows_ws = wb[words["sheets"]["flows"]]
    series: dict[tuple[str, str], list[dict]] = {}
    level_of = {v: k for k, v in words["levels"].items()}
    for i, row in enumerate(_rows(flows_ws), start=2):
        key = (row[words["fund"]].value, level_of[row[words["level"]].value])
        series.setdefault(key, []).append({"row": i, **{h: c.value for h, c in row.items()}})
    date_h, amount_h = LABELS["zh"]["date"], words["amount"]

    def irr_of(rows):
        return xirr([r[date_h] for r in rows], [r[amount_h] for r in rows])

    expected = {(snapshot.fund["code"], "net"): (snapshot.kpis["irr"], snapshot.kpis["nav"])}
    for sf in snapshot.subfunds:
        expected[(sf["code"], "parent")] = (sf["irr"], sf["nav"])
        expected[(sf["code"], "gross")] = (sf["gross_irr"], sf["fair_value"])
    assert set(series) == set(expected)
    for key, (irr, closing) in expected.items():
        rows = series[key]
        # Each series is contiguous and ends with the NAV (or fair value) at the as-of date.
        assert [r["row"] for r in rows] == list(range(rows[0]["row"], rows[-1]["row"] + 1))
        assert rows[-1][date_h].date() == AS_OF
        assert Decimal(repr(rows[-1][amount_h])).quantize(CENT) == closing
        assert [r[date_h] for r in rows] == sorted(r[date_h] for r in rows)
        # The NAV row is the snapshot's NAV to the fen, so the rate agrees to well within 1e-9.
        assert irr_of(rows) == pytest.approx(irr, abs=1e-9, rel=0), key
    # Paid-in recomputed from the sheet equals the snapshot's, to the fen.
    for code, level, figures in [(snapshot.fund["code"], "net", snapshot.kpis)] + [
        (s["code"], "parent", s) for s in snapshot.subfunds
    ]:
        paid = -sum(
            Decimal(repr(r[amount_h]))
            for r in series[(code, level)]
            if r[words["type"]] == words["kinds"]["contribution"]
        )
        assert paid.quantize(CENT) == figures["paid_in"], code

    # The fund sheet's XIRR formulas point at exactly those rows.
    funds_ws = wb[words["sheets"]["funds"]]
    checked = 0
    for row in _rows(funds_ws):
        code = row[words["code"]].value
        for header, level in ((words["irr_xirr"], "parent"), (words["gross_xirr"], "gross")):
            if code == snapshot.fund["code"]:
                level = "net" if level == "parent" else None
            cell = row[header]
            if level is None:
                assert cell.value is None
                continue
            match = XIRR.match(cell.value)
            assert match, cell.value
            assert match["sheet"] == flows_ws.title
            assert cell.number_format == "0.00%"
            rows = series[(code, level)]
            assert (int(match["a"]), int(match["b"])) == (rows[0]["row"], rows[-1]["row"])
            referenced = [
                {date_h: flows_ws[f"C{i}"].value, amount_h: flows_ws[f"F{i}"].value}
                for i in range(int(match["a"]), int(match["b"]) + 1)
            ]
            assert irr_of(referenced) == pytest.approx(expected[(code, level)][0], abs=1e-9)
            checked += 1
    assert checked == 1 + 2 * len(snapshot.subfunds)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_cell_is_typed_and_no_cell_says_nan(demo_db, tmp_path, lang):
    done, wb = _export(demo_db, tmp_path, lang)
    words = WORDS[lang]
    assert wb.sheetnames == list(words["sheets"].values()) == done.sheets
    allowed = set(FORMATS.values())
    numbers = 0
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        header = [c for c in ws[1] if c.value is not None]
        assert header, ws.title
        assert all(c.font.b for c in header), ws.title
        for c in header:
            assert ws.column_dimensions[c.column_letter].width >= 8, (ws.title, c.value)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                value = cell.value
                where = f"{ws.title}!{cell.coordinate}"
                if isinstance(value, bool):
                    pytest.fail(f"{where} holds a bare boolean")
                if isinstance(value, (int, float)):
                    numbers += 1
                    assert cell.number_format in allowed, (where, cell.number_format)
                elif isinstance(value, dt.datetime):
                    assert cell.number_format == "yyyy-mm-dd", where
                elif isinstance(value, str):
                    assert value.strip().lower() not in ("nan", "none", "nat", "inf", ""), where
                    if cell.data_type == "f":
                        assert value.startswith("=XIRR("), where
                    else:
                        # No figure sneaked in as text.
                        assert not re.fullmatch(r"-?[\d,]+(\.\d+)?%?x?", value), where
    assert numbers > 300
    # Sheets beyond the fund sheet carry the snapshot's tables.
    snapshot = build_snapshot(demo_db, AS_OF)
    top = _rows(wb[words["sheets"]["top"]])
    assert [r[words["code"]].value for r in top] == [
        c["code"] for c in snapshot.exposure["top_companies"]
    ]
    for row, company in zip(top, snapshot.exposure["top_companies"], strict=True):
        assert _fen(row[LABELS[lang]["look_through_value"]]) == company["value"]
        _ratio_equal(row[LABELS[lang]["share"]], company["share"])
        flag = row[words["multi"]].value
        assert flag == (LABELS[lang]["yes"] if company["multi"] else LABELS[lang]["no"])
    multi = _rows(wb[words["sheets"]["multi"]])
    assert [r[words["code"]].value for r in multi] == [
        c["code"] for c in snapshot.exposure["multi_held"]
    ]
    indicators = _rows(wb[words["sheets"]["indicators"]])
    assert len(indicators) == len(snapshot.indicators)
    breaches = [r for r in indicators if r[words["breach"]].value == LABELS[lang]["yes"]]
    assert len(breaches) == len(snapshot.breaches) > 0
    for row, item in zip(indicators, snapshot.indicators, strict=True):
        _ratio_equal(row[LABELS[lang]["actual"]], item["value"])
        _ratio_equal(row[LABELS[lang]["threshold"]], item["threshold"])
        fmt = '0.00"x"' if item["indicator"] == "leverage" else "0.00%"
        assert row[LABELS[lang]["actual"]].number_format == fmt, item["indicator"]
    reinvest = _rows(wb[words["sheets"]["reinvestment"]])
    total = reinvest[-1]
    assert _fen(total[LABELS[lang]["required"]]) == snapshot.reinvestment["required"]
    assert _fen(total[LABELS[lang]["recognised"]]) == snapshot.reinvestment["recognised"]
    entries = _rows(wb[words["sheets"]["recognitions"]])
    assert len(entries) == len(snapshot.reinvestment["entries"])
    card = _rows(wb[words["sheets"]["scorecard"]])
    assert card[-1][LABELS[lang]["score"]].value == pytest.approx(snapshot.scorecard["total"])
    definitions = [r[words["about"]].value for r in _rows(wb[words["sheets"]["definitions"]])]
    assert "DPI" in definitions
    assert "TVPI" in definitions


def test_user_text_is_neutralised(demo_db, tmp_path):
    snapshot = build_snapshot(demo_db, AS_OF)
    codes = [c["code"] for c in snapshot.exposure["top_companies"][: len(EVIL)]]
    with demo_db.write() as session:
        for code, text in zip(codes, EVIL, strict=True):
            session.execute(
                update(Entity).where(Entity.code == code).values(name=text, name_en=text)
            )
        first = session.scalars(select(Recognition).order_by(Recognition.id)).first()
        first.evidence = EVIL[0]
    for lang in ("zh", "en"):
        _done, wb = _export(demo_db, tmp_path, lang)
        top = _rows(wb[WORDS[lang]["sheets"]["top"]])
        shown = {r[WORDS[lang]["code"]].value: r[LABELS[lang]["company"]] for r in top}
        for code, text in zip(codes, EVIL, strict=True):
            # XML stores a carriage return as a line feed (any conforming reader does so).
            assert shown[code].value == "'" + text.replace("\r", "\n"), (lang, code)
            assert shown[code].data_type == "s"
        ledger = _rows(wb[WORDS[lang]["sheets"]["recognitions"]])
        evidence = [r[WORDS[lang]["evidence"]].value for r in ledger]
        assert "'" + EVIL[0] in evidence
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        assert cell.value.startswith("=XIRR("), cell.coordinate
                    elif isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_cli_writes_the_workbook_and_says_so(demo_db, runner, tmp_path):
    out = tmp_path / "q3.xlsx"
    result = runner.invoke(
        args=["export", "--quarter", "2026Q3", "--out", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert "2026Q3" in result.output
    assert "2026-09-30" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == WORDS["en"]["sheets"]["funds"]
    bad = runner.invoke(args=["export", "--quarter", "2026Q9", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 1
    assert "quarter" in bad.output
    assert not (tmp_path / "x.xlsx").exists()


def test_reports_page_serves_the_workbook_to_the_board(demo_db, app, tmp_path):
    create_user(
        demo_db, email="board@example.cn", role="board", password="pw-long-enough-1", actor="test"
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    login = client.post(
        "/login",
        data={"email": "board@example.cn", "password": "pw-long-enough-1", "csrf_token": token},
    )
    assert login.status_code == 302
    assert "/reports/workbook" in client.get("/reports").get_data(as_text=True)
    response = client.get("/reports/workbook?quarter=2026Q3&lang=en")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "fundtrack-2026Q3-en.xlsx" in response.headers["Content-Disposition"]
    out = tmp_path / "web.xlsx"
    out.write_bytes(response.get_data())
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(WORDS["en"]["sheets"].values())
    assert client.get("/reports/workbook?quarter=nope").status_code == 400
    assert client.get("/reports/workbook?quarter=2026Q3&lang=fr").status_code == 400
