"""The large synthetic demo for benchmarks: ~100 sub-funds, 2,000 companies, 100,000 transfers.

Ten years (2016–2026) of quarterly calls, fees, investment tranches, proceeds and
distributions, with quarterly NAV statements and fair values. It goes through
the same ledger rules as any import (``post_many``), so it also exercises them
at scale. Seeded: every run builds the same book.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fundtrack.ledger.benchmarks import add_index_levels, name_benchmark
from fundtrack.ledger.entities import add_commitment
from fundtrack.ledger.journal import TransferDraft, post_many
from fundtrack.ledger.models import Entity
from fundtrack.ledger.periods import quarter_ends
from fundtrack.ledger.terms import set_terms
from fundtrack.ledger.valuations import ValuationDraft, post_valuations
from fundtrack.services import demo_portfolio as seed

ACTOR = "demo"
D = Decimal
SUBFUNDS = 100
COMPANIES_PER_FUND = 20
START = dt.date(2016, 1, 1)
LAST_NAV = dt.date(2026, 6, 30)
SECTORS = ("digital", "energy", "equipment")
REGIONS = ("jjj", "yrd", "prd", "local")
STAGES = ("seed", "early", "growth", "mature")
CENT = D("0.01")


def _money(value: float) -> Decimal:
    return D(f"{value:.2f}")


def _entities(session: Session, rng: random.Random) -> None:
    rows = [
        {
            "code": "PARENT",
            "kind": "parent",
            "name": "大型演示母基金",
            "name_en": "Large demo parent fund",
            "inception": START,
            "currency": "CNY",
            "demo": True,
            "created_by": ACTOR,
        },
        {
            "code": "MGR-PARENT",
            "kind": "manager",
            "name": "母基金管理人",
            "name_en": "Parent manager",
            "currency": "CNY",
            "demo": True,
            "created_by": ACTOR,
        },
    ]
    for code, lp_type in (("LP-FISCAL", "fiscal"), ("LP-SOE", "soe"), ("LP-PRIVATE", "private")):
        rows.append(
            {
                "code": code,
                "kind": "lp",
                "name": code,
                "lp_type": lp_type,
                "currency": "CNY",
                "demo": True,
                "created_by": ACTOR,
            }
        )
    for i in range(1, SUBFUNDS + 1):
        inception = START + dt.timedelta(days=rng.randint(0, 8 * 365))
        rows.append(
            {
                "code": f"SF-L{i:03d}",
                "kind": "subfund",
                "name": f"演示子基金{i:03d}",
                "name_en": f"Demo sub-fund {i:03d}",
                "inception": inception,
                "currency": "CNY",
                "demo": True,
                "created_by": ACTOR,
            }
        )
        rows.append(
            {
                "code": f"LP-L{i:03d}",
                "kind": "lp",
                "name": f"社会资本{i:03d}",
                "lp_type": "private",
                "currency": "CNY",
                "demo": True,
                "created_by": ACTOR,
            }
        )
        rows.append(
            {
                "code": f"MGR-L{i:03d}",
                "kind": "manager",
                "name": f"管理人{i:03d}",
                "currency": "CNY",
                "demo": True,
                "created_by": ACTOR,
            }
        )
    for j in range(1, SUBFUNDS * COMPANIES_PER_FUND + 1):
        rows.append(
            {
                "code": f"CO-L{j:04d}",
                "kind": "company",
                "name": f"演示企业{j:04d}",
                "sector": rng.choice(SECTORS),
                "region": rng.choice(REGIONS),
                "stage": rng.choice(STAGES),
                "local": rng.random() < 0.5,
                "currency": "CNY",
                "demo": True,
                "created_by": ACTOR,
            }
        )
    session.execute(insert(Entity), rows)


def build_large(session: Session, progress: Callable[[str], None]) -> dict[str, int]:
    rng = random.Random(20160101)  # noqa: S311 (repeatable demo data, not secrets)
    _entities(session, rng)
    inception = dict(
        session.execute(select(Entity.code, Entity.inception).where(Entity.kind == "subfund")).all()
    )
    progress(f"entities: {len(inception)} sub-funds, {SUBFUNDS * COMPANIES_PER_FUND} companies")
    ends = quarter_ends(START, seed.AS_OF)
    drafts: list[TransferDraft] = []
    valuations: list[ValuationDraft] = []
    parent_calls: dict[dt.date, Decimal] = {}
    total_parent = D(0)
    for i in range(1, SUBFUNDS + 1):
        fund, lp, manager = f"SF-L{i:03d}", f"LP-L{i:03d}", f"MGR-L{i:03d}"
        start = inception[fund]
        size = D(rng.randint(5, 50)) * D(100_000_000)
        parent_part, lp_part = size / 4, size * 3 / 4
        total_parent += parent_part
        add_commitment(
            session, investor="PARENT", fund=fund, amount=parent_part, date=start, actor=ACTOR
        )
        add_commitment(session, investor=lp, fund=fund, amount=lp_part, date=start, actor=ACTOR)
        set_terms(
            session,
            fund=fund,
            effective_from=start,
            actor=ACTOR,
            fund_size=size,
            parent_stake=D("0.25"),
            reinvest_multiple=D("1.2"),
            recognition_multipliers={"relocation": "2.0", "local_investment": "1.5"},
            single_project_cap=D("0.2"),
            core_sector=rng.choice(SECTORS),
            core_sector_min=D("0.5"),
            fee_rate=D("0.02"),
            hurdle=D("0.08"),
            carry=D("0.2"),
            investment_period_years=5,
            term_years=8,
        )
        fund_ends = [e for e in ends if e > start]
        calls = fund_ends[:20]
        for n, day in enumerate(calls, start=1):
            drafts.append(
                TransferDraft(
                    day, "contribution", "PARENT", fund, parent_part / 20, reference=f"{fund}-C{n}"
                )
            )
            drafts.append(
                TransferDraft(day, "contribution", lp, fund, lp_part / 20, reference=f"{fund}-C{n}")
            )
            parent_calls[day] = parent_calls.get(day, D(0)) + parent_part / 20
        for n, day in enumerate(fund_ends, start=1):
            drafts.append(
                TransferDraft(
                    day,
                    "fee",
                    fund,
                    manager,
                    (size * D("0.005")).quantize(CENT),
                    reference=f"{fund}-F{n}",
                )
            )
        paid_by_company: dict[str, Decimal] = {}
        for c in range(COMPANIES_PER_FUND):
            company = f"CO-L{(i - 1) * COMPANIES_PER_FUND + c + 1:04d}"
            first = start + dt.timedelta(days=rng.randint(30, 5 * 365))
            growth = rng.uniform(-0.1, 0.3)
            tranches = 15
            per_tranche = size * D("0.04") / tranches
            cost = D(0)
            for t in range(tranches):
                day = first + dt.timedelta(days=30 * t)
                if day > seed.AS_OF:
                    break
                drafts.append(
                    TransferDraft(
                        day,
                        "investment",
                        fund,
                        company,
                        per_tranche.quantize(CENT),
                        reference=f"{fund}-{company}-I{t}",
                    )
                )
                cost += per_tranche.quantize(CENT)
            for t in range(48):
                day = first + dt.timedelta(days=400 + 30 * t)
                if day > seed.AS_OF:
                    break
                drafts.append(
                    TransferDraft(
                        day,
                        "proceeds",
                        company,
                        fund,
                        _money(float(cost) * rng.uniform(0.002, 0.02)),
                        reference=f"{fund}-{company}-P{t}",
                    )
                )
            paid_by_company[company] = cost
            for end in fund_ends:
                if first <= end <= LAST_NAV:
                    years = (end - first).days / 365
                    value = _money(float(cost) * (1 + growth) ** years)
                    valuations.append(ValuationDraft(end, company, value, fund, source="GP估值"))
        for n, day in enumerate(fund_ends[12:], start=1):
            amount = size * D("0.004")
            drafts.append(
                TransferDraft(
                    day, "distribution", fund, "PARENT", amount / 4, reference=f"{fund}-D{n}"
                )
            )
            drafts.append(
                TransferDraft(
                    day, "distribution", fund, lp, amount * 3 / 4, reference=f"{fund}-D{n}"
                )
            )
        paid = D(0)
        for n, end in enumerate(fund_ends, start=1):
            if end > LAST_NAV:
                break
            paid += size / 20 if n <= 20 else 0
            valuations.append(
                ValuationDraft(end, fund, (paid * D("1.08")).quantize(CENT), source="GP季度报告")
            )
    lp_total = total_parent * D("1.2")
    for code, share in (("LP-FISCAL", D("0.4")), ("LP-SOE", D("0.35")), ("LP-PRIVATE", D("0.25"))):
        add_commitment(
            session, investor=code, fund="PARENT", amount=lp_total * share, date=START, actor=ACTOR
        )
    for n, day in enumerate(sorted(parent_calls), start=1):
        for code, share in (
            ("LP-FISCAL", D("0.4")),
            ("LP-SOE", D("0.35")),
            ("LP-PRIVATE", D("0.25")),
        ):
            drafts.append(
                TransferDraft(
                    day,
                    "contribution",
                    code,
                    "PARENT",
                    (parent_calls[day] * share).quantize(CENT),
                    reference=f"PF-C{n}-{code}",
                )
            )
    drafts = [
        d
        if d.amount == d.amount.quantize(CENT)
        else TransferDraft(
            d.date,
            d.kind,
            d.from_code,
            d.to_code,
            d.amount.quantize(CENT, rounding="ROUND_FLOOR"),
            reference=d.reference,
        )
        for d in drafts
    ]
    progress(f"posting {len(drafts):,} transfers")
    outcome = post_many(session, drafts, actor=ACTOR)
    progress(f"posting {len(valuations):,} valuations")
    new_valuations, _ = post_valuations(session, valuations, actor=ACTOR)
    level, day, levels = 3500.0, START, []
    while day <= seed.AS_OF:
        if day.weekday() < 5:
            level *= 1 + rng.gauss(0.0002, 0.012)
            levels.append((day, D(f"{level:.2f}")))
        day += dt.timedelta(days=1)
    name_benchmark(session, *seed.BENCHMARK, synthetic=True)
    index_new, _ = add_index_levels(session, seed.BENCHMARK[0], levels)
    return {
        "sub-funds": SUBFUNDS,
        "companies": SUBFUNDS * COMPANIES_PER_FUND,
        "transfers": outcome.new,
        "valuations": new_valuations,
        "index levels": index_new,
    }
