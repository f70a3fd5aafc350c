"""Each sub-fund's row in the snapshot: the parent's position in it, its gross results,
its 返投 progress and its guidance-fund indicators against its terms.

A dashboard shows a hundred sub-funds or more: each frame of the book is summed per
fund in one pass (``fund_sums``), instead of being split by fund and summed figure by
figure; every figure is the same.
"""

from __future__ import annotations

from decimal import Decimal

from fundtrack import analytics as fa
from fundtrack.analytics.indicators import CHECK_FIELDS, check_values, guidance_values
from fundtrack.services.fund_sums import (
    after_statement,
    by_fund,
    column_sums,
    commitment_sums,
    holding_sums,
    kind_sums,
)
from fundtrack.services.positions import (
    ZERO,
    money,
    position,
    ratio,
    summary_position,
)

#: Terms columns → the threshold names the indicators are checked against.
THRESHOLD_COLUMNS = {
    "max_idle_share": "max_idle_cash_share",
    "single_project_cap": "max_single_project_share",
    "core_sector_min": "min_core_sector_share",
    "min_private_share": "min_private_capital_share",
}

#: The terms columns a row reads (the terms frame has many more).
TERMS_COLUMNS = (
    "fund_size",
    "max_parent_stake",
    "reinvest_multiple",
    "reinvest_base",
    "core_sector",
    "investment_period_years",
    "term_years",
    "fee_rate",
    "hurdle",
    "carry",
    "thresholds",
    *THRESHOLD_COLUMNS,
)

#: An indicator row's keys: the fund, then the check's own fields (``CHECK_FIELDS``).
INDICATOR_KEYS = ("fund", "fund_name", "fund_name_en", *CHECK_FIELDS)
_BREACH = CHECK_FIELDS.index("breach")


def _terms_mapping(terms: dict | None) -> dict:
    if not terms:
        return {}
    mapping = {new: terms.get(old) for old, new in THRESHOLD_COLUMNS.items()}
    mapping.update((k, v) for k, v in (terms.get("thresholds") or {}).items())
    mapping["reinvestment_multiple"] = terms.get("reinvest_multiple")
    return {k: None if v is None else float(v) for k, v in mapping.items()}


def _termsby_fund(frame) -> dict[str, dict]:
    """Each fund's terms (``TERMS_COLUMNS``); the last row wins if a fund had two."""
    if frame.empty:
        return {}
    lists = [frame[name].tolist() for name in TERMS_COLUMNS]
    return {
        fund: dict(zip(TERMS_COLUMNS, values, strict=True))
        for fund, *values in zip(frame["fund"].tolist(), *lists, strict=True)
    }


#: Columns a position reads (``positions.position``): the parent's flows, a fund's NAV
#: statements and every investor's flows that roll its NAV forward.
PARENT_FLOW_COLUMNS = ("date", "kind", "amount", "recallable")
NAV_COLUMNS = ("date", "nav")
NAV_FLOW_COLUMNS = ("date", "amount")

_NO_FLOW_ROWS = dict.fromkeys(PARENT_FLOW_COLUMNS, ())
_NO_NAV_ROWS = dict.fromkeys(NAV_COLUMNS, ())
_NO_NAV_FLOW_ROWS = dict.fromkeys(NAV_FLOW_COLUMNS, ())
_NO_HOLDINGS = (ZERO, 0, {}, ZERO, ZERO)
_NO_FLOWS = (ZERO, ZERO)
_NO_COMMITMENTS = (ZERO, ZERO, ZERO)


def subfund_rows(book, *, detail: bool = True) -> tuple[list[dict], list[dict]]:
    """``(rows, indicators)`` for every sub-fund of the book, by code.

    ``detail=False`` leaves out the gross IRR (the one figure that needs every
    company flow by day) and the indicators that hold (the breaches stay); every
    other figure is the same. A sub-fund outside ``book.listed`` (when the book
    lists only some) has every figure but its IRR, its PMEs and its unfunded
    amount, which need each of its dated flows.
    """
    parent = book.parent["code"]
    entities = book.entities
    codes = entities["code"].tolist()
    # Codes are unique, so a set of the private investors' says what a code → type map would.
    private_investors = {
        code
        for code, lp_type in zip(codes, entities["lp_type"].tolist(), strict=True)
        if lp_type == "private"
    }
    sectors = dict(zip(codes, entities["sector"].tolist(), strict=True))
    subfunds = [
        (code, name, name_en, inception)
        for code, kind, name, name_en, inception in zip(
            codes,
            entities["kind"].tolist(),
            entities["name"].tolist(),
            entities["name_en"].tolist(),
            entities["inception"].tolist(),
            strict=True,
        )
        if kind == "subfund"
    ]
    terms_by_fund = _termsby_fund(book.terms)
    # One pass over each whole frame: no frame is split by fund for a few sums.
    commitments = commitment_sums(book.commitments, parent, private_investors)
    subfund_totals = kind_sums(book.subfund_totals, "contribution", "distribution")
    parent_totals = kind_sums(book.parent_totals, "contribution", "distribution")
    holdings = holding_sums(book.holdings, sectors)
    gross_irrs = _gross_irrs(book, holdings) if detail else {}
    recognitions = column_sums(book.recognitions, "recognised_amount")
    listed_flows = by_fund(book.parent_flows, PARENT_FLOW_COLUMNS)
    statements = by_fund(book.latest_navs, NAV_COLUMNS)
    all_flows = by_fund(book.subfund_flows, NAV_FLOW_COLUMNS)
    listed, as_of = book.listed, book.as_of
    # The sub-funds' PMEs are on their own pages and in the report, not the dashboard.
    index = book.index if detail else None
    rows, indicators = [], []
    for code, name, name_en, inception in subfunds:
        terms = terms_by_fund.get(code)
        total_committed, parent_committed, private = commitments.get(code, _NO_COMMITMENTS)
        total_paid, total_dist = subfund_totals.get(code, _NO_FLOWS)
        total_paid = -total_paid
        parent_paid, parent_dist = parent_totals.get(code, _NO_FLOWS)
        parent_paid = -parent_paid
        if total_paid:
            stake = parent_paid / total_paid
        else:
            stake = parent_committed / total_committed if total_committed else Decimal(0)
        navs = statements.get(code, _NO_NAV_ROWS)
        nav_flows = after_statement(all_flows.get(code, _NO_NAV_FLOW_ROWS), navs)
        if listed is None or code in listed:
            pos = position(
                listed_flows.get(code, _NO_FLOW_ROWS),
                navs,
                as_of,
                committed=parent_committed,
                index=index,
                nav_flows=nav_flows,
                nav_share=float(stake),
            )
        else:
            pos = summary_position(
                navs,
                as_of,
                committed=parent_committed,
                contributions=parent_paid,
                distributions=parent_dist,
                nav_flows=nav_flows,
                nav_share=float(stake),
                reason="not listed",
            )
        core = terms.get("core_sector") if terms else None
        fair_value, companies, per_company, invested, proceeds = holdings.get(code, _NO_HOLDINGS)
        core_invested = ZERO
        for company, amount in per_company.items():
            if sectors.get(company) == core:
                core_invested += amount
        largest = max(per_company.values(), default=ZERO)
        gross_irr = gross_irrs.get(code)
        fees = book.fee_total(code)
        cash = total_paid - invested - fees + proceeds - total_dist
        recognised = recognitions.get(code, ZERO)
        base = parent_paid
        if terms and terms.get("reinvest_base") == "parent_commitment":
            base = parent_committed
        multiple = Decimal(terms["reinvest_multiple"]) if terms else None
        required = (multiple * base) if multiple is not None else None
        facts = {
            "committed": float(total_committed),
            "paid_in": float(total_paid),
            "invested": float(invested),
            "cash": float(cash),
            "subfund_paid_in": float(total_paid),
            "parent_paid_in": float(parent_paid),
            "reinvestment_recognised": float(recognised),
            "parent_contribution": float(base),
            "core_invested": float(core_invested),
            "largest_investment": float(largest),
            "fund_size": float(terms["fund_size"]) if terms else None,
            "private_capital": float(private),
        }
        checks = guidance_values(facts, _terms_mapping(terms))
        if terms and terms.get("max_parent_stake") is not None and total_committed:
            checks.append(
                check_values(
                    "parent_stake",
                    "母基金出资比例",
                    float(parent_committed / total_committed),
                    float(terms["max_parent_stake"]),
                    "max",
                )
            )
        name_or_en = name_en or name
        # The dashboard lists the breaches alone: it keeps no row of an indicator that holds.
        shown = checks if detail else [item for item in checks if item[_BREACH]]
        indicators.extend(
            {
                "fund": code,
                "fund_name": name,
                "fund_name_en": name_or_en,
                "indicator": indicator,
                "label": label,
                "value": value,
                "threshold": threshold,
                "direction": direction,
                "breach": breach,
            }
            for indicator, label, value, threshold, direction, breach in shown
        )
        rows.append(
            {
                **pos,
                "code": code,
                "name": name,
                "name_en": name_en,
                "inception": inception,
                "fund_size": money(terms["fund_size"]) if terms else None,
                "total_committed": money(total_committed),
                "total_paid_in": money(total_paid),
                "total_distributed": money(total_dist),
                "parent_committed": money(parent_committed),
                "stake": ratio(stake),
                "invested": money(invested),
                "proceeds": money(proceeds),
                "fair_value": money(fair_value),
                "fees": money(fees),
                "cash": money(cash),
                "gross_irr": ratio(gross_irr),
                "gross_tvpi": ratio((proceeds + fair_value) / invested) if invested else None,
                "companies": companies,
                "reinvest_multiple": ratio(multiple),
                "reinvest_required": money(required),
                "reinvest_recognised": money(recognised),
                "reinvest_completion": ratio(recognised / required) if required else None,
                "core_sector": core,
                "investment_period_years": terms["investment_period_years"] if terms else None,
                "term_years": terms["term_years"] if terms else None,
                "fee_rate": ratio(terms["fee_rate"]) if terms else None,
                "hurdle": ratio(terms["hurdle"]) if terms else None,
                "carry": ratio(terms["carry"]) if terms else None,
                "breaches": sum(1 for item in checks if item[_BREACH]),
            }
        )
    return rows, indicators


def _gross_irrs(book, holdings: dict[str, list]) -> dict[str, float | None]:
    """Each sub-fund's gross IRR: its company flows by day, closed by the fair value
    (of ``holdings``, as ``fund_sums.holding_sums`` gives them)."""
    daily = book.gross_daily
    if daily.empty:
        return {}
    result = {}
    for code, day in book.cols_of("gross_daily").items():
        fair_value = holdings.get(code, _NO_HOLDINGS)[0]
        result[code] = fa.xirr(
            [*day["date"], book.as_of], [*(float(a) for a in day["amount"]), float(fair_value)]
        )
    return result
