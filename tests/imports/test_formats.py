"""Cell formats a statement may use, and the ones refused instead of guessed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fundtrack.ledger.statements.amounts import AmountError, parse_amount
from fundtrack.ledger.statements.dates import DateError, parse_date
from fundtrack.ledger.statements.headers import canonical_column, detect_kind, transfer_kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,234,567", "1234567"),
        ("1234.56万", "12345600"),
        ("12.5亿", "1250000000"),
        ("3万元", "30000"),
        (" 0.5 ", "0.5"),
        ("１，２３４.５", "1234.5"),  # full-width digits and comma
        ("1234.567", "1234.567"),
    ],
)
def test_amounts_accepted(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(1,234.56)", "-1234.56"), ("-12.5", "-12.5"), ("(2万)", "-20000")],
)
def test_negative_amounts_where_the_kind_allows(text, expected):
    assert parse_amount(text, allow_negative=True) == Decimal(expected)
    with pytest.raises(AmountError, match="negative"):
        parse_amount(text)


@pytest.mark.parametrize(
    "text",
    [
        "1.234,56",
        "1 ,",
        "1,23",
        "1e5",
        "NaN",
        "inf",
        "1 234",
        "",
        "abc",
        "1.",
        ".5",
        "--1",
        "(-1)",
        "1,2345",
        "12.12345",
        "¥100",
        "1万亿",
    ],
)
def test_ambiguous_or_malformed_amounts_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text, allow_negative=True)


def test_spreadsheet_numbers_are_exact():
    assert parse_amount(1234.56) == Decimal("1234.56")
    assert parse_amount(100) == Decimal(100)
    with pytest.raises(AmountError):
        parse_amount(float("nan"))
    with pytest.raises(AmountError):
        parse_amount(True)


def test_units_refused_where_they_make_no_sense():
    with pytest.raises(AmountError, match="万"):
        parse_amount("3万", units=False)


@pytest.mark.parametrize(
    "text", ["2026-09-30", "2026/09/30", "2026年9月30日", "2026-9-30", "２０２６-09-30"]
)
def test_dates_accepted(text):
    assert parse_date(text) == dt.date(2026, 9, 30)


def test_spreadsheet_date_cells_accepted():
    assert parse_date(dt.datetime(2026, 9, 30)) == dt.date(2026, 9, 30)
    assert parse_date(dt.date(2026, 9, 30)) == dt.date(2026, 9, 30)
    with pytest.raises(DateError, match="time of day"):
        parse_date(dt.datetime(2026, 9, 30, 14, 5))


@pytest.mark.parametrize(
    "value",
    [
        "30/09/2026",
        "09/30/2026",
        "30.09.2026",
        "2026-02-30",
        "20260930",
        "Sept 30 2026",
        "2026-09-30 00:00:00",
        "",
        None,
        46295,
        46295.0,
    ],
)
def test_other_dates_refused(value):
    with pytest.raises(DateError):
        parse_date(value)


def test_header_names_in_english_and_chinese():
    assert [canonical_column(n) for n in ("交易日期", "类型", "付款方", "收款方", "金额")] == [
        "date",
        "type",
        "from",
        "to",
        "amount",
    ]
    assert [canonical_column(n) for n in ("币种", "凭证号", "参考号", "备注", " Date ")] == [
        "currency",
        "reference",
        "reference",
        "memo",
        "date",
    ]
    assert [canonical_column(n) for n in ("估值对象", "持有人", "净值", "来源", "收盘")] == [
        "entity",
        "holder",
        "value",
        "source",
        "level",
    ]
    assert canonical_column("金额（万元）") is None


def test_kind_detected_from_columns():
    assert detect_kind({"date", "type", "from", "to", "amount"})[0] == "transactions"
    assert detect_kind({"date", "entity", "value", "holder"})[0] == "valuations"
    assert detect_kind({"date", "index", "level"})[0] == "index"
    kind, missing = detect_kind({"date", "type", "from", "amount"})
    assert kind is None
    assert missing == ["to"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("出资", "contribution"),
        ("实缴", "contribution"),
        ("分配", "distribution"),
        ("投资", "investment"),
        ("回款", "proceeds"),
        ("退出", "proceeds"),
        ("管理费", "fee"),
        ("费用", "expense"),
        ("Contribution", "contribution"),
        ("捐赠", None),
    ],
)
def test_type_names(name, kind):
    assert transfer_kind(name) == kind
