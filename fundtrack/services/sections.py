"""The snapshot's sections: KPIs, LPs, exposure, 返投, exits, history, horizons, scorecard.

Each function reads a ``Book`` and returns plain values (money as ``Decimal``,
ratios as float or None); the analytics layer does the maths.
"""

import bisect
import datetime as dt

import pandas as pd

from fundtrack import analytics as fa
from fundtrack.ledger.frames.common import flow_rows
from fundtrack.ledger.periods import parse_quarter, quarter_ends, quarter_of
from fundtrack.services.book import Book
from fundtrack.services.positions import ZERO, dsum, money, position, ratio, records, sanitise


def parent_kpis(book: Book, day: dt.date) -> dict:
    code = book.parent["code"]
    c = book.cols("commitments", code)
    if day >= book.as_of:
        committed = dsum(c["amount"])
    else:
        committed = dsum(a for a, d in zip(c["amount"], c.get("date", []), strict=True) if d <= day)
    return position(
        book.cols("net", code),
        book.parent_navs,
        day,
        committed=committed,
        index=book.index,
    )


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


def _live_strings(column: pd.Series, values: list, rows: list[int] | None):
    """A key column's live rows for the exposure summary, typed as a DataFrame of the values.

    A string column's own array (or its live rows) is what the values would become, and is
    taken as it is, without inferring the type again; other columns go as their values.
    """
    if not isinstance(column.dtype, pd.StringDtype):
        return values
    return column.array if rows is None else column.array.take(rows)


def exposure_section(book: Book, stakes: pd.Series) -> dict:
    h = book.holdings
    values = [float(v) for v in h.value.tolist()] if not h.empty else []
    # Usually every holding is live: one pass in C (`0 < v`, so NaN is not) tells.
    every = all(map((0.0).__lt__, values))
    live_rows = None if every else [i for i, v in enumerate(values) if v > 0]
    if not values or live_rows == []:
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
    live = {
        c: (column if every else [column[i] for i in live_rows])
        for c, column in (
            ("fund", h.fund.tolist()),
            ("company", h.company.tolist()),
            ("value", values),
            ("sector", h.sector.tolist()),
            ("region", h.region.tolist()),
            ("stage", h.stage.tolist()),
        )
    }
    summary = fa.exposure.exposure_arrays(
        *(
            _live_strings(h[c], live[c], live_rows)
            for c in ("fund", "company", "sector", "region", "stage")
        ),
        live["value"],
        stakes,
    )
    names, names_en = book.names(), book.names_en()

    def table(key: str) -> list[dict]:
        rows = summary[key]
        return [
            {"key": k, "value": money(v), "share": ratio(share)}
            for k, v, share in zip(
                rows.keys.tolist(),
                rows.effective_value.tolist(),
                rows.share.tolist(),
                strict=True,
            )
        ]

    shared = summary["shared"]
    shared_company, shared_lists, shared_values = (
        shared.company.tolist(),
        shared.funds.tolist(),
        shared.effective_value.tolist(),
    )
    shared_funds = dict(zip(shared_company, shared_lists, strict=True))
    # A company's attributes as first listed, and the one fund of a company held once
    # (the shared ones' funds come with the summary): a dict built from the reversed rows
    # keeps each company's first row. Only the top ten need their attributes.
    companies = live["company"]
    first = dict(zip(reversed(companies), range(len(companies) - 1, -1, -1), strict=True))
    top_rows = summary["company"]
    top = []
    for company, value, share in zip(
        top_rows.keys[:10].tolist(),
        top_rows.effective_value[:10].tolist(),
        top_rows.share[:10].tolist(),
        strict=True,
    ):
        row = first[company]
        fund, sector, region, stage = (live[c][row] for c in ("fund", "sector", "region", "stage"))
        top.append(
            {
                "code": company,
                "name": names.get(company, company),
                "name_en": names_en.get(company, company),
                "sector": sector,
                "region": region,
                "stage": stage,
                "value": money(value),
                "share": ratio(share),
                "funds": list(shared_funds.get(company, (fund,))),
                "multi": company in shared_funds,
            }
        )
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
                "code": company,
                "name": names.get(company, company),
                "name_en": names_en.get(company, company),
                "funds": list(funds),
                "value": money(value),
            }
            for company, funds, value in zip(
                shared_company, shared_lists, shared_values, strict=True
            )
        ],
    }


def reinvestment_section(book: Book, subfunds: list[dict]) -> dict:
    rec = book.recognitions
    names, names_en = book.names(), book.names_en()
    h = book.holdings
    # The companies held (each as first listed), with whether each settled locally.
    held = (
        dict(
            zip(
                h.company.tolist(),
                zip(h.local.tolist(), h.region.tolist(), strict=True),
                strict=True,
            )
        )
        if not h.empty
        else {}
    )
    required = dsum(s["reinvest_required"] or ZERO for s in subfunds)
    recognised = dsum(s["reinvest_recognised"] for s in subfunds)
    by_region: dict[str, int] = {}
    settled = 0
    for local, region in held.values():
        if local:
            settled += 1
            by_region[region or "local"] = by_region.get(region or "local", 0) + 1
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
            for r in records(rec)
        ],
        "settled_companies": settled,
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
        for fund, investor, day, kind, amount, recallable in flow_rows(frame):
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


def _parent_flows(book: Book, net: dict[str, list]) -> tuple[list, list, list, list]:
    """The parent's LP flows and NAV statements as the analytics take them: flow dates,
    float amounts, NAV dates, float NAVs."""
    navs = book.parent_navs
    return (
        net["date"],
        [float(a) for a in net["amount"]],
        navs.date.tolist(),
        [float(v) for v in navs.nav],
    )


def _quarter_sums(ends: list, starts: list, days, kinds, amounts) -> tuple[list, list]:
    """Contributions and distributions summed per quarter: a flow counts for ``ends[i]``
    when it falls in (``starts[i]``, ``ends[i]``]; flows of other kinds count nowhere."""
    n = len(ends)
    sums = {"contribution": [ZERO] * n, "distribution": [ZERO] * n}
    for day, kind, amount in zip(days, kinds, amounts, strict=True):
        into = sums.get(kind)
        if into is not None:
            i = bisect.bisect_left(ends, day)  # the first end on or after the day
            if i < n and starts[i] < day:
                into[i] += amount
    return sums["contribution"], sums["distribution"]


def history_section(book: Book) -> tuple[list[dict], list[dict]]:
    code = book.parent["code"]
    net = book.cols("net", code)
    if not net["date"]:
        return [], []
    inception = book.parent.get("inception") or min(net["date"])
    ends = quarter_ends(inception, book.as_of)
    if not ends or ends[-1] != book.as_of:
        ends.append(book.as_of)
    hist = fa.horizons.performance_history_rows(*_parent_flows(book, net), ends)
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
        for r in hist
    ]
    # Flows in the quarter that ends (or, for a mid-quarter as-of, runs up to) each end:
    # (start of its quarter - 1 day, end]; each flow is added to its quarter once.
    starts = [parse_quarter(quarter_of(end))[0] - dt.timedelta(days=1) for end in ends]
    lc, ld = _quarter_sums(ends, starts, net["date"], net["kind"], net["amount"])
    calls = book.parent_flows
    if calls.empty:
        sc = sd = [ZERO] * len(ends)
    else:
        sc, sd = _quarter_sums(
            ends, starts, calls.date.tolist(), calls.kind.tolist(), calls.amount.tolist()
        )
    # Only some sub-funds' flows were read: their sum would pass for the parent's calls.
    partial = book.listed is not None
    cashflows = [
        {
            "date": end,
            "quarter": quarter_of(end),
            "lp_contributions": money(-lc[i]),
            "lp_distributions": money(ld[i]),
            "subfund_calls": None if partial else money(-sc[i]),
            "subfund_distributions": None if partial else money(sd[i]),
        }
        for i, end in enumerate(ends)
    ]
    return history, cashflows


def horizons_section(book: Book) -> list[dict]:
    code = book.parent["code"]
    net = book.cols("net", code)
    if not net["date"]:
        return []
    rows = fa.horizons.horizon_irr_rows(*_parent_flows(book, net), book.as_of)
    return [
        {
            "horizon": r["horizon"],
            "start": r["start"],
            "irr": ratio(r["irr"]),
            "reason": r["reason"],
        }
        for r in rows
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
    entities = book.entities
    lps = {
        code: lp_type
        for code, kind, lp_type in zip(
            entities.code.tolist(), entities.kind.tolist(), entities.lp_type.tolist(), strict=True
        )
        if kind == "lp"
    }
    parent_c = book.cols("commitments", book.parent["code"])
    private = dsum(
        a
        for i, a in zip(parent_c["investor"], parent_c["amount"], strict=True)
        if lps.get(i) == "private"
    )
    committed = dsum(parent_c["amount"])
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
