"""The ILPA-style performance workbook: a snapshot (and the flows behind its IRRs) → XLSX.

One sheet per table, in the spirit of the ILPA Performance Template: fund-level
figures (the parent fund net of its LPs, then the parent in each sub-fund), the
dated cash flows behind every IRR (closed by the NAV at the as-of date, so the
reader can recompute each IRR with Excel's XIRR — the fund sheet does, in a
formula column), look-through exposure, 返投, indicators, the scorecard and the
definitions. Every figure comes from the ``Snapshot``, so the workbook shows
what the UI and the PDF show.

Numbers are numeric cells with a number format, never text; a missing figure is
an empty cell. Text a spreadsheet would run as a formula gets a leading ``'``
(``neutralise``, shared with the journal CSV). Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from fundtrack.reporting.labels import DEFINITIONS, LABELS, NAMES

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value: str | None) -> str:
    """Text a spreadsheet will show as text, never evaluate (``=1+1`` → ``'=1+1``).

    Text that already starts with ``'`` gets one more, so an importer that takes
    one leading ``'`` off such cells reads the original text back.
    """
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


FORMATS = {
    "money": "#,##0.00",
    "ratio": "0.00%",
    "multiple": '0.00"x"',
    "date": "yyyy-mm-dd",
    "int": "#,##0",
    "number": "#,##0.00",
    "points": "#,##0.0",
}
#: Level of a flow series: the parent with its LPs, the parent in a sub-fund, a sub-fund gross.
LEVELS = ("net", "parent", "gross")

# fmt: off
WORDS = {
    "zh": {
        "sheets": {
            "funds": "基金业绩", "flows": "现金流", "exposure": "穿透敞口",
            "top": "前十大企业", "multi": "多基金持有", "reinvestment": "返投",
            "recognitions": "返投认定台账", "indicators": "政策指标", "scorecard": "绩效评价",
            "definitions": "指标定义",
        },
        "level": "层级", "code": "代码", "name": "名称", "type": "类型",
        "counterparty": "交易对手", "irr_xirr": "IRR（XIRR 公式）", "irr_note": "IRR 说明",
        "gross_irr": "毛 IRR（子基金对项目）", "gross_xirr": "毛 IRR（XIRR 公式）",
        "gross_tvpi": "毛 TVPI", "amount": "金额（元）", "rank": "排名", "funds": "持有子基金",
        "multi": "多基金持有", "evidence": "认定依据", "breach": "是否违规",
        "direction": "方向", "note": "备注", "dimension": "维度", "metric": "指标",
        "fund": "基金", "recallable": "可召回", "indicator_code": "指标代码",
        "levels": {"net": "母基金（对出资人，净）", "parent": "母基金在子基金中",
                   "gross": "子基金对项目（毛）"},
        "kinds": {"contribution": "出资", "distribution": "分配", "nav": "期末净值",
                  "fair_value": "期末公允价值", "gross": "项目现金流（当日净额）"},
        "directions": {"min": "不低于", "max": "不高于"},
        "top10_share": "前十大集中度", "hhi": "HHI（万分制）", "companies": "穿透企业数",
        "multi_count": "多基金持有企业数", "unit": "金额单位", "unit_value": "人民币元",
        "quarter": "季度", "demo": "演示数据", "about": "项目", "content": "内容",
        "fund_name": "基金名称",
        "extra_definitions": [
            ("毛 IRR / 毛 TVPI", "子基金与所投企业之间的现金流（按日净额）及期末公允价值计算；"
                                "毛 TVPI =（退出回款 + 公允价值）÷ 投资成本"),
            ("现金流表", "每只基金、每个层级的现金流按日期列示，末行为数据截至日的净值"
                       "（毛口径为公允价值）；对其使用 XIRR 即得该 IRR"),
            ("符号", "负数 = 投资方付出，正数 = 投资方收到（毛口径为子基金视角）"),
        ],
        "extra_indicators": {"parent_stake": "母基金出资比例"},
    },
    "en": {
        "sheets": {
            "funds": "Fund performance", "flows": "Cash flows", "exposure": "Exposure",
            "top": "Top companies", "multi": "Multi-held", "reinvestment": "Reinvestment",
            "recognitions": "Recognitions", "indicators": "Indicators", "scorecard": "Scorecard",
            "definitions": "Definitions",
        },
        "level": "Level", "code": "Code", "name": "Name", "type": "Type",
        "counterparty": "Counterparty", "irr_xirr": "IRR (XIRR formula)", "irr_note": "IRR note",
        "gross_irr": "Gross IRR", "gross_xirr": "Gross IRR (XIRR formula)",
        "gross_tvpi": "Gross TVPI", "amount": "Amount (CNY)", "rank": "Rank",
        "funds": "Held through", "multi": "Multi-held", "evidence": "Evidence",
        "breach": "Breach", "direction": "Direction", "note": "Note", "dimension": "Dimension",
        "metric": "Metric", "fund": "Fund", "recallable": "Recallable",
        "indicator_code": "Indicator code",
        "levels": {"net": "Parent fund, net (its LPs)", "parent": "Parent in sub-fund",
                   "gross": "Sub-fund, gross (companies)"},
        "kinds": {"contribution": "Contribution", "distribution": "Distribution",
                  "nav": "NAV at as-of date", "fair_value": "Fair value at as-of date",
                  "gross": "Company flows (net per day)"},
        "directions": {"min": "at least", "max": "at most"},
        "top10_share": "Top-10 share", "hhi": "HHI (of 10,000)", "companies": "Companies",
        "multi_count": "Multi-held companies", "unit": "Amounts in", "unit_value": "CNY",
        "quarter": "Quarter", "demo": "Demo data", "about": "Item", "content": "Content",
        "fund_name": "Fund",
        "extra_definitions": [
            ("Gross IRR / TVPI", "from a sub-fund's flows with its companies (net per day) and "
                                 "their fair value; gross TVPI = (proceeds + fair value) ÷ cost"),
            ("Cash-flow sheet", "each fund's flows at each level by date, closed by the NAV at "
                                "the as-of date (fair value for gross); XIRR on it gives the IRR"),
            ("Signs", "negative = paid by the investor, positive = received (gross: the "
                      "sub-fund's view)"),
        ],
        "extra_indicators": {"parent_stake": "Parent stake"},
    },
}
# fmt: on

#: How indicator and scorecard values are shown; any other indicator is a ratio.
_INDICATOR_KINDS = {
    "leverage": "multiple",
    "dpi": "multiple",
    "tvpi": "multiple",
    "breaches": "int",
}


@dataclass(frozen=True)
class Column:
    """One column of a table: header, how to read a row, how to show the value."""

    header: str
    get: Callable[[dict], object]
    #: text, money, ratio, multiple, date, int, number, points or formula:<format>; or a
    #: function of the row giving one of these (a figure whose format depends on the row).
    kind: str | Callable[[dict], str] = "text"
    width: float | None = None


def _key(name: str) -> Callable[[dict], object]:
    return lambda row: row.get(name)


class _Writer:
    """Writes typed cells: numbers with formats, neutralised text, empty for None."""

    def __init__(self, lang: str):
        self.lang = lang
        self.words = WORDS[lang]
        self.labels = LABELS[lang]

    def cell(self, ws: Worksheet, row: int, col: int, value, kind: str = "text") -> None:
        if value is None:
            return
        if (isinstance(value, float) and not math.isfinite(value)) or (
            isinstance(value, Decimal) and not value.is_finite()
        ):
            return  # a snapshot never holds one; an empty cell is the honest fallback
        c = ws.cell(row=row, column=col)
        if kind.startswith("formula"):
            c.value = value  # our own formula, never user text
            c.number_format = FORMATS[kind.split(":", 1)[1]]
            return
        if isinstance(value, bool):
            c.value = self.labels["yes"] if value else self.labels["no"]
            return
        if kind == "text":
            text = neutralise(str(value))
            if text:
                c.value = text
            return
        if kind == "date":
            if isinstance(value, str):
                value = dt.date.fromisoformat(value[:10])
            if isinstance(value, dt.datetime):
                value = value.date()
            c.value = value
        elif isinstance(value, (int, float, Decimal)):
            c.value = value
        else:
            raise TypeError(f"a {kind} cell needs a number, not {value!r}")
        c.number_format = FORMATS[kind]

    def table(
        self, ws: Worksheet, columns: list[Column], rows: Iterable[dict], *, first_col: int = 1
    ) -> int:
        """Header in row 1 (bold), one line per row below; returns the last row written."""
        bold = Font(bold=True)
        for j, column in enumerate(columns, start=first_col):
            cell = ws.cell(row=1, column=j, value=column.header)
            cell.font = bold
        last = 1
        widths = [_text_width(c.header) for c in columns]
        for i, row in enumerate(rows, start=2):
            for j, column in enumerate(columns):
                value = column.get(row)
                kind = column.kind(row) if callable(column.kind) else column.kind
                self.cell(ws, i, first_col + j, value, kind)
                widths[j] = max(widths[j], _value_width(value, kind))
            last = i
        for j, column in enumerate(columns):
            width = column.width or min(max(widths[j] + 2, 8), 60)
            ws.column_dimensions[get_column_letter(first_col + j)].width = width
        return last


def _text_width(text: str) -> float:
    # A CJK character takes about two columns of a Latin one.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _value_width(value, kind: str) -> float:
    if value is None:
        return 0
    if kind == "text" or isinstance(value, bool):
        return _text_width(str(value))
    if kind == "date":
        return 10
    if kind.startswith("formula"):
        return 10
    if kind in ("money", "number"):
        return len(f"{value:,.2f}")
    return 9


def _sheet(wb: Workbook, title: str) -> Worksheet:
    ws = wb.create_sheet(title=title)
    ws.freeze_panes = "A2"
    return ws


@dataclass(frozen=True)
class FlowBlock:
    """Where one fund's series at one level sits on the cash-flow sheet (for XIRR)."""

    first: int
    last: int


def build_workbook(snapshot, flows: Iterable[dict], lang: str = "zh") -> Workbook:
    """The workbook of ``snapshot``; ``flows`` are the dated flows behind its IRRs.

    Each flow is a dict ``fund, level (net|parent|gross), date, kind, counterparty,
    amount`` (signed: the investor's view; gross: the sub-fund's view) and optionally
    ``recallable``. The closing NAV row of each series is added here, from the snapshot.
    """
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(WORDS)}")
    w = _Writer(lang)
    words = w.words
    wb = Workbook()
    wb.remove(wb.active)
    names = _fund_names(snapshot, lang)

    flow_sheet_title = words["sheets"]["flows"]
    funds_ws = _sheet(wb, words["sheets"]["funds"])
    flows_ws = _sheet(wb, flow_sheet_title)
    blocks = _write_flows(w, flows_ws, snapshot, flows)
    _write_funds(w, funds_ws, snapshot, blocks, names, flow_sheet_title)
    _write_exposure(w, _sheet(wb, words["sheets"]["exposure"]), snapshot, names)
    _write_top(w, _sheet(wb, words["sheets"]["top"]), snapshot)
    _write_multi(w, _sheet(wb, words["sheets"]["multi"]), snapshot)
    _write_reinvestment(w, _sheet(wb, words["sheets"]["reinvestment"]), snapshot, names)
    _write_recognitions(w, _sheet(wb, words["sheets"]["recognitions"]), snapshot, names)
    _write_indicators(w, _sheet(wb, words["sheets"]["indicators"]), snapshot)
    _write_scorecard(w, _sheet(wb, words["sheets"]["scorecard"]), snapshot)
    _write_definitions(w, _sheet(wb, words["sheets"]["definitions"]), snapshot)
    return wb


def _name(row: dict, lang: str, key: str = "name") -> str | None:
    if lang == "en":
        return row.get(f"{key}_en") or row.get(key)
    return row.get(key)


def _fund_names(snapshot, lang: str) -> dict[str, str]:
    names = {snapshot.fund["code"]: _name(snapshot.fund, lang)}
    for sf in snapshot.subfunds:
        names[sf["code"]] = _name(sf, lang)
    return names


def _series(snapshot) -> list[tuple[str, str, object, dt.date]]:
    """Every IRR series: (fund, level, closing value, its date), in the order shown."""
    series = [(snapshot.fund["code"], "net", snapshot.kpis.get("nav"), snapshot.as_of)]
    for sf in snapshot.subfunds:
        series.append((sf["code"], "parent", sf.get("nav"), snapshot.as_of))
    for sf in snapshot.subfunds:
        series.append((sf["code"], "gross", sf.get("fair_value"), snapshot.as_of))
    return series


def _write_flows(w: _Writer, ws: Worksheet, snapshot, flows: Iterable[dict]) -> dict:
    words = w.words
    grouped: dict[tuple[str, str], list[dict]] = {}
    for flow in flows:
        grouped.setdefault((flow["fund"], flow["level"]), []).append(flow)
    rows: list[dict] = []
    blocks: dict[tuple[str, str], FlowBlock] = {}
    for fund, level, closing, day in _series(snapshot):
        series = sorted(grouped.get((fund, level), []), key=lambda f: f["date"])
        if not series:
            continue  # no flows: no IRR to recompute
        first = len(rows) + 2
        for flow in series:
            kind = "gross" if level == "gross" else flow.get("kind")
            rows.append(
                {
                    "fund": fund,
                    "level": words["levels"][level],
                    "date": flow["date"],
                    "type": words["kinds"].get(kind, kind),
                    "counterparty": flow.get("counterparty"),
                    "amount": flow["amount"],
                    "recallable": True if flow.get("recallable") else None,
                }
            )
        rows.append(
            {
                "fund": fund,
                "level": words["levels"][level],
                "date": day,
                "type": words["kinds"]["fair_value" if level == "gross" else "nav"],
                "counterparty": None,
                "amount": closing if closing is not None else Decimal(0),
            }
        )
        blocks[(fund, level)] = FlowBlock(first, len(rows) + 1)
    columns = [
        Column(words["fund"], _key("fund")),
        Column(words["level"], _key("level")),
        Column(w.labels["date"], _key("date"), "date"),
        Column(words["type"], _key("type")),
        Column(words["counterparty"], _key("counterparty")),
        Column(words["amount"], _key("amount"), "money"),
        Column(words["recallable"], _key("recallable")),
    ]
    w.table(ws, columns, rows)
    return blocks


#: Columns of the cash-flow sheet that XIRR reads: amounts and dates.
_AMOUNT_COL, _DATE_COL = "F", "C"


def xirr_formula(sheet: str, block: FlowBlock) -> str:
    """``=XIRR(amounts, dates)`` over one series of the cash-flow sheet."""
    where = quote_sheetname(sheet)
    return (
        f"=XIRR({where}!${_AMOUNT_COL}${block.first}:${_AMOUNT_COL}${block.last},"
        f"{where}!${_DATE_COL}${block.first}:${_DATE_COL}${block.last})"
    )


def _write_funds(w: _Writer, ws, snapshot, blocks: dict, names: dict, flow_sheet: str) -> None:
    words, kpi, labels = w.words, w.labels["kpi"], w.labels
    benchmark = _name(snapshot.benchmark or {}, w.lang) or (snapshot.benchmark or {}).get("code")

    def formula(fund: str, level: str, irr) -> str | None:
        block = blocks.get((fund, level))
        return xirr_formula(flow_sheet, block) if block and irr is not None else None

    parent = snapshot.fund["code"]
    rows = [
        {
            **snapshot.kpis,
            "level": words["levels"]["net"],
            "code": parent,
            "fund_name": names[parent],
            "irr_xirr": formula(parent, "net", snapshot.kpis.get("irr")),
            "benchmark": benchmark,
        }
    ]
    for sf in snapshot.subfunds:
        rows.append(
            {
                **sf,
                "level": words["levels"]["parent"],
                "fund_name": names[sf["code"]],
                "irr_xirr": formula(sf["code"], "parent", sf.get("irr")),
                "gross_xirr": formula(sf["code"], "gross", sf.get("gross_irr")),
                "benchmark": benchmark,
            }
        )
    columns = [
        Column(words["level"], _key("level")),
        Column(words["code"], _key("code")),
        Column(words["name"], _key("fund_name")),
        Column(kpi["committed"], _key("committed"), "money"),
        Column(kpi["paid_in"], _key("paid_in"), "money"),
        Column(kpi["distributed"], _key("distributed"), "money"),
        Column(kpi["unfunded"], _key("unfunded"), "money"),
        Column(kpi["nav"], _key("nav"), "money"),
        Column(labels["nav_date"], _key("nav_date"), "date"),
        Column(labels["nav_age"], _key("nav_age_days"), "int"),
        Column(kpi["dpi"], _key("dpi"), "multiple"),
        Column(kpi["rvpi"], _key("rvpi"), "multiple"),
        Column(kpi["tvpi"], _key("tvpi"), "multiple"),
        Column(kpi["irr"], _key("irr"), "ratio"),
        Column(words["irr_xirr"], _key("irr_xirr"), "formula:ratio"),
        Column(words["irr_note"], lambda r: r.get("irr_reason") if r.get("irr") is None else None),
        Column(kpi["ks_pme"], _key("ks_pme"), "multiple"),
        Column(kpi["direct_alpha"], _key("direct_alpha"), "ratio"),
        Column(labels["benchmark"], _key("benchmark")),
        Column(labels["stake"], _key("stake"), "ratio"),
        Column(words["gross_irr"], _key("gross_irr"), "ratio"),
        Column(words["gross_xirr"], _key("gross_xirr"), "formula:ratio"),
        Column(words["gross_tvpi"], _key("gross_tvpi"), "multiple"),
    ]
    w.table(ws, columns, rows)


def _write_exposure(w: _Writer, ws, snapshot, names: dict) -> None:
    words, labels = w.words, w.labels
    exposure = snapshot.exposure or {}
    rows = []
    for dimension, key in (
        ("sector", "by_sector"),
        ("region", "by_region"),
        ("stage", "by_stage"),
        ("fund", "by_subfund"),
    ):
        for item in exposure.get(key) or []:
            label = (
                names.get(item["key"])
                if dimension == "fund"
                else NAMES[w.lang][dimension].get(item["key"])
            )
            rows.append(
                {
                    "dimension": labels["exposure_by"][dimension],
                    "key": item["key"],
                    "label": label or item["key"],
                    "value": item["value"],
                    "share": item["share"],
                }
            )
    columns = [
        Column(words["dimension"], _key("dimension")),
        Column(words["code"], _key("key")),
        Column(words["name"], _key("label")),
        Column(
            labels["look_through_value"] + "（元）"
            if w.lang == "zh"
            else labels["look_through_value"] + " (CNY)",
            _key("value"),
            "money",
        ),
        Column(labels["share"], _key("share"), "ratio"),
    ]
    w.table(ws, columns, rows)
    # Concentration beside the table (same header row, so it stays frozen with it).
    hhi = exposure.get("hhi")
    summary = [
        {"metric": labels["total"], "value": exposure.get("total"), "kind": "money"},
        {"metric": words["top10_share"], "value": exposure.get("top10_share"), "kind": "ratio"},
        {"metric": words["hhi"], "value": None if hhi is None else hhi * 10_000, "kind": "points"},
        {"metric": words["companies"], "value": exposure.get("companies"), "kind": "int"},
        {
            "metric": words["multi_count"],
            "value": len(exposure.get("multi_held") or []),
            "kind": "int",
        },
    ]
    first = len(columns) + 2
    bold = Font(bold=True)
    ws.cell(row=1, column=first, value=words["metric"]).font = bold
    ws.cell(row=1, column=first + 1, value=labels["value"]).font = bold
    for i, item in enumerate(summary, start=2):
        w.cell(ws, i, first, item["metric"])
        w.cell(ws, i, first + 1, item["value"], item["kind"])
    ws.column_dimensions[get_column_letter(first)].width = 20
    ws.column_dimensions[get_column_letter(first + 1)].width = 18


def _write_top(w: _Writer, ws, snapshot) -> None:
    words, labels = w.words, w.labels
    names = NAMES[w.lang]
    rows = [
        {
            **c,
            "rank": i,
            "label": _name(c, w.lang),
            "sector": names["sector"].get(c.get("sector"), c.get("sector")),
            "region": names["region"].get(c.get("region"), c.get("region")),
            "stage": names["stage"].get(c.get("stage"), c.get("stage")),
            "held": ", ".join(c.get("funds") or []),
        }
        for i, c in enumerate((snapshot.exposure or {}).get("top_companies") or [], start=1)
    ]
    columns = [
        Column(words["rank"], _key("rank"), "int"),
        Column(words["code"], _key("code")),
        Column(labels["company"], _key("label")),
        Column(labels["sector"], _key("sector")),
        Column(labels["region"], _key("region")),
        Column(labels["stage"], _key("stage")),
        Column(words["funds"], _key("held")),
        Column(labels["look_through_value"], _key("value"), "money"),
        Column(labels["share"], _key("share"), "ratio"),
        Column(words["multi"], lambda r: bool(r.get("multi"))),
    ]
    w.table(ws, columns, rows)


def _write_multi(w: _Writer, ws, snapshot) -> None:
    words, labels = w.words, w.labels
    rows = [
        {**c, "label": _name(c, w.lang), "held": ", ".join(c.get("funds") or [])}
        for c in (snapshot.exposure or {}).get("multi_held") or []
    ]
    columns = [
        Column(words["code"], _key("code")),
        Column(labels["company"], _key("label")),
        Column(words["funds"], _key("held")),
        Column(labels["look_through_value"], _key("value"), "money"),
    ]
    w.table(ws, columns, rows)


def _write_reinvestment(w: _Writer, ws, snapshot, names: dict) -> None:
    words, labels = w.words, w.labels
    multiples = {sf["code"]: sf.get("reinvest_multiple") for sf in snapshot.subfunds}
    re = snapshot.reinvestment or {}
    rows = [
        {**r, "label": names.get(r["fund"]) or r.get("name"), "multiple": multiples.get(r["fund"])}
        for r in re.get("by_fund") or []
    ]
    if rows:
        rows.append(
            {
                "fund": labels["total"],
                "required": re.get("required"),
                "recognised": re.get("recognised"),
                "completion": re.get("completion"),
            }
        )
    columns = [
        Column(words["code"], _key("fund")),
        Column(labels["subfund"], _key("label")),
        Column(labels["reinvest_multiple"], _key("multiple"), "multiple"),
        Column(labels["required"], _key("required"), "money"),
        Column(labels["recognised"], _key("recognised"), "money"),
        Column(labels["completion"], _key("completion"), "ratio"),
    ]
    last = w.table(ws, columns, rows)
    if rows:
        for j in range(1, len(columns) + 1):
            ws.cell(row=last, column=j).font = Font(bold=True)


def _write_recognitions(w: _Writer, ws, snapshot, names: dict) -> None:
    words, labels = w.words, w.labels
    categories = NAMES[w.lang]["category"]
    rows = [
        {
            **r,
            "label": _name(r, w.lang),
            "category_label": categories.get(r.get("category"), r.get("category")),
        }
        for r in (snapshot.reinvestment or {}).get("entries") or []
    ]
    columns = [
        Column(labels["subfund"], _key("fund")),
        Column(words["code"], _key("company")),
        Column(labels["company"], _key("label")),
        Column(labels["category"], _key("category_label")),
        Column(labels["base_amount"], _key("base_amount"), "money"),
        Column(labels["multiplier"], _key("multiplier"), "number"),
        Column(labels["recognised"], _key("recognised"), "money"),
        Column(labels["approval_date"], _key("approval_date"), "date"),
        Column(words["evidence"], _key("evidence"), width=50),
    ]
    w.table(ws, columns, rows)


def _indicator_label(w: _Writer, code: str, fallback: str | None) -> str:
    return (
        w.labels["indicator"].get(code) or w.words["extra_indicators"].get(code) or fallback or code
    )


def _indicator_kind(row: dict) -> str:
    return _INDICATOR_KINDS.get(row.get("indicator"), "ratio")


def _write_indicators(w: _Writer, ws, snapshot) -> None:
    words, labels = w.words, w.labels
    rows = [
        {
            **i,
            "label_text": _indicator_label(w, i["indicator"], i.get("label")),
            "fund_label": i.get("fund_name_en") if w.lang == "en" else i.get("fund_name"),
            "direction_text": words["directions"].get(i.get("direction"), i.get("direction")),
            "breach_flag": bool(i.get("breach")),
        }
        for i in snapshot.indicators
    ]
    columns = [
        Column(words["code"], _key("fund")),
        Column(labels["subfund"], _key("fund_label")),
        Column(words["indicator_code"], _key("indicator")),
        Column(labels["indicator_col"], _key("label_text")),
        Column(labels["actual"], _key("value"), _indicator_kind),
        Column(words["direction"], _key("direction_text")),
        Column(labels["threshold"], _key("threshold"), _indicator_kind),
        Column(words["breach"], _key("breach_flag")),
    ]
    w.table(ws, columns, rows)


def _write_scorecard(w: _Writer, ws, snapshot) -> None:
    words, labels = w.words, w.labels
    card = snapshot.scorecard or {}
    rows = [
        {
            **i,
            "label_text": _indicator_label(w, i["indicator"], None),
            "direction_text": words["directions"].get(i.get("direction"), i.get("direction")),
        }
        for i in card.get("items") or []
    ]
    if rows:
        rows.append({"indicator": "", "label_text": labels["total"], "score": card.get("total")})
    columns = [
        Column(words["indicator_code"], _key("indicator")),
        Column(labels["indicator_col"], _key("label_text")),
        Column(labels["actual"], _key("value"), _indicator_kind),
        Column(words["direction"], _key("direction_text")),
        Column(labels["target"], _key("target"), _indicator_kind),
        Column(labels["weight"], _key("weight"), "number"),
        Column(labels["score"], _key("score"), "number"),
        Column(words["note"], _key("note")),
    ]
    last = w.table(ws, columns, rows)
    if rows:
        for j in range(1, len(columns) + 1):
            ws.cell(row=last, column=j).font = Font(bold=True)


def _write_definitions(w: _Writer, ws, snapshot) -> None:
    words, labels = w.words, w.labels
    benchmark = snapshot.benchmark or {}
    about = [
        (words["fund_name"], _name(snapshot.fund, w.lang), "text"),
        (words["quarter"], snapshot.quarter, "text"),
        (labels["as_of"], snapshot.as_of, "date"),
        (labels["benchmark"], _name(benchmark, w.lang) or benchmark.get("code"), "text"),
        (words["unit"], words["unit_value"], "text"),
    ]
    if snapshot.demo:
        about.append((words["demo"], labels["demo_banner"], "text"))
    definitions = [*DEFINITIONS[w.lang], *words["extra_definitions"]]
    rows = [{"item": k, "content": v, "kind": kind} for k, v, kind in about]
    rows += [{"item": k, "content": v, "kind": "text"} for k, v in definitions]
    bold = Font(bold=True)
    ws.cell(row=1, column=1, value=words["about"]).font = bold
    ws.cell(row=1, column=2, value=words["content"]).font = bold
    for i, row in enumerate(rows, start=2):
        w.cell(ws, i, 1, row["item"])
        w.cell(ws, i, 2, row["content"], row["kind"])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100


__all__ = ["FORMATS", "LEVELS", "WORDS", "build_workbook", "neutralise", "xirr_formula"]
