"""The portfolio snapshot: every figure the UI and the board report show, as of one date.

``build_snapshot`` reads the ledger once (one read transaction), hands the
frames to the analytics layer and assembles the results. The dashboard, the
fund pages, the PDF and the workbook all print from a ``Snapshot``, so they
print the same numbers. Money is ``Decimal`` to the fen, ratios are float or
None; ``sanitise`` guarantees no NaN or infinity is left anywhere in it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from fundtrack import analytics as fa
from fundtrack.ledger import frames
from fundtrack.ledger.benchmarks import benchmark_names
from fundtrack.ledger.db import Database
from fundtrack.ledger.periods import parse_quarter, quarter_ends, quarter_of
from fundtrack.ledger.scorecards import scorecard_spec
from fundtrack.services.forecasts import forecast_section
from fundtrack.services.positions import ZERO, dsum, money, position, ratio, upto
from fundtrack.services.subfunds import subfund_rows

DEFAULT_BENCHMARK = "CSI300-SYN"


@dataclass
class Snapshot:
    as_of: dt.date
    quarter: str
    demo: bool
    fund: dict
    benchmark: dict
    kpis: dict
    kpis_prev: dict
    lps: list = field(default_factory=list)
    subfunds: list = field(default_factory=list)
    exposure: dict = field(default_factory=dict)
    reinvestment: dict = field(default_factory=dict)
    exits: list = field(default_factory=list)
    distributions: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    breaches: list = field(default_factory=list)
    scorecard: dict = field(default_factory=dict)
    horizons: list = field(default_factory=list)
    history: list = field(default_factory=list)
    cashflows: list = field(default_factory=list)
    forecast: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe: money and dates as text, so nothing is rounded on the way."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def sanitise(value: Any) -> Any:
    """Plain Python values only: numpy scalars unwrapped, NaN/NaT/inf → None, frames → rows."""
    if isinstance(value, dict):
        return {k: sanitise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitise(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [sanitise(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or (
        value is not None
        and not isinstance(value, (str, bytes, list, dict))
        and pd.api.types.is_scalar(value)
        and pd.isna(value)
    ):
        return None
    return value


@dataclass
class Book:
    """Everything read from the ledger for one snapshot."""

    as_of: dt.date
    parent: dict
    entities: pd.DataFrame
    net: pd.DataFrame
    parent_flows: pd.DataFrame
    subfund_flows: pd.DataFrame
    gross_totals: pd.DataFrame
    gross_daily: pd.DataFrame
    navs: pd.DataFrame
    holdings: pd.DataFrame
    commitments: pd.DataFrame
    terms: pd.DataFrame
    recognitions: pd.DataFrame
    fee_totals: dict
    index: pd.Series
    benchmark: str | None
    benchmark_info: dict
    scorecard_spec: list
    _parts: dict = field(default_factory=dict, repr=False)

    def names(self) -> dict[str, str]:
        return dict(zip(self.entities.code, self.entities.name, strict=True))

    def names_en(self) -> dict[str, str]:
        """English names, falling back to the Chinese one where none was given."""
        return {
            code: en if isinstance(en, str) and en else zh
            for code, zh, en in zip(
                self.entities.code, self.entities.name, self.entities.name_en, strict=True
            )
        }

    def part(self, name: str, fund: str) -> pd.DataFrame:
        """The rows of frame ``name`` for one fund (split once: the book may be large)."""
        if name not in self._parts:
            frame = getattr(self, name)
            groups = dict(tuple(frame.groupby("fund", sort=False))) if not frame.empty else {}
            self._parts[name] = (groups, frame.iloc[0:0])
        groups, empty = self._parts[name]
        return groups.get(fund, empty)

    def navs_of(self, fund: str) -> pd.DataFrame:
        return self.part("navs", fund)

    def cols_of(self, name: str) -> dict[str, dict[str, list]]:
        """Frame ``name`` split by fund into plain column lists, once (see ``columns``)."""
        key = ("cols", name)
        if key not in self._parts:
            frame = getattr(self, name)
            names = list(frame.columns)
            grouped: dict[str, list[int]] = {}
            if not frame.empty:
                for i, fund in enumerate(frame["fund"].tolist()):
                    grouped.setdefault(fund, []).append(i)
            lists = [frame[c].tolist() for c in names]
            self._parts[key] = (
                {
                    fund: {
                        c: [values[i] for i in rows] for c, values in zip(names, lists, strict=True)
                    }
                    for fund, rows in grouped.items()
                },
                {c: [] for c in names},
            )
        return self._parts[key][0]

    def cols(self, name: str, fund: str) -> dict[str, list]:
        """The rows of frame ``name`` for one fund, as plain column lists."""
        groups = self.cols_of(name)
        return groups.get(fund, self._parts[("cols", name)][1])

    def fee_total(self, fund: str) -> Decimal:
        return self.fee_totals.get(fund, ZERO)


def load_book(
    db: Database, as_of: dt.date, benchmark: str | None = None, *, detail: bool = True
) -> Book:
    """Read the ledger once; ``detail=False`` skips the company flows by day (gross IRR)."""
    with db.read() as s:
        entities = frames.entities(s)
        parents = entities[entities.kind == "parent"]
        if parents.empty:
            raise LookupError("the ledger has no parent fund yet: load the demo or import one")
        codes = frames.index_codes(s)
        chosen = benchmark or (DEFAULT_BENCHMARK if DEFAULT_BENCHMARK in codes else None)
        chosen = chosen or (codes[0] if codes else None)
        _, spec = scorecard_spec(s, as_of.year)
        gross_totals = frames.flow_totals(s, "gross", as_of)
        return Book(
            as_of=as_of,
            parent=parents.iloc[0].to_dict(),
            entities=entities,
            net=frames.cash_flows(s, "net", as_of),
            parent_flows=frames.cash_flows(s, "parent", as_of),
            subfund_flows=frames.cash_flows(s, "subfund", as_of),
            gross_totals=gross_totals,
            gross_daily=frames.daily_flows(s, "gross", as_of, exact=False)
            if detail
            else pd.DataFrame(columns=["fund", "date", "amount"]),
            navs=frames.nav_history(s, as_of),
            holdings=frames.holdings(s, as_of, totals=gross_totals),
            commitments=frames.commitments(s, as_of),
            terms=frames.terms(s, as_of),
            recognitions=frames.recognitions(s, as_of),
            fee_totals=frames.fee_totals(s, as_of),
            index=frames.index_series(s, chosen) if chosen else pd.Series(dtype=float),
            benchmark=chosen,
            benchmark_info=benchmark_names(s, chosen) if chosen else {},
            scorecard_spec=spec,
        )


def parent_kpis(book: Book, day: dt.date) -> dict:
    code = book.parent["code"]
    committed = (
        dsum(book.commitments.amount[(book.commitments.fund == code)])
        if not book.commitments.empty
        else ZERO
    )
    return position(
        book.part("net", code),
        book.navs_of(code),
        day,
        committed=committed if day >= book.as_of else _committed_at(book, code, day),
        index=book.index,
    )


def _committed_at(book: Book, fund: str, day: dt.date) -> Decimal:
    c = book.commitments
    if c.empty:
        return ZERO
    return dsum(c.amount[(c.fund == fund) & (c.date <= day)])


def lp_rows(book: Book) -> list[dict]:
    code = book.parent["code"]
    lps = book.entities[book.entities.kind == "lp"].set_index("code")
    rows = []
    commitments = book.part("commitments", code)
    net = book.part("net", code)
    names_en = book.names_en()
    for lp, amount in zip(commitments.investor, commitments.amount, strict=True):
        flows = net[net.investor == lp]
        paid = -dsum(flows.amount[flows.kind == "contribution"])
        dist = dsum(flows.amount[flows.kind == "distribution"])
        rows.append(
            {
                "code": lp,
                "name": lps.name.get(lp, lp),
                "name_en": names_en.get(lp, lp),
                "lp_type": lps.lp_type.get(lp),
                "committed": money(amount),
                "paid_in": money(paid),
                "distributed": money(dist),
                "unfunded": money(max(amount - paid, ZERO)),
                "paid_in_ratio": ratio(paid / amount) if amount else None,
                "share": None,
            }
        )
    total = dsum(r["committed"] for r in rows)
    for r in rows:
        r["share"] = ratio(r["committed"] / total) if total else None
    return sorted(rows, key=lambda r: -r["committed"])


def exposure_section(book: Book, stakes: pd.Series) -> dict:
    h = book.holdings
    if h.empty:
        return {
            "total": ZERO,
            "by_sector": [],
            "by_region": [],
            "by_stage": [],
            "by_subfund": [],
            "top_companies": [],
            "top10_share": None,
            "hhi": None,
            "multi_held": [],
            "companies": 0,
        }
    live = h.assign(value=[float(v) for v in h.value])
    live = live[live.value > 0]
    summary = fa.exposure_summary(
        live[["fund", "company", "value", "sector", "region", "stage"]], stakes
    )
    names, names_en = book.names(), book.names_en()

    def table(key: str) -> list[dict]:
        rows = summary[key]
        return [
            {"key": r[key], "value": money(r["effective_value"]), "share": ratio(r["share"])}
            for r in rows.to_dict("records")
        ]

    companies = summary["company"].head(10).to_dict("records")
    shared = summary["shared"]
    multi = set(shared.company) if not shared.empty else set()
    info = live.drop_duplicates("company").set_index("company")
    held_by: dict[str, set] = {}
    for fund, company in zip(live.fund.tolist(), live.company.tolist(), strict=True):
        held_by.setdefault(company, set()).add(fund)
    top = [
        {
            "code": r["company"],
            "name": names.get(r["company"], r["company"]),
            "name_en": names_en.get(r["company"], r["company"]),
            "sector": info.sector.get(r["company"]),
            "region": info.region.get(r["company"]),
            "stage": info.stage.get(r["company"]),
            "value": money(r["effective_value"]),
            "share": ratio(r["share"]),
            "funds": sorted(held_by.get(r["company"], ())),
            "multi": r["company"] in multi,
        }
        for r in companies
    ]
    conc = summary["concentration"]
    return {
        "total": money(summary["total"]),
        "by_sector": table("sector"),
        "by_region": table("region"),
        "by_stage": table("stage"),
        "by_subfund": table("fund"),
        "top_companies": top,
        "top10_share": ratio(conc["top_share"]),
        "hhi": ratio(conc["hhi"]),
        "companies": int(conc["companies"]),
        "multi_held": [
            {
                "code": r["company"],
                "name": names.get(r["company"], r["company"]),
                "name_en": names_en.get(r["company"], r["company"]),
                "funds": list(r["funds"]),
                "value": money(r["effective_value"]),
            }
            for r in shared.to_dict("records")
        ]
        if not shared.empty
        else [],
    }


def reinvestment_section(book: Book, subfunds: list[dict]) -> dict:
    rec = book.recognitions
    names, names_en = book.names(), book.names_en()
    companies = book.entities[book.entities.kind == "company"]
    local = dict(zip(companies.code.tolist(), companies.local.tolist(), strict=True))
    regions = dict(zip(companies.code.tolist(), companies.region.tolist(), strict=True))
    required = dsum(s["reinvest_required"] or ZERO for s in subfunds)
    recognised = dsum(s["reinvest_recognised"] for s in subfunds)
    held = set(book.holdings.company) if not book.holdings.empty else set()
    settled = [c for c in held if bool(local.get(c, False))]
    by_region: dict[str, int] = {}
    for c in settled:
        region = regions.get(c) or "local"
        by_region[region] = by_region.get(region, 0) + 1
    return {
        "required": money(required),
        "recognised": money(recognised),
        "completion": ratio(recognised / required) if required else None,
        "by_fund": [
            {
                "fund": s["code"],
                "name": s["name"],
                "required": s["reinvest_required"],
                "recognised": s["reinvest_recognised"],
                "completion": s["reinvest_completion"],
            }
            for s in subfunds
        ],
        "entries": [
            {
                "fund": r["fund"],
                "company": r["company"],
                "name": names.get(r["company"]),
                "name_en": names_en.get(r["company"]),
                "category": r["category"],
                "base_amount": money(r["base_amount"]),
                "multiplier": ratio(r["multiplier"]),
                "recognised": money(r["recognised_amount"]),
                "approval_date": r["approval_date"],
                "evidence": r["evidence"],
            }
            for r in rec.to_dict("records")
        ],
        "settled_companies": len(settled),
        "settled_by_region": [{"key": k, "count": v} for k, v in sorted(by_region.items())],
    }


def exits_section(book: Book) -> tuple[list[dict], list[dict]]:
    names, names_en = book.names(), book.names_en()
    # Per (fund, company): invested, proceeds and the last proceeds date, in one pass.
    pairs: dict[tuple[str, str], list] = {}
    g = book.gross_totals
    if not g.empty:
        for fund, company, kind, amount, last in zip(
            g.fund.tolist(),
            g.investor.tolist(),
            g.kind.tolist(),
            g.amount.tolist(),
            g["last"].tolist(),
            strict=True,
        ):
            entry = pairs.setdefault((fund, company), [ZERO, ZERO, None])
            if kind == "investment":
                entry[0] -= amount
            elif kind == "proceeds":
                entry[1] += amount
                entry[2] = last if entry[2] is None else max(entry[2], last)
    h = book.holdings
    values = (
        dict(
            zip(
                zip(h.fund.tolist(), h.company.tolist(), strict=True), h.value.tolist(), strict=True
            )
        )
        if not h.empty
        else {}
    )
    exits = []
    for (fund, company), (invested, proceeds, last) in sorted(pairs.items()):
        if last is None or proceeds <= 0:
            continue
        exits.append(
            {
                "fund": fund,
                "company": company,
                "name": names.get(company, company),
                "name_en": names_en.get(company, company),
                "date": last,
                "invested": money(invested),
                "proceeds": money(proceeds),
                "multiple": ratio(proceeds / invested) if invested else None,
                "full_exit": values.get((fund, company), ZERO) == 0,
            }
        )
    exits.sort(key=lambda e: e["date"])
    code = book.parent["code"]
    dist = []
    for frame, direction in ((book.parent_flows, "in"), (book.net, "out")):
        groups: dict[tuple, list] = {}
        if not frame.empty:
            for fund, investor, day, kind, amount, recallable in zip(
                frame.fund.tolist(),
                frame.investor.tolist(),
                frame.date.tolist(),
                frame.kind.tolist(),
                frame.amount.tolist(),
                frame.recallable.tolist(),
                strict=True,
            ):
                if kind != "distribution" or (direction == "out" and fund != code):
                    continue
                key = (day, fund if direction == "in" else investor)
                entry = groups.setdefault(key, [ZERO, False])
                entry[0] += amount
                entry[1] = entry[1] or bool(recallable)
        for (day, counterparty), (total, recallable) in sorted(groups.items()):
            dist.append(
                {
                    "date": day,
                    "direction": direction,
                    "counterparty": counterparty,
                    "name": names.get(counterparty, counterparty),
                    "name_en": names_en.get(counterparty, counterparty),
                    "amount": money(abs(total)),
                    "recallable": recallable,
                }
            )
    dist.sort(key=lambda d: (d["date"], d["direction"]))
    return exits, dist


def history_section(book: Book) -> tuple[list[dict], list[dict]]:
    code = book.parent["code"]
    net = book.part("net", code)
    if net.empty:
        return [], []
    inception = book.parent.get("inception") or min(net.date)
    ends = quarter_ends(inception, book.as_of)
    if not ends or ends[-1] != book.as_of:
        ends.append(book.as_of)
    flows = pd.DataFrame({"fund": code, "date": net.date, "amount": [float(a) for a in net.amount]})
    navs = book.navs_of(code)
    navs = pd.DataFrame({"fund": code, "date": navs.date, "nav": [float(v) for v in navs.nav]})
    hist = fa.performance_history(flows, navs, ends)
    history = [
        {
            "date": r["as_of"],
            "quarter": quarter_of(r["as_of"]),
            "paid_in": money(r["paid_in"]),
            "distributed": money(r["distributed"]),
            "nav": money(r["nav"]),
            "irr": ratio(r["irr"]),
            "dpi": ratio(r["dpi"]),
            "tvpi": ratio(r["tvpi"]),
        }
        for r in hist.to_dict("records")
    ]
    net_rows = list(zip(net.date.tolist(), net.kind.tolist(), net.amount.tolist(), strict=True))
    calls = book.parent_flows
    call_rows = (
        list(zip(calls.date.tolist(), calls.kind.tolist(), calls.amount.tolist(), strict=True))
        if not calls.empty
        else []
    )

    # Flows in the quarter that ends (or, for a mid-quarter as-of, runs up to) each end:
    # (start of its quarter - 1 day, end]; each flow is added to its quarter once.
    bounds = [(parse_quarter(quarter_of(end))[0] - dt.timedelta(days=1), end) for end in ends]
    sums = {key: [ZERO] * len(ends) for key in ("lc", "ld", "sc", "sd")}
    for rows, prefix in ((net_rows, "l"), (call_rows, "s")):
        for day, kind, amount in rows:
            if kind not in ("contribution", "distribution"):
                continue
            i = bisect.bisect_left(ends, day)  # the first end on or after the day
            if i < len(ends) and bounds[i][0] < day:
                sums[prefix + kind[0]][i] += amount
    cashflows = [
        {
            "date": end,
            "quarter": quarter_of(end),
            "lp_contributions": money(-sums["lc"][i]),
            "lp_distributions": money(sums["ld"][i]),
            "subfund_calls": money(-sums["sc"][i]),
            "subfund_distributions": money(sums["sd"][i]),
        }
        for i, end in enumerate(ends)
    ]
    return history, cashflows


def horizons_section(book: Book) -> list[dict]:
    code = book.parent["code"]
    net = book.part("net", code)
    if net.empty:
        return []
    flows = pd.DataFrame({"fund": code, "date": net.date, "amount": [float(a) for a in net.amount]})
    navs = book.navs_of(code)
    navs = pd.DataFrame({"fund": code, "date": navs.date, "nav": [float(v) for v in navs.nav]})
    table = fa.horizon_irrs(flows, navs, book.as_of)
    return [
        {
            "horizon": r["horizon"],
            "start": r["start"],
            "irr": ratio(r["irr"]),
            "reason": r["reason"],
        }
        for r in table.to_dict("records")
    ]


def scorecard_section(book: Book, kpis: dict, subfunds: list[dict], breaches: list) -> dict:
    if not book.scorecard_spec:
        return {"items": [], "total": None}
    paid = dsum(s["total_paid_in"] for s in subfunds)
    parent_paid = dsum(s["paid_in"] for s in subfunds)
    invested = dsum(s["invested"] for s in subfunds)
    cash = dsum(s["cash"] for s in subfunds)
    required = dsum(s["reinvest_required"] or ZERO for s in subfunds)
    recognised = dsum(s["reinvest_recognised"] for s in subfunds)
    lps = book.entities[book.entities.kind == "lp"].set_index("code").lp_type
    parent_c = book.part("commitments", book.parent["code"])
    private = dsum(
        a
        for i, a in zip(parent_c.investor, parent_c.amount, strict=True)
        if lps.get(i) == "private"
    )
    committed = dsum(parent_c.amount)
    values = {
        "paid_in_ratio": kpis["pic_ratio"],
        "investment_progress": ratio(invested / paid) if paid else None,
        "leverage": ratio(paid / parent_paid) if parent_paid else None,
        "reinvestment_completion": ratio(recognised / required) if required else None,
        "irr": kpis["irr"],
        "dpi": kpis["dpi"],
        "tvpi": kpis["tvpi"],
        "idle_cash_share": ratio(cash / paid) if paid else None,
        "private_capital_share": ratio(private / committed) if committed else None,
        "breaches": float(len(breaches)),
    }
    card = fa.scorecard(values, book.scorecard_spec)
    return {"items": sanitise(card.items), "total": ratio(card.total), "values": values}


def build_snapshot(
    db: Database, as_of: dt.date, *, benchmark: str | None = None, detail: bool = True
) -> Snapshot:
    """Every figure of the portfolio as of ``as_of`` (a calendar date in the fund's zone).

    ``detail=False`` is for the dashboard: it leaves out what the dashboard does not
    show (the LP table, exits and distributions, the forecast, each sub-fund's gross
    IRR) and computes every other figure exactly as the full snapshot does.
    """
    book = load_book(db, as_of, benchmark, detail=detail)
    kpis = parent_kpis(book, as_of)
    prev_end = parse_quarter(quarter_of(as_of))[0] - dt.timedelta(days=1)
    inception = book.parent.get("inception")
    kpis_prev = parent_kpis(book, prev_end) if inception is None or prev_end >= inception else {}
    subfunds, indicators = subfund_rows(book, detail=detail)
    stakes = pd.Series({s["code"]: s["stake"] or 0.0 for s in subfunds}, dtype=float)
    breaches = [i for i in indicators if i["breach"]]
    history, cashflows = history_section(book)
    exits, distributions = exits_section(book) if detail else ([], [])
    snapshot = Snapshot(
        as_of=as_of,
        quarter=quarter_of(as_of),
        demo=bool(book.entities.demo.any()),
        fund={k: book.parent.get(k) for k in ("code", "name", "name_en", "inception")},
        benchmark=book.benchmark_info,
        kpis=kpis,
        kpis_prev=kpis_prev,
        lps=lp_rows(book) if detail else [],
        subfunds=subfunds,
        exposure=exposure_section(book, stakes),
        reinvestment=reinvestment_section(book, subfunds),
        exits=exits,
        distributions=distributions,
        indicators=indicators,
        breaches=breaches,
        scorecard=scorecard_section(book, kpis, subfunds, breaches),
        horizons=horizons_section(book),
        history=history,
        cashflows=cashflows,
        forecast=forecast_section(book, subfunds) if detail else {},
    )
    for name in (
        "kpis",
        "kpis_prev",
        "lps",
        "subfunds",
        "exposure",
        "reinvestment",
        "exits",
        "distributions",
        "indicators",
        "breaches",
        "scorecard",
        "horizons",
        "history",
        "cashflows",
        "forecast",
        "fund",
    ):
        setattr(snapshot, name, sanitise(getattr(snapshot, name)))
    return snapshot


__all__ = ["Book", "Snapshot", "build_snapshot", "load_book", "sanitise", "upto"]
