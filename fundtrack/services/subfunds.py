"""Each sub-fund's row in the snapshot: the parent's position in it, its gross results,
its 返投 progress and its guidance-fund indicators against its terms.
"""

from __future__ import annotations

from decimal import Decimal

from fundtrack import analytics as fa
from fundtrack.services.positions import (
    ZERO,
    dsum,
    money,
    position,
    ratio,
    records,
    summary_position,
)

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


def _kind_total(cols: dict[str, list], kind: str) -> Decimal:
    return dsum(a for k, a in zip(cols["kind"], cols["amount"], strict=True) if k == kind)


def subfund_rows(book, *, detail: bool = True) -> tuple[list[dict], list[dict]]:
    """``(rows, indicators)`` for every sub-fund of the book, by code.

    ``detail=False`` leaves out the gross IRR (the one figure that needs every
    company flow by day); every other figure is the same. A sub-fund outside
    ``book.listed`` (when the book lists only some) has every figure but its IRR,
    its PMEs and its unfunded amount, which need each of its dated flows.
    """
    parent = book.parent["code"]
    entities = book.entities
    codes = entities.code.tolist()
    lp_types = dict(zip(codes, entities.lp_type.tolist(), strict=True))
    sectors = dict(zip(codes, entities.sector.tolist(), strict=True))
    terms_by_fund = {t["fund"]: t for t in records(book.terms)} if not book.terms.empty else {}
    gross_irrs = _gross_irrs(book) if detail else {}
    rows, indicators = [], []
    for sf in records(entities[entities.kind == "subfund"]):
        code = sf["code"]
        terms = terms_by_fund.get(code)
        c = book.cols("commitments", code)
        total_committed = dsum(c["amount"])
        parent_committed = dsum(
            a for i, a in zip(c["investor"], c["amount"], strict=True) if i == parent
        )
        private = dsum(
            a
            for i, a in zip(c["investor"], c["amount"], strict=True)
            if lp_types.get(i) == "private"
        )
        all_totals = book.cols("subfund_totals", code)
        parent_totals = book.cols("parent_totals", code)
        total_paid = -_kind_total(all_totals, "contribution")
        total_dist = _kind_total(all_totals, "distribution")
        parent_paid = -_kind_total(parent_totals, "contribution")
        if total_paid:
            stake = parent_paid / total_paid
        else:
            stake = parent_committed / total_committed if total_committed else Decimal(0)
        if book.listed is None or code in book.listed:
            pos = position(
                book.cols("parent_flows", code),
                book.cols("latest_navs", code),
                book.as_of,
                committed=parent_committed,
                # The sub-funds' PMEs are on their own pages and in the report, not the
                # dashboard.
                index=book.index if detail else None,
                nav_flows=book.nav_flows(code),
                nav_share=float(stake),
            )
        else:
            pos = summary_position(
                book.cols("latest_navs", code),
                book.as_of,
                committed=parent_committed,
                contributions=parent_paid,
                distributions=_kind_total(parent_totals, "distribution"),
                nav_flows=book.nav_flows(code),
                nav_share=float(stake),
                reason="not listed",
            )
        totals = book.cols("gross_totals", code)
        invested = -_kind_total(totals, "investment")
        proceeds = _kind_total(totals, "proceeds")
        held = book.cols("holdings", code)
        fair_value = dsum(held["value"])
        gross_irr = gross_irrs.get(code)
        fees = book.fee_total(code)
        cash = total_paid - invested - fees + proceeds - total_dist
        # One row per company in a fund's holdings, so this is the per-company invested.
        per_company = dict(zip(held["company"], held["invested"], strict=True))
        core = terms.get("core_sector") if terms else None
        core_invested = dsum(v for comp, v in per_company.items() if sectors.get(comp) == core)
        recognised = dsum(book.cols("recognitions", code)["recognised_amount"])
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
            "largest_investment": float(max(per_company.values(), default=ZERO)),
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
                "companies": sum(1 for v in held["value"] if v > 0),
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


def _gross_irrs(book) -> dict[str, float | None]:
    """Each sub-fund's gross IRR: its company flows by day, closed by the fair value."""
    daily = book.gross_daily
    if daily.empty:
        return {}
    result = {}
    for code, day in book.cols_of("gross_daily").items():
        fair_value = dsum(book.cols("holdings", code)["value"])
        result[code] = fa.xirr(
            [*day["date"], book.as_of], [*(float(a) for a in day["amount"]), float(fair_value)]
        )
    return result
