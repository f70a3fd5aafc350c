"""The quarterly report's content: a snapshot turned into formatted sections.

``view(snapshot, lang)`` returns the template context (sections made of KPI
tiles, tables, charts, notes) and ``figures``: every formatted value the PDF
prints, JSON-safe, stored on the ``ReportRun`` so a later check can compare the
printed report with the database. Nothing is computed here beyond choosing,
ordering and formatting what the snapshot holds (plus running sums for the
J-curve): the web UI shows the same snapshot, so both print the same numbers.

The snapshot is read through ``_get``, which accepts attributes or mapping keys,
so the snapshot may hand out dataclasses or dicts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from markupsafe import Markup

from fundtrack.reporting import charts
from fundtrack.reporting import formatting as f
from fundtrack.reporting.labels import DEFINITIONS, LABELS, NAMES
from fundtrack.reporting.render import column_cells

FUND_ZONE = ZoneInfo("Asia/Shanghai")
#: A book with more sub-funds prints, in the per-sub-fund tables of the main sections, only
#: the sub-funds with the largest parent commitment; every row goes to the appendix.
TOP_SUBFUNDS = 15
#: Longer lists (exits, distributions, recognitions) print their largest rows likewise.
MAX_ROWS = 40


def rank_subfunds(subfunds: list) -> list:
    """Sub-funds by parent commitment, largest first (ties by code): the order in which
    the report's main sections and the dashboard pick the ``TOP_SUBFUNDS`` they list."""
    return sorted(subfunds, key=lambda sf: (-(_get(sf, "committed") or 0), str(_get(sf, "code"))))


def listed_subfunds(subfunds: list) -> list:
    """The sub-funds a page names one by one: every one of a small book, in its order; of a
    longer one the ``TOP_SUBFUNDS`` largest, largest first."""
    if len(subfunds) <= TOP_SUBFUNDS:
        return list(subfunds)
    return rank_subfunds(subfunds)[:TOP_SUBFUNDS]


def _chart(svg: str) -> Markup:
    """An SVG from ``reporting.charts`` as markup: those functions escape every label."""
    return Markup(svg)  # noqa: S704


def _get(obj, key, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _first(obj, *keys, default=None):
    for key in keys:
        value = _get(obj, key)
        if value is not None:
            return value
    return default


def _items(obj, key) -> list:
    value = _get(obj, key)
    if value is None:
        return []
    if isinstance(value, dict):
        return [{"key": k, **(v if isinstance(v, dict) else {"value": v})}
                for k, v in value.items()]
    return list(value)


@dataclass
class ReportView:
    context: dict
    figures: dict


class _Builder:
    def __init__(self, snapshot, lang: str, appendix: str | None):
        self.s = snapshot
        self.lang = lang
        self.t = LABELS[lang]
        self.appendix = appendix
        self.figures: dict = {}
        # Names by code, for rows that carry only a code (sub-funds have English names too).
        self.entities = {_get(sf, "code"): sf for sf in _items(snapshot, "subfunds")}
        fund = _get(snapshot, "fund")
        self.entities[_get(fund, "code")] = fund
        # Complete versions of the tables the main sections abridge (printed in the appendix).
        self.complete: list[dict] = []
        subfunds = _items(snapshot, "subfunds")
        ranked = rank_subfunds(subfunds)
        #: Sub-fund code → rank by parent commitment, for those the main sections print;
        #: None when the book is small enough to print every sub-fund.
        self.top_funds = ({_get(sf, "code"): i for i, sf in enumerate(ranked[:TOP_SUBFUNDS])}
                          if len(subfunds) > TOP_SUBFUNDS else None)

    # -- helpers -------------------------------------------------------------------------

    def name(self, item, *keys) -> str:
        """The display name of an entity in the report's language (falls back to the code)."""
        zh = _first(item, *(keys or ("name",)))
        en = _first(item, "name_en")
        code = _first(item, "code", "fund", "company")
        text = (en or zh) if self.lang == "en" else (zh or en)
        return str(text or code or f.MISSING)

    def code_name(self, code) -> str:
        entity = self.entities.get(code)
        return self.name(entity) if entity is not None else str(code or f.MISSING)

    def term(self, group: str, key) -> str:
        """A fixed vocabulary word (sector, region, stage, LP type …) in the report language."""
        return NAMES[self.lang].get(group, {}).get(str(key), str(key) if key else f.MISSING)

    def money(self, value, **kw) -> str:
        return f.money(value, self.lang, **kw)

    def cell_money(self, value) -> str:
        return f.money(value, self.lang, unit="wan" if self.lang == "zh" else "m", suffix=False)

    def head(self, key: str) -> str:
        """A money column's header with its unit: ``实缴（万元）`` / ``Paid in (CNY m)``."""
        unit = self.unit()
        return f"{self.t[key]}（{unit}）" if self.lang == "zh" else f"{self.t[key]} ({unit})"

    def unit(self) -> str:
        return f.money_unit(self.lang, "wan" if self.lang == "zh" else "m")

    def table(self, key, title, columns, rows, *, total=None, note=None, css=None) -> dict:
        block = {
            "kind": "table",
            "title": title,
            "columns": [{"label": label, "align": align} for label, align in columns],
            "rows": [r if isinstance(r, dict) else {"cells": r} for r in rows],
            "total": total,
            "note": note,
            "css": css,
            "empty": self.t["none"],
        }
        self.figures[key] = {
            "columns": [label for label, _ in columns],
            "rows": [r["cells"] for r in block["rows"]],
            **({"total": total} if total else {}),
        }
        return block

    def abridge(self, block: dict, key: str, keep: list[int], order: str,
                title: str | None = None) -> dict:
        """Print only ``block``'s rows at ``keep`` (in that order) with a "showing n of N"
        line; the complete table goes to the appendix, one line per row. The figures keep
        every row (the PDF prints them all, in the appendix) and how many the section shows.
        """
        rows = block["rows"]
        if len(keep) >= len(rows):
            return block
        full_rows = [r["cells"] for r in rows]
        if block.get("total"):
            full_rows.append([self.t["total_row"], *block["total"][1:]])
        columns = [c["label"] for c in block["columns"]]
        self.complete.append({
            "kind": "table", "title": title or block["title"], "columns": block["columns"],
            "rows": [{"cells": r} for r in full_rows], "css": "long", "note": None,
            "total": None, "empty": block["empty"], "widths": column_cells(columns, full_rows),
        })
        self.figures[key]["shown"] = len(keep)
        more = self.t["more_rows"].format(shown=len(keep), total=len(rows), order=order,
                                          appendix=self.t["appendix_tables"])
        return {**block, "rows": [rows[i] for i in keep], "more": more}

    def by_fund(self, block: dict, key: str, codes: list, title: str | None = None) -> dict:
        """Abridge a per-sub-fund table to the top sub-funds (``codes``: each row's fund)."""
        if self.top_funds is None:
            return block
        rank = self.top_funds
        # Rows of the parent itself (not a sub-fund) stay, ahead of the sub-funds.
        sub = {_get(sf, "code") for sf in _items(self.s, "subfunds")}
        keep = [i for i, code in enumerate(codes) if code in rank or code not in sub]
        keep.sort(key=lambda i: rank.get(codes[i], -1))  # stable: rows of a fund stay in order
        order = self.t["order_commitment"].format(n=len(rank))
        return self.abridge(block, key, keep, order, title)

    def largest(self, block: dict, key: str, values: list, order: str,
                title: str | None = None) -> dict:
        """Abridge a long list to its ``MAX_ROWS`` largest ``values`` (None counts as 0)."""
        if len(values) <= MAX_ROWS:
            return block
        ranked = sorted(range(len(values)), key=lambda i: -(values[i] or 0))
        return self.abridge(block, key, ranked[:MAX_ROWS], order, title)

    def appendix_tables(self) -> dict:
        return {"id": "appendix", "title": self.t["appendix_tables"], "blocks": self.complete}

    # -- sections ------------------------------------------------------------------------

    def meta(self) -> dict:
        fund = _get(self.s, "fund")
        as_of = _get(self.s, "as_of")
        quarter = _get(self.s, "quarter") or f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"
        zh_name = _get(fund, "name") or _get(fund, "code")
        en_name = _get(fund, "name_en") or zh_name
        meta = {
            "fund_code": _get(fund, "code"),
            "fund_name": zh_name if self.lang == "zh" else en_name,
            "fund_subtitle": en_name if self.lang == "zh" and en_name != zh_name else None,
            "fund_name_zh": zh_name,
            "fund_name_en": en_name,
            "quarter": quarter,
            "quarter_label": f.quarter(quarter, self.lang),
            "as_of": f.date(as_of, self.lang, "long"),
            "as_of_iso": as_of.isoformat(),
            "demo": bool(_get(self.s, "demo")),
            "language": self.lang,
        }
        meta["title"] = f"{meta['fund_name']} {meta['quarter_label']} {self.t['report_kind']}"
        self.figures["meta"] = {**meta, "fund_name": zh_name}
        return meta

    def cover_facts(self) -> list[tuple[str, str]]:
        k, fund, bench = _get(self.s, "kpis"), _get(self.s, "fund"), _get(self.s, "benchmark")
        facts = [
            (self.t["inception"], f.date(_get(fund, "inception"), self.lang, "long")),
            (self.t["committed"], self.money(_get(k, "committed"))),
            (self.t["nav"], self.money(_get(k, "nav"))),
            (self.t["benchmark"], _get(bench, "name") or _get(bench, "code") or f.MISSING),
            (self.t["prepared"], f.date(dt.datetime.now(FUND_ZONE).date(), self.lang, "long")),
        ]
        self.figures["cover"] = dict(facts[:-1])
        return facts

    KPIS = (
        ("committed", "money"), ("paid_in", "money"), ("distributed", "money"),
        ("nav", "money"), ("unfunded", "money"), ("irr", "percent"),
        ("dpi", "multiple"), ("rvpi", "multiple"), ("tvpi", "multiple"),
        ("pic_ratio", "percent"), ("ks_pme", "multiple"), ("direct_alpha", "percent"),
    )

    def _format(self, value, kind) -> str:
        if kind == "money":
            return self.money(value)
        if kind == "percent":
            return f.percent(value)
        return f.multiple(value)

    def summary(self) -> dict:
        now, before = _get(self.s, "kpis"), _get(self.s, "kpis_prev")
        items, printed = [], {}
        for key, kind in self.KPIS:
            value, prev = _get(now, key), _get(before, key)
            diff = f.delta(value, prev)
            item = {
                "label": self.t["kpi"][key],
                "value": self._format(value, kind),
                "previous": self._format(prev, kind),
                "change": f.change(diff, kind, self.lang),
                "trend": "" if diff is None or diff == 0 else ("up" if diff > 0 else "down"),
            }
            items.append(item)
            printed[key] = {k: item[k] for k in ("value", "previous", "change")}
        self.figures["kpis"] = printed
        blocks = [{"kind": "kpis", "entries": items, "change_label": self.t["vs_prev"]}]
        k = now
        blocks.append(self.table(
            "nav_detail", self.t["nav_detail"],
            [(self.t["item"], "l"), (self.t["value"], "r")],
            [[self.t["nav_date"], f.date(_get(k, "nav_date"), self.lang)],
             [self.t["nav_age"], f.days(_get(k, "nav_age_days"), self.lang)],
             [self.t["undrawn"], self.money(_get(k, "undrawn"))],
             [self.t["recallable"], self.money(_get(k, "recallable"))]],
        ))
        events = self.major_events()
        blocks.append({"kind": "notes", "title": self.t["major_events"], "lines": events})
        self.figures["major_events"] = events
        return {"id": "summary", "title": self.t["sections"]["summary"], "blocks": blocks}

    def major_events(self) -> list[str]:
        as_of = _get(self.s, "as_of")
        start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        lines = []
        for exit_ in _items(self.s, "exits"):
            day = _get(exit_, "date")
            if day is not None and start <= day <= as_of:
                lines.append(self.t["event_exit"].format(
                    company=self.name(exit_), fund=self.code_name(_get(exit_, "fund")),
                    amount=self.money(_get(exit_, "proceeds")),
                    multiple=f.multiple(_get(exit_, "multiple"))))
        for d in _items(self.s, "distributions"):
            day = _get(d, "date")
            if _get(d, "direction") == "out" and day is not None and start <= day <= as_of:
                lines.append(self.t["event_distribution"].format(
                    date=f.date(day, self.lang), name=self.name(d),
                    amount=self.money(_get(d, "amount"))))
        breaches = _items(self.s, "breaches")
        if breaches:
            lines.append(self.t["event_breaches"].format(n=len(breaches)))
        if not lines:
            lines.append(self.t["no_events"])
        return lines

    def fundraising(self) -> dict:
        rows = []
        for lp in _items(self.s, "lps"):
            rows.append([
                self.name(lp), self.term("lp_type", _get(lp, "lp_type")),
                self.cell_money(_get(lp, "committed")), f.percent(_get(lp, "share")),
                self.cell_money(_get(lp, "paid_in")), f.percent(_get(lp, "paid_in_ratio")),
                self.cell_money(_get(lp, "distributed")), self.cell_money(_get(lp, "unfunded")),
            ])
        k = _get(self.s, "kpis")
        totals = [self.t["total"], "", self.cell_money(_get(k, "committed")), "",
                  self.cell_money(_get(k, "paid_in")), f.percent(_get(k, "pic_ratio")),
                  self.cell_money(_get(k, "distributed")), self.cell_money(_get(k, "undrawn"))]
        blocks = [self.table(
            "lps", self.t["lp_table"],
            [(self.t["lp"], "l"), (self.t["lp_type"], "l"), (self.head("committed"), "r"),
             (self.t["share"], "r"), (self.head("paid_in"), "r"),
             (self.t["paid_in_ratio"], "r"), (self.head("distributed"), "r"),
             (self.head("unfunded"), "r")],
            rows, total=totals,
        )]
        flows = _items(self.s, "cashflows")
        if flows:
            labels = [str(_get(c, "quarter")) for c in flows]
            svg = charts.cash_flow_bars(
                labels, [_get(c, "lp_contributions") for c in flows],
                [_get(c, "lp_distributions") for c in flows], lang=self.lang)
            blocks.append({"kind": "chart", "title": self.t["cash_flow_chart"], "svg": _chart(svg)})
            rows = [[_get(c, "quarter"), self.cell_money(_get(c, "lp_contributions")),
                     self.cell_money(_get(c, "lp_distributions")),
                     self.cell_money(_get(c, "subfund_calls")),
                     self.cell_money(_get(c, "subfund_distributions"))] for c in flows]
            blocks.append(self.table(
                "cashflows", self.t["cashflow_table"],
                [(self.t["period"], "l"), (self.head("lp_contributions"), "r"),
                 (self.head("lp_distributions"), "r"),
                 (self.head("subfund_calls"), "r"),
                 (self.head("subfund_distributions"), "r")], rows, css="compact"))
        return {"id": "fundraising", "title": self.t["sections"]["fundraising"], "blocks": blocks}

    def subfunds(self) -> dict:
        rows = []
        for sf in _items(self.s, "subfunds"):
            rows.append([
                self.name(sf), f.date(_get(sf, "inception"), self.lang),
                self.cell_money(_get(sf, "fund_size")), f.percent(_get(sf, "stake")),
                self.cell_money(_get(sf, "committed")), self.cell_money(_get(sf, "paid_in")),
                f.percent(_get(sf, "pic_ratio")), self.cell_money(_get(sf, "total_paid_in")),
                self.cell_money(_get(sf, "invested")), f.number(_get(sf, "companies")),
            ])
        table = self.table(
            "subfunds", None,
            [(self.t["subfund"], "l"), (self.t["inception"], "l"),
             (self.head("fund_size"), "r"), (self.t["stake"], "r"),
             (self.head("parent_commitment"), "r"),
             (self.head("parent_paid_in"), "r"), (self.t["paid_in_ratio"], "r"),
             (self.head("total_paid_in"), "r"), (self.head("invested"), "r"),
             (self.t["companies"], "r")],
            rows, css="compact", note=self.t["subfund_note"],
        )
        title = self.t["sections"]["subfunds"]
        codes = [_get(sf, "code") for sf in _items(self.s, "subfunds")]
        table = self.by_fund(table, "subfunds", codes, title)
        return {"id": "subfunds", "title": title, "blocks": [table]}

    def _shares(self, group: str, key: str) -> list[tuple[str, object]]:
        exposure = _get(self.s, "exposure")
        out = []
        for item in _items(exposure, key):
            code = _get(item, "key")
            label = self.code_name(code) if group == "fund" else self.term(group, code)
            out.append((label, _get(item, "share")))
        return out

    def exposure(self) -> dict:
        exposure = _get(self.s, "exposure")
        dims = [("sector", "by_sector"), ("fund", "by_subfund"), ("region", "by_region"),
                ("stage", "by_stage")]
        figures, charts_ = {}, []
        for group, key in dims:
            items = self._shares(group, key)
            figures[key] = [[label, f.percent(v)] for label, v in items]
            title = self.t["exposure_by"][group]
            svg = (charts.donut(items, title=title) if group in ("sector", "fund")
                   else charts.exposure_bars(items, title=title))
            charts_.append({"kind": "chart", "title": title, "svg": _chart(svg)})
        self.figures["exposure"] = figures
        blocks = [
            {"kind": "paragraph", "text": self.t["exposure_intro"].format(
                total=self.money(_get(exposure, "total")),
                n=f.number(_get(exposure, "companies")))},
            {"kind": "charts", "entries": charts_[:2]},
            {"kind": "charts", "entries": charts_[2:]},
        ]
        rows = []
        for i, co in enumerate(_items(exposure, "top_companies"), start=1):
            rows.append([str(i), self.name(co) + (" *" if _get(co, "multi") else ""),
                         self.term("sector", _get(co, "sector")),
                         self.term("region", _get(co, "region")),
                         self.term("stage", _get(co, "stage")),
                         self.cell_money(_get(co, "value")), f.percent(_get(co, "share"))])
        hhi = _get(exposure, "hhi")
        concentration = {
            "top10_share": f.percent(_get(exposure, "top10_share")),
            "hhi": f.number(None if hhi is None else Decimal(repr(float(hhi))) * 10_000),
            "multi_held": str(len(_items(exposure, "multi_held"))),
        }
        self.figures["concentration"] = concentration
        blocks.append(self.table(
            "top_companies", self.t["top_companies"],
            [("#", "r"), (self.t["company"], "l"), (self.t["sector"], "l"),
             (self.t["region"], "l"), (self.t["stage"], "l"),
             (self.head("look_through_value"), "r"), (self.t["share"], "r")],
            rows,
            note=self.t["concentration"].format(top10=concentration["top10_share"],
                                                hhi=concentration["hhi"],
                                                multi=concentration["multi_held"]),
        ))
        if self.appendix == "holdings":
            blocks.append(self.holdings_appendix())
        return {"id": "exposure", "title": self.t["sections"]["exposure"], "blocks": blocks}

    def holdings_appendix(self) -> dict:
        """Every look-through holding (``snapshot.exposure['holdings']``, added by the caller)."""
        holdings = _items(_get(self.s, "exposure"), "holdings")
        sep = "·"
        rows = [[self.name(h), self.code_name(_get(h, "fund")),
                 sep.join(self.term(g, _get(h, g)) for g in ("sector", "region", "stage")),
                 self.cell_money(_get(h, "value")), f.percent(_get(h, "share"))]
                for h in holdings]
        # Few cells, fixed column widths, one line per cell: WeasyPrint's time grows with
        # the number of boxes and with width computations, and this table can be long.
        block = self.table(
            "appendix_holdings", self.t["appendix_holdings"],
            [(self.t["company"], "l"), (self.t["subfund"], "l"),
             (f"{self.t['sector']}·{self.t['region']}·{self.t['stage']}", "l"),
             (self.head("look_through_value"), "r"), (self.t["share"], "r")],
            rows, css="long",
        )
        # A long appendix: the stored figures keep its size and first rows, not every row.
        self.figures["appendix_holdings"] = {"rows": len(rows), "head": rows[:20]}
        return block

    def reinvestment(self) -> dict:
        data = _get(self.s, "reinvestment")
        multiples = {_get(sf, "code"): _get(sf, "reinvest_multiple")
                     for sf in _items(self.s, "subfunds")}
        rows, bars, codes = [], [], []
        for item in _items(data, "by_fund"):
            code = _get(item, "fund")
            codes.append(code)
            rows.append([self.code_name(code), f.multiple(multiples.get(code), 1),
                         self.cell_money(_get(item, "required")),
                         self.cell_money(_get(item, "recognised")),
                         f.percent(_get(item, "completion"))])
            bars.append((self.code_name(code), _get(item, "recognised"), _get(item, "required")))
        total = [self.t["total"], "", self.cell_money(_get(data, "required")),
                 self.cell_money(_get(data, "recognised")), f.percent(_get(data, "completion"))]
        blocks = [self.table(
            "reinvestment", None,
            [(self.t["subfund"], "l"), (self.t["reinvest_multiple"], "r"),
             (self.head("required"), "r"), (self.head("recognised"), "r"),
             (self.t["completion"], "r")],
            rows, total=total, note=self.t["reinvest_note"])]
        blocks[0] = self.by_fund(blocks[0], "reinvestment", codes,
                                 self.t["sections"]["reinvestment"])
        if self.top_funds is not None:
            bars = [b for b, code in zip(bars, codes, strict=True) if code in self.top_funds]
        if bars:
            blocks.append({"kind": "chart", "title": self.t["reinvest_chart"],
                           "svg": _chart(charts.progress_bars(bars))})
        regions = "、".join if self.lang == "zh" else ", ".join
        settled = regions(f"{self.term('region', _get(r, 'key'))} {_get(r, 'count')}"
                          for r in _items(data, "settled_by_region"))
        settled_text = self.t["settled"].format(n=f.number(_get(data, "settled_companies")),
                                                 regions=settled or f.MISSING)
        self.figures["settled"] = settled_text
        blocks.append({"kind": "paragraph", "text": settled_text})
        entries = [[f.date(_get(e, "approval_date"), self.lang), self.name(e),
                    self.code_name(_get(e, "fund")), self.term("category", _get(e, "category")),
                    self.cell_money(_get(e, "base_amount")), f.multiple(_get(e, "multiplier"), 1),
                    self.cell_money(_get(e, "recognised"))]
                   for e in _items(data, "entries")]
        blocks.append(self.largest(self.table(
            "recognitions", self.t["recognitions"],
            [(self.t["approval_date"], "l"), (self.t["company"], "l"), (self.t["subfund"], "l"),
             (self.t["category"], "l"), (self.head("base_amount"), "r"),
             (self.t["multiplier"], "r"), (self.head("recognised"), "r")],
            entries, css="compact"), "recognitions",
            [_get(e, "recognised") for e in _items(data, "entries")],
            self.t["order_recognised"]))
        return {"id": "reinvestment", "title": self.t["sections"]["reinvestment"],
                "blocks": blocks}

    def exits(self) -> dict:
        rows = []
        for e in _items(self.s, "exits"):
            rows.append([f.date(_get(e, "date"), self.lang), self.name(e),
                         self.code_name(_get(e, "fund")), self.cell_money(_get(e, "invested")),
                         self.cell_money(_get(e, "proceeds")), f.multiple(_get(e, "multiple")),
                         self.t["yes"] if _get(e, "full_exit") else self.t["no"]])
        dist_rows = []
        parent = _get(_get(self.s, "fund"), "code")
        for d in _items(self.s, "distributions"):
            other = self.code_name(_get(d, "counterparty")) if _get(d, "counterparty") in \
                self.entities else self.name(d)
            inbound = _get(d, "direction") == "in"
            dist_rows.append([f.date(_get(d, "date"), self.lang),
                              other if inbound else self.code_name(parent),
                              self.code_name(parent) if inbound else other,
                              self.cell_money(_get(d, "amount")),
                              self.t["yes"] if _get(d, "recallable") else self.t["no"]])
        blocks = [
            self.largest(
                self.table("exits", self.t["exits_table"],
                           [(self.t["date"], "l"), (self.t["company"], "l"),
                            (self.t["subfund"], "l"), (self.head("cost"), "r"),
                            (self.head("proceeds"), "r"), (self.t["multiple"], "r"),
                            (self.t["full_exit"], "c")], rows),
                "exits", [_get(e, "proceeds") for e in _items(self.s, "exits")],
                self.t["order_proceeds"]),
            self.largest(
                self.table("distributions", self.t["distributions_table"],
                           [(self.t["date"], "l"), (self.t["from"], "l"), (self.t["to"], "l"),
                            (self.head("amount"), "r"), (self.t["recallable"], "c")],
                           dist_rows),
                "distributions", [_get(d, "amount") for d in _items(self.s, "distributions")],
                self.t["order_amount"]),
        ]
        return {"id": "exits", "title": self.t["sections"]["exits"], "blocks": blocks}

    def performance(self) -> dict:
        k, prev = _get(self.s, "kpis"), _get(self.s, "kpis_prev")
        perf = [[self.t["kpi"][key], self._format(_get(k, key), kind),
                 self._format(_get(prev, key), kind)]
                for key, kind in (("irr", "percent"), ("dpi", "multiple"), ("rvpi", "multiple"),
                                  ("tvpi", "multiple"), ("ks_pme", "multiple"),
                                  ("direct_alpha", "percent"))]
        for h in _items(self.s, "horizons"):
            label = self.t["horizon"].get(_get(h, "horizon"), _get(h, "horizon"))
            perf.append([label, f.percent(_get(h, "irr")), ""])
        bench = _get(self.s, "benchmark")
        blocks = [self.table("performance", None,
                             [(self.t["item"], "l"), (self.t["this_quarter"], "r"),
                              (self.t["last_quarter"], "r")],
                             perf, note=self.t["pme_note"].format(
                                 index=_get(bench, "name") or _get(bench, "code") or f.MISSING))]
        history = _items(self.s, "history")
        if history:
            labels = [_get(h, "quarter") for h in history]
            net = [f.delta(_get(h, "distributed"), _get(h, "paid_in")) for h in history]
            irr = [_get(h, "irr") for h in history]
            blocks.append({"kind": "chart", "title": self.t["j_curve"],
                           "svg": _chart(charts.j_curve(labels, net, irr, lang=self.lang))})
        rows = []
        for sf in _items(self.s, "subfunds"):
            age = _get(sf, "nav_age_days")
            rows.append({"cells": [self.name(sf), self.cell_money(_get(sf, "nav")),
                                   f.date(_get(sf, "nav_date"), self.lang), f.days(age, self.lang),
                                   f.percent(_get(sf, "irr")), f.multiple(_get(sf, "dpi")),
                                   f.multiple(_get(sf, "tvpi")), f.multiple(_get(sf, "ks_pme"))],
                         "css": "breach" if age is not None and age > 120 else ""})
        blocks.append(self.by_fund(self.table(
            "subfund_performance", self.t["nav_ages"],
            [(self.t["subfund"], "l"), (self.head("parent_nav"), "r"),
             (self.t["nav_date"], "l"), (self.t["nav_age"], "r"), ("IRR", "r"), ("DPI", "r"),
             ("TVPI", "r"), ("KS-PME", "r")],
            rows, note=self.t["nav_age_note"]), "subfund_performance",
            [_get(sf, "code") for sf in _items(self.s, "subfunds")]))
        return {"id": "performance", "title": self.t["sections"]["performance"], "blocks": blocks}

    def _indicator_cells(self, item) -> list[str]:
        indicator = _get(item, "indicator")
        return [self.t["indicator"].get(indicator, _get(item, "label") or indicator),
                self._indicator_value(indicator, _get(item, "value")),
                f"{self.t['direction'].get(_get(item, 'direction'), '')} "
                f"{self._indicator_value(indicator, _first(item, 'threshold', 'target'))}"]

    @staticmethod
    def _indicator_value(indicator, value) -> str:
        if indicator in ("leverage", "dpi", "tvpi", "rvpi"):
            return f.multiple(value)
        if indicator == "breaches":
            return f.number(value)
        return f.percent(value)

    def compliance(self) -> dict:
        rows = [{"cells": [self.code_name(_get(b, "fund")), *self._indicator_cells(b)],
                 "css": "breach"} for b in _items(self.s, "breaches")]
        block = self.table(
            "breaches", None,
            [(self.t["subfund"], "l"), (self.t["indicator_col"], "l"), (self.t["actual"], "r"),
             (self.t["threshold"], "r")],
            rows)
        block["empty"] = self.t["no_breaches"]
        block = self.by_fund(block, "breaches",
                             [_get(b, "fund") for b in _items(self.s, "breaches")],
                             self.t["sections"]["compliance"])
        blocks = [block]
        if rows:
            blocks.insert(0, {"kind": "paragraph",
                              "text": self.t["event_breaches"].format(n=len(rows))})
        stale = [self.name(sf) for sf in _items(self.s, "subfunds")
                 if (_get(sf, "nav_age_days") or 0) > 120]
        lines = list(self.t["risk_lines"])
        if stale:
            lines.insert(0, self.t["stale_navs"].format(funds="、".join(stale)))
        blocks.append({"kind": "notes", "title": self.t["risk_title"], "lines": lines})
        return {"id": "compliance", "title": self.t["sections"]["compliance"], "blocks": blocks}

    def indicators(self) -> dict:
        rows = []
        for i in _items(self.s, "indicators"):
            breach = _get(i, "breach")
            status = self.t["status_na"] if breach is None else (
                self.t["status_breach"] if breach else self.t["status_ok"])
            rows.append({"cells": [self.code_name(_get(i, "fund")), *self._indicator_cells(i),
                                   status],
                         "css": "breach" if breach else ("ok" if breach is False else "")})
        blocks = [self.table(
            "indicators", self.t["indicators_table"],
            [(self.t["subfund"], "l"), (self.t["indicator_col"], "l"), (self.t["actual"], "r"),
             (self.t["threshold"], "r"), (self.t["status"], "c")],
            rows, css="compact")]
        blocks[0] = self.by_fund(blocks[0], "indicators",
                                 [_get(i, "fund") for i in _items(self.s, "indicators")])
        card = _get(self.s, "scorecard")
        items = _items(card, "items")
        if items:
            score_rows = [[*self._indicator_cells(i), f.number(_get(i, "weight"), 0),
                           f.number(_get(i, "score"), 1)] for i in items]
            blocks.append(self.table(
                "scorecard", self.t["scorecard"],
                [(self.t["indicator_col"], "l"), (self.t["actual"], "r"), (self.t["target"], "r"),
                 (self.t["weight"], "r"), (self.t["score"], "r")],
                score_rows, total=[self.t["total"], "", "", "",
                                   f.number(_get(card, "total"), 1)]))
        return {"id": "indicators", "title": self.t["sections"]["indicators"], "blocks": blocks}

    def forecast(self) -> dict:
        data = _get(self.s, "forecast")
        quarters = _items(data, "quarters")
        labels, calls, dists, cumulative, rows = [], [], [], [], []
        for item in quarters:
            day = _get(item, "date")
            label = f"{day.year}Q{(day.month - 1) // 3 + 1}" if day else ""
            labels.append(label)
            calls.append(_get(item, "calls"))
            dists.append(_get(item, "distributions"))
            cumulative.append(_get(item, "cumulative_net"))
            rows.append([label, self.cell_money(_get(item, "calls")),
                         self.cell_money(_get(item, "distributions")),
                         self.cell_money(_get(item, "net")),
                         self.cell_money(_get(item, "cumulative_net")),
                         self.cell_money(_get(item, "nav"))])
        blocks = [{"kind": "paragraph", "text": self.t["forecast_intro"].format(
            calls=self.money(_get(data, "next_year_calls")),
            dists=self.money(_get(data, "next_year_distributions")))}]
        self.figures["forecast_next_year"] = {
            "calls": self.money(_get(data, "next_year_calls")),
            "distributions": self.money(_get(data, "next_year_distributions")),
        }
        if quarters:
            # NAV is an order of magnitude larger than the flows: it stays in the table.
            series = [(self.t["forecast_calls"], calls), (self.t["forecast_distributions"], dists),
                      (self.t["forecast_cumulative"], cumulative)]
            blocks.append({"kind": "chart", "title": self.t["forecast_chart"],
                           "svg": _chart(charts.forecast_lines(labels, series, lang=self.lang))})
        blocks.append(self.table(
            "forecast", None,
            [(self.t["period"], "l"), (self.head("forecast_calls"), "r"),
             (self.head("forecast_distributions"), "r"),
             (self.head("forecast_net"), "r"),
             (self.head("forecast_cumulative"), "r"),
             (self.head("forecast_nav"), "r")],
            rows, css="compact", note=self.t["forecast_note"]))
        return {"id": "forecast", "title": self.t["sections"]["forecast"], "blocks": blocks}

    def definitions(self) -> dict:
        items = DEFINITIONS[self.lang]
        return {"id": "definitions", "title": self.t["sections"]["definitions"],
                "blocks": [{"kind": "definitions", "entries": items}]}

    def build(self) -> ReportView:
        meta = self.meta()
        sections = [self.summary(), self.fundraising(), self.subfunds(), self.exposure(),
                    self.reinvestment(), self.exits(), self.performance(), self.compliance(),
                    self.indicators(), self.forecast(), self.definitions()]
        if self.complete:
            sections.append(self.appendix_tables())
        context = {
            "lang": self.lang,
            "t": self.t,
            "meta": meta,
            "cover_facts": self.cover_facts(),
            "sections": sections,
        }
        self.figures["sections"] = [s["title"] for s in sections]
        return ReportView(context=context, figures=self.figures)


def view(snapshot, lang: str = "zh", appendix: str | None = None) -> ReportView:
    """The report's template context and the figures it prints (see the module doc)."""
    return _Builder(snapshot, lang, appendix).build()
