"""Reading files: encodings, XLSX, line numbers, and the defences against hostile uploads."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal

import pytest

from fundtrack.ledger.statements import Limits, parse_statement

ROWS = [
    ["2026-09-01", "投资", "SF-DIGITAL", "CO-SUANLI", "1,234.56", "CNY", "INV-1", "首轮"],
    ["2026/09/02", "回款", "CO-SUANLI", "SF-DIGITAL", "1.5万", "", "", "分红"],
]
CHINESE_HEADER = ["交易日期", "交易类型", "付款方", "收款方", "金额", "币种", "参考号", "备注"]


def _summary(statement):
    return [
        (r.line, r.draft.date, r.draft.kind, r.draft.from_code, r.draft.amount, r.draft.memo)
        for r in statement.rows
    ]


EXPECTED = [
    (2, dt.date(2026, 9, 1), "investment", "SF-DIGITAL", Decimal("1234.56"), "首轮"),
    (3, dt.date(2026, 9, 2), "proceeds", "CO-SUANLI", Decimal("15000"), "分红"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(encoding, csv_of):
    statement = parse_statement("s.csv", csv_of(ROWS, CHINESE_HEADER, encoding))
    assert statement.problems == []
    assert statement.kind == "transactions"
    assert _summary(statement) == EXPECTED


def test_xlsx_with_date_and_number_cells(xlsx_of):
    rows = [
        [
            dt.datetime(2026, 9, 1),
            "投资",
            "SF-DIGITAL",
            "CO-SUANLI",
            1234.56,
            "CNY",
            "INV-1",
            "首轮",
        ],
        [dt.date(2026, 9, 2), "回款", "CO-SUANLI", "SF-DIGITAL", "1.5万", None, None, "分红"],
    ]
    statement = parse_statement("s.xlsx", xlsx_of(rows, CHINESE_HEADER))
    assert statement.problems == []
    assert statement.format == "xlsx"
    assert _summary(statement) == EXPECTED


def test_line_numbers_are_the_files_own():
    data = (
        b"date,type,from,to,amount,currency,reference,memo\n"
        b"2026-09-01,investment,A,B,1,CNY,R1,\n"
        b"\n"
        b'2026-09-01,investment,A,B,2,CNY,R2,"two\nlines"\n'
        b"2026-13-01,investment,A,B,3,CNY,R3,\n"
    )
    statement = parse_statement("s.csv", data)
    assert [r.line for r in statement.rows] == [2, 4]
    assert [(p.row, p.field) for p in statement.problems] == [(6, "date")]


def test_xlsx_line_numbers_skip_blank_rows(xlsx_of):
    rows = [ROWS[0], [None] * 8, ["2026-09-31", *ROWS[1][1:]]]
    statement = parse_statement("s.xlsx", xlsx_of(rows))
    assert [r.line for r in statement.rows] == [2]
    assert [(p.row, p.field) for p in statement.problems] == [(4, "date")]


def test_unknown_and_duplicate_columns_refused(csv_of):
    header = ["date", "type", "from", "to", "amount", "金额（万元）", "日期"]
    statement = parse_statement("s.csv", csv_of([], header))
    assert {(p.row, p.field) for p in statement.problems} == {(1, "金额（万元）"), (1, "日期")}


def test_unrecognised_header(csv_of):
    statement = parse_statement("s.csv", csv_of([["1", "2"]], ["foo", "bar"]))
    assert statement.kind is None
    assert any(p.field == "header" for p in statement.problems)


def test_value_under_no_column_refused():
    data = b"date,index,level\n2026-09-30,CSI300,3900.5,extra\n"
    statement = parse_statement("s.csv", data)
    assert [(p.row, p.field) for p in statement.problems] == [(2, "column 4")]


def test_neutralising_prefix_taken_off_text_only(csv_of):
    rows = [["2026-09-01", "investment", "SF-DIGITAL", "CO-SUANLI", "5", "CNY", "'=R1", "'-x"]]
    statement = parse_statement("s.csv", csv_of(rows))
    draft = statement.rows[0].draft
    assert (draft.reference, draft.memo) == ("=R1", "-x")
    plain = [["2026-09-01", "investment", "A", "B", "5", "CNY", "'R1", "it's"]]
    draft = parse_statement("s.csv", csv_of(plain)).rows[0].draft
    assert (draft.reference, draft.memo) == ("'R1", "it's")
    quoted_amount = [["2026-09-01", "investment", "A", "B", "'5", "CNY", "R", ""]]
    assert parse_statement("s.csv", csv_of(quoted_amount)).problems[0].field == "amount"


def test_oversized_file_refused_before_reading(csv_of):
    statement = parse_statement("big.csv", b"x" * (50 * 1024 * 1024 + 1))
    assert [p.field for p in statement.problems] == ["file"]
    assert "limit is 50 MB" in statement.problems[0].message
    small = Limits(max_bytes=100)
    statement = parse_statement("s.csv", csv_of(ROWS), small)
    assert statement.rows == []
    assert "limit" in statement.problems[0].message


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_cap(kind, csv_of, xlsx_of):
    rows = [[*ROWS[0][:6], f"R{i}", ""] for i in range(4)]
    data = csv_of(rows) if kind == "csv" else xlsx_of(rows)
    statement = parse_statement(f"s.{kind}", data, Limits(max_rows=3))
    assert [(p.row, p.field) for p in statement.problems] == [(5, "file")]
    assert "more than 3 rows" in statement.problems[0].message


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_bomb_refused_by_ratio():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * 60_000_000})
    assert len(bomb) < 1_000_000
    statement = parse_statement("bomb.xlsx", bomb)
    assert statement.rows == []
    assert "zip bomb" in statement.problems[0].message


def test_zip_refused_by_total_size():
    noise = _zip({f"xl/part{i}.bin": os.urandom(400_000) for i in range(3)})
    statement = parse_statement("big.xlsx", noise, Limits(max_unzipped=1_000_000))
    assert "inflates beyond" in statement.problems[0].message


def test_xml_entity_bomb_inside_xlsx_refused(xlsx_of):
    source = zipfile.ZipFile(io.BytesIO(xlsx_of(ROWS)))
    members = {name: source.read(name) for name in source.namelist()}
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    assert "首轮" in sheet
    start = sheet.index("?>") + 2 if sheet.startswith("<?xml") else 0
    sheet = sheet[:start] + f"<!DOCTYPE worksheet [{lol}]>" + sheet[start:]
    members["xl/worksheets/sheet1.xml"] = sheet.replace("首轮", "&lol9;").encode()
    statement = parse_statement("laughs.xlsx", _zip(members))
    assert statement.rows == []
    assert [p.field for p in statement.problems] == ["file"]
    assert "XML is refused" in statement.problems[0].message


def test_not_a_workbook():
    assert "not a valid" in parse_statement("x.xlsx", b"hello").problems[0].message
    old_xls = b"\xd0\xcf\x11\xe0" + b"\x00" * 100
    assert ".xls" in parse_statement("x.xls", old_xls).problems[0].message


def test_xlsx_refused_when_openpyxl_would_parse_without_defusedxml(monkeypatch, xlsx_of):
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    statement = parse_statement("s.xlsx", xlsx_of(ROWS))
    assert statement.rows == []
    assert "defusedxml" in statement.problems[0].message
