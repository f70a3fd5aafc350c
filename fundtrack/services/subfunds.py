"""Each sub-fund's row in the snapshot: the parent's position in it, its gross results,
its 返投 progress and its guidance-fund indicators against its terms.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from fundtrack import analytics as fa
from fundtrack.services.positions import ZERO, dsum, money, position, ratio

#: Terms columns → the threshold names the indicators are checked against.
THRESHOLD_COLUMNS = {
    "max_idle_share": "max_idle_cash_share",
    "single_project_cap": "max_single_project_share",
    "core_sector_min": "min_core_sector_share",
    "min_private_share": "min_private_capital_share",
}


def _terms_mapping(terms: dict | None) -> dict:
    if not terms:
        return {}
    mapping = {new: terms.get(old) for old, new in THRESHOLD_COLUMNS.items()}
    mapping.update((k, v) for k, v in (terms.get("thresholds") or {}).items())
    mapping["reinvestment_multiple"] = terms.get("reinvest_multiple")
    return {k: None if v is None else float(v) for k, v in mapping.items()}


def subfund_rows(book) -> tuple[list[dict], list[dict]]:
    """``(rows, indicators)`` for every sub-fund of the book, by code."""
    parent = book.parent["code"]
    entities = book.entities
    lp_types = entities.set_index("code").lp_type
    sectors = entities.set_index("code").sector
    terms_by_fund = (
        {t["fund"]: t for t in book.terms.to_dict("records")} if not book.terms.empty else {}
    )
    rows, indicators = [], []
    for sf in entities[entities.kind == "subfund"].to_dict("records"):
        code = sf["code"]
        terms = terms_by_fund.get(code)
        c = book.part("commitments", code)
        total_committed = dsum(c.amount)
        parent_committed = dsum(c.amount[c.investor == parent])
        private = dsum(
            a for i, a in zip(c.investor, c.amount, strict=True) if lp_types.get(i) == "private"
        )
        all_flows = book.part("subfund_flows", code)
        parent_flows = book.part("parent_flows", code)
        total_paid = -dsum(all_flows.amount[all_flows.kind == "contribution"])
        total_dist = dsum(all_flows.amount[all_flows.kind == "distribution"])
        parent_paid = -dsum(parent_flows.amount[parent_flows.kind == "contribution"])
        if total_paid:
            stake = parent_paid / total_paid
        else:
            stake = parent_committed / total_committed if total_committed else Decimal(0)
        pos = position(
            parent_flows,
            book.navs_of(code),
            book.as_of,
            committed=parent_committed,
            index=book.index,
            nav_flows=all_flows,
            nav_share=float(stake),
        )
        totals = book.part("gross_totals", code)
        invested = -dsum(totals.amount[totals.kind == "investment"])
        proceeds = dsum(totals.amount[totals.kind == "proceeds"])
        held = book.part("holdings", code)
        fair_value = dsum(held.value)
        daily = book.part("gross_daily", code)
        gross_irr = None
        if len(daily):
            gross_irr = fa.xirr(
                [*daily.date, book.as_of], [*(float(a) for a in daily.amount), float(fair_value)]
            )
        fees = dsum(book.part("fees", code).amount)
        cash = total_paid - invested - fees + proceeds - total_dist
        per_company = (
            held.set_index("company").invested if not held.empty else pd.Series(dtype=object)
        )
        core = terms.get("core_sector") if terms else None
        core_invested = dsum(v for comp, v in per_company.items() if sectors.get(comp) == core)
        recognised = dsum(book.part("recognitions", code).recognised_amount)
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
            "largest_investment": float(max(per_company, default=ZERO)),
            "fund_size": float(terms["fund_size"]) if terms else None,
            "private_capital": float(private),
        }
        threshold_terms = _terms_mapping(terms)
        checks = fa.guidance_indicators(facts, threshold_terms)
        if terms and terms.get("max_parent_stake") is not None and total_committed:
            checks.append(
                fa.indicators.check(
                    "parent_stake",
                    "母基金出资比例",
                    float(parent_committed / total_committed),
                    float(terms["max_parent_stake"]),
                    "max",
                )
            )
        for item in checks:
            indicators.append(
                {
                    "fund": code,
                    "fund_name": sf["name"],
                    "fund_name_en": sf["name_en"] or sf["name"],
                    **item.__dict__,
                }
            )
        rows.append(
            {
                **pos,
                "code": code,
                "name": sf["name"],
                "name_en": sf["name_en"],
                "inception": sf["inception"],
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
                "companies": int((held.value > 0).sum()) if not held.empty else 0,
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
                "breaches": sum(1 for i in checks if i.breach),
            }
        )
    return rows, indicators
