"""The small demo portfolio: the parent fund of SEED-FACTS, August 2024 to September 2026.

LP calls, calls into three sub-funds, investments in 34 companies, fees, four
exits and the distributions after them, quarterly NAV statements that lag a
quarter, 返投 recognitions and a synthetic benchmark. ``SmallDemo`` builds it
inside one session; its random numbers are seeded, so every run is the same.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger.benchmarks import add_index_levels, name_benchmark
from fundtrack.ledger.entities import add_commitment, add_entity
from fundtrack.ledger.journal import TransferDraft, post_many
from fundtrack.ledger.models import Entity
from fundtrack.ledger.money import allocate
from fundtrack.ledger.periods import quarter_ends
from fundtrack.ledger.recognitions import recognise
from fundtrack.ledger.scorecards import set_scorecard
from fundtrack.ledger.terms import set_terms
from fundtrack.ledger.valuations import ValuationDraft, post_valuations
from fundtrack.services import demo_portfolio as seed

ACTOR = "demo"
D = Decimal
TEN_THOUSAND = D(10_000)


def round_to(amount: Decimal, unit: Decimal = TEN_THOUSAND) -> Decimal:
    return (amount / unit).to_integral_value() * unit


class SmallDemo:
    """Builds the small demo inside one session; ``rng`` is seeded, so every run is the same."""

    def __init__(self, session: Session):
        self.session = session
        self.rng = random.Random(20240820)  # noqa: S311 (repeatable demo data, not secrets)
        self.drafts: list[TransferDraft] = []
        self.cash: dict[str, Decimal] = defaultdict(Decimal)
        self.invested: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.first_round: dict[tuple[str, str], dt.date] = {}
        self.growth: dict[str, float] = {}
        self.exited: dict[tuple[str, str], dt.date] = {}
        self.paid_in: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.commitments: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)

    # --- the cast -------------------------------------------------------------------------
    def _entities(self) -> None:
        s = self.session
        add_entity(s, kind="manager", actor=ACTOR, demo=True, **seed.PARENT_MANAGER)
        parent = add_entity(s, kind="parent", actor=ACTOR, demo=True, **seed.PARENT)
        parent.manager_id = s.scalar(
            select(Entity.id).where(Entity.code == seed.PARENT_MANAGER["code"])
        )
        for code, name, name_en, lp_type, _ in seed.PARENT_LPS:
            add_entity(
                s,
                code=code,
                kind="lp",
                name=name,
                name_en=name_en,
                lp_type=lp_type,
                inception=seed.PARENT_INCEPTION,
                actor=ACTOR,
                demo=True,
            )
        for sf in seed.SUBFUNDS:
            mcode, mname, mname_en = sf["manager"]
            manager = add_entity(
                s, code=mcode, kind="manager", name=mname, name_en=mname_en, actor=ACTOR, demo=True
            )
            add_entity(
                s,
                code=sf["code"],
                kind="subfund",
                name=sf["name"],
                name_en=sf["name_en"],
                inception=sf["inception"],
                manager_id=manager.id,
                actor=ACTOR,
                demo=True,
            )
            for code, name, name_en, lp_type, _ in sf["co_investors"]:
                add_entity(
                    s,
                    code=code,
                    kind="lp",
                    name=name,
                    name_en=name_en,
                    lp_type=lp_type,
                    inception=sf["inception"],
                    actor=ACTOR,
                    demo=True,
                )
        for code, name, name_en, sector, region, stage, local in seed.COMPANIES:
            add_entity(
                s,
                code=code,
                kind="company",
                name=name,
                name_en=name_en,
                sector=sector,
                region=region,
                stage=stage,
                local=local,
                actor=ACTOR,
                demo=True,
            )
            self.growth[code] = self.rng.uniform(-0.12, 0.45)

    def _commitments_and_terms(self) -> None:
        s = self.session
        for code, _, _, _, amount in seed.PARENT_LPS:
            add_commitment(
                s,
                investor=code,
                fund="PARENT",
                amount=amount,
                date=seed.PARENT_INCEPTION,
                actor=ACTOR,
                reference="LPA-2024",
            )
            self.commitments["PARENT"].append((code, amount))
        for sf in seed.SUBFUNDS:
            investors = [("PARENT", sf["parent_commitment"])] + [
                (c[0], c[4]) for c in sf["co_investors"]
            ]
            for code, amount in investors:
                add_commitment(
                    s,
                    investor=code,
                    fund=sf["code"],
                    amount=amount,
                    date=sf["inception"],
                    actor=ACTOR,
                    reference="LPA",
                )
                self.commitments[sf["code"]].append((code, amount))
            terms = dict(seed.COMMON_TERMS)
            terms.update(
                fund_size=sf["size"],
                parent_stake=sf["parent_commitment"] / sf["size"],
                reinvest_multiple=sf["reinvest_multiple"],
                single_project_cap=sf["single_project_cap"],
                core_sector=sf["core_sector"],
                core_sector_min=sf["core_sector_min"],
                thresholds=seed.THRESHOLDS,
            )
            set_terms(s, fund=sf["code"], effective_from=sf["inception"], actor=ACTOR, **terms)
            if "revision" in sf:
                day, change = sf["revision"]
                set_terms(
                    s, fund=sf["code"], effective_from=day, actor=ACTOR, **{**terms, **change}
                )

    # --- money movements ------------------------------------------------------------------
    def _post(
        self,
        day: dt.date,
        kind: str,
        src: str,
        dst: str,
        amount: Decimal,
        reference: str,
        memo: str,
        recallable: bool = False,
    ) -> None:
        self.drafts.append(
            TransferDraft(
                day, kind, src, dst, amount, reference=reference, memo=memo, recallable=recallable
            )
        )
        self.cash[src] -= amount
        self.cash[dst] += amount

    def _call(self, day: dt.date, fund: str, share: Decimal, label: str) -> None:
        """A capital call of ``share`` of every commitment to ``fund``, paid the same day."""
        for investor, committed in self.commitments[fund]:
            amount = round_to(committed * share, D("0.01"))
            self.paid_in[(investor, fund)] += amount
            self._post(
                day, "contribution", investor, fund, amount, f"{label}-{investor}", f"{label} 缴款"
            )

    def _distribute(
        self, day: dt.date, fund: str, total: Decimal, label: str, recallable: bool = False
    ) -> None:
        investors = self.commitments[fund]
        parts = allocate(round_to(total, D("0.01")), [c for _, c in investors])
        for (investor, _), part in zip(investors, parts, strict=True):
            if part > 0:
                self._post(
                    day,
                    "distribution",
                    fund,
                    investor,
                    part,
                    f"{label}-{investor}",
                    f"{label} 收益分配",
                    recallable,
                )

    def _events(self) -> list[tuple[dt.date, int, Callable[[], None]]]:
        events: list[tuple[dt.date, int, Callable[[], None]]] = []
        for i, (day, share) in enumerate(
            [
                (dt.date(2024, 9, 5), D("0.10")),
                (dt.date(2025, 3, 10), D("0.08")),
                (dt.date(2025, 9, 8), D("0.08")),
                (dt.date(2026, 3, 9), D("0.08")),
            ],
            start=1,
        ):
            events.append(
                (day, 0, lambda d=day, s=share, n=i: self._call(d, "PARENT", s, f"PF-CALL{n}"))
            )
        for sf in seed.SUBFUNDS:
            days = [
                sf["inception"] + dt.timedelta(days=5),
                dt.date(2025, 4, 15),
                dt.date(2025, 10, 20),
                dt.date(2026, 5, 18),
            ]
            for n, (day, share) in enumerate(zip(days, sf["tranches"], strict=True), start=1):
                events.append(
                    (
                        day,
                        1,
                        lambda d=day, f=sf["code"], s=share, k=n: self._call(
                            d, f, s, f"{f}-CALL{k}"
                        ),
                    )
                )
            events.extend(self._investment_events(sf))
            for day in (
                dt.date(2025, 1, 10),
                dt.date(2025, 7, 10),
                dt.date(2026, 1, 10),
                dt.date(2026, 7, 10),
            ):
                events.append((day, 3, lambda d=day, f=sf: self._fee(d, f)))
        for n, day in enumerate((dt.date(2025, 8, 20), dt.date(2026, 8, 20)), start=1):
            events.append((day, 3, lambda d=day, k=n: self._parent_fee(d, k)))
        for fund, company, day, multiple in seed.EXITS:
            events.append(
                (day, 4, lambda f=fund, c=company, d=day, m=multiple: self._exit(f, c, d, m))
            )
        events.append((dt.date(2026, 6, 30), 4, self._dividend))
        events.append((dt.date(2026, 8, 28), 6, self._parent_distribution))
        return events

    def _investment_events(self, sf: dict) -> list:
        events = []
        companies = seed.ALLOCATION[sf["code"]]
        start = sf["inception"] + dt.timedelta(days=40)
        span = (dt.date(2026, 8, 31) - start).days
        stage_of = {c[0]: c[5] for c in seed.COMPANIES}
        cap = sf["size"] * sf["single_project_cap"]
        for i, company in enumerate(companies):
            day = start + dt.timedelta(
                days=int(span * i / len(companies)) + self.rng.randint(0, 20)
            )
            low, high = {"seed": (3, 8), "early": (8, 25), "growth": (20, 60), "mature": (30, 80)}[
                stage_of[company]
            ]
            scale = 2 if sf["code"] == "SF-INCUBATOR" else 3
            amount = min(
                round_to(D(self.rng.uniform(low, high) * scale * 1_000_000)), cap * D("0.6")
            )
            events.append(
                (
                    day,
                    2,
                    lambda d=day, f=sf["code"], c=company, a=amount: self._invest(d, f, c, a, "A"),
                )
            )
            if self.rng.random() < 0.35 and day + dt.timedelta(days=200) < dt.date(2026, 9, 20):
                later = day + dt.timedelta(days=200 + self.rng.randint(0, 120))
                follow = min(round_to(amount * D(self.rng.uniform(0.4, 0.9))), cap * D("0.35"))
                events.append(
                    (
                        later,
                        2,
                        lambda d=later, f=sf["code"], c=company, a=follow: self._invest(
                            d, f, c, a, "B"
                        ),
                    )
                )
        return events

    def _invest(self, day: dt.date, fund: str, company: str, amount: Decimal, round_: str) -> None:
        if (fund, company) in self.exited:
            return
        available = self.cash[fund] - D(2_000_000)  # keep a buffer for fees
        if amount > available:
            amount = round_to(available * D("0.9"))
        if amount < D(1_000_000):
            return
        self.invested[(fund, company)] += amount
        self.first_round.setdefault((fund, company), day)
        self._post(
            day,
            "investment",
            fund,
            company,
            amount,
            f"{fund}-{company}-{round_}",
            f"{round_}轮投资",
        )

    def _fee(self, day: dt.date, sf: dict) -> None:
        paid = sum((v for (inv, f), v in self.paid_in.items() if f == sf["code"]), D(0))
        amount = round_to(paid * seed.COMMON_TERMS["fee_rate"] / 2, D("0.01"))
        if amount > 0:
            self._post(
                day,
                "fee",
                sf["code"],
                sf["manager"][0],
                amount,
                f"{sf['code']}-FEE-{day:%Y%m}",
                "管理费（半年）",
            )

    def _parent_fee(self, day: dt.date, n: int) -> None:
        paid = sum((v for (inv, f), v in self.paid_in.items() if f == "PARENT"), D(0))
        amount = round_to(paid * D("0.005"), D("0.01"))
        self._post(
            day,
            "fee",
            "PARENT",
            seed.PARENT_MANAGER["code"],
            amount,
            f"PF-FEE-{n}",
            "母基金管理费（年度）",
        )

    def _value(self, fund: str, company: str, day: dt.date) -> Decimal:
        """The holding's fair value: cost grown at the company's own rate since its first round."""
        if (fund, company) in self.exited and self.exited[(fund, company)] <= day:
            return D(0)
        first = self.first_round.get((fund, company))
        if first is None or first > day:
            return D(0)
        years = (day - first).days / 365
        factor = math.exp(self.growth[company] * years)
        return round_to(self.invested_by(fund, company, day) * D(str(round(factor, 6))), D("0.01"))

    def invested_by(self, fund: str, company: str, day: dt.date) -> Decimal:
        return sum(
            (
                d.amount
                for d in self.drafts
                if d.kind == "investment"
                and d.from_code == fund
                and d.to_code == company
                and d.date <= day
            ),
            D(0),
        )

    def _exit(self, fund: str, company: str, day: dt.date, multiple: Decimal) -> None:
        cost = self.invested[(fund, company)]
        if cost == 0:
            return
        proceeds = round_to(cost * multiple)
        self._post(day, "proceeds", company, fund, proceeds, f"{fund}-{company}-EXIT", "退出回款")
        self.exited[(fund, company)] = day
        payout = min(round_to(proceeds * D("0.8")), self.cash[fund] - D(2_000_000))
        if payout > 0:
            when = day + dt.timedelta(days=15)
            self._distribute(
                when, fund, payout, f"{fund}-DIST-{company}", recallable=company == "CO-GUICAI"
            )

    def _dividend(self) -> None:
        self._post(
            dt.date(2026, 6, 30),
            "proceeds",
            "CO-FAMEN",
            "SF-ENERGY",
            D(6_000_000),
            "SF-ENERGY-CO-FAMEN-DIV2025",
            "2025年度分红",
        )

    def _parent_distribution(self) -> None:
        received = sum(
            (d.amount for d in self.drafts if d.kind == "distribution" and d.to_code == "PARENT"),
            D(0),
        )
        if received > 0:
            self._distribute(
                dt.date(2026, 8, 28), "PARENT", round_to(received * D("0.9")), "PF-DIST-2026"
            )

    # --- statements -----------------------------------------------------------------------
    def _valuations(self) -> list[ValuationDraft]:
        drafts: list[ValuationDraft] = []
        ends = quarter_ends(dt.date(2024, 12, 31), dt.date(2026, 6, 30))  # a quarter's lag
        sf_navs: dict[tuple[str, dt.date], Decimal] = {}
        for (fund, company), day in self.exited.items():
            drafts.append(ValuationDraft(day, company, D(0), fund, source="退出"))
        for end in ends:
            quarter = f"{end.year}Q{(end.month - 1) // 3 + 1}"
            for sf in seed.SUBFUNDS:
                fund = sf["code"]
                holdings = D(0)
                for company in seed.ALLOCATION[fund]:
                    first = self.first_round.get((fund, company))
                    if first is None or first > end or self.exited.get((fund, company), end) < end:
                        continue
                    value = self._value(fund, company, end)
                    holdings += value
                    drafts.append(
                        ValuationDraft(end, company, value, fund, source=f"GP估值 {quarter}")
                    )
                nav = holdings + self._cash_at(fund, end)
                sf_navs[(fund, end)] = nav
                drafts.append(ValuationDraft(end, fund, nav, source=f"GP季度报告 {quarter}"))
            parent_nav = self._cash_at("PARENT", end) + sum(
                (
                    sf_navs[(sf["code"], end)] * self._share("PARENT", sf["code"])
                    for sf in seed.SUBFUNDS
                ),
                D(0),
            )
            drafts.append(
                ValuationDraft(
                    end,
                    "PARENT",
                    round_to(parent_nav, D("0.01")),
                    source=f"母基金季度报告 {quarter}",
                )
            )
        return drafts

    def _share(self, investor: str, fund: str) -> Decimal:
        total = sum((c for _, c in self.commitments[fund]), D(0))
        return dict(self.commitments[fund])[investor] / total

    def _cash_at(self, fund: str, day: dt.date) -> Decimal:
        cash = D(0)
        for d in self.drafts:
            if d.date <= day:
                if d.to_code == fund:
                    cash += d.amount
                elif d.from_code == fund:
                    cash -= d.amount
        return cash

    def _recognitions(self) -> int:
        count = 0
        for code, _, _, _, region, stage, local in seed.COMPANIES:
            if not local:
                continue
            rounds = sorted((day, fund) for (fund, c), day in self.first_round.items() if c == code)
            if not rounds:
                continue
            day, fund = rounds[0]
            approval = day + dt.timedelta(days=75)
            if approval > seed.AS_OF:
                continue
            if region == "local":
                category = "local_investment"
            else:
                category = "relocation" if stage in ("growth", "mature") else "local_subsidiary"
            recognise(
                self.session,
                fund=fund,
                company=code,
                category=category,
                base_amount=self.invested_by(fund, code, day),
                approval_date=approval,
                actor=ACTOR,
                evidence=f"{code} 工商登记及落地协议（演示）",
            )
            count += 1
        return count

    def _index(self) -> int:
        code, _, _ = seed.BENCHMARK
        day, level, rows = dt.date(2024, 1, 2), 3400.0, []
        while day <= seed.AS_OF:
            if day.weekday() < 5:
                level *= math.exp(0.06 / 252 + 0.2 / math.sqrt(252) * self.rng.gauss(0, 1))
                rows.append((day, D(str(round(level, 2)))))
            day += dt.timedelta(days=1)
        _, name, name_en = seed.BENCHMARK
        name_benchmark(self.session, code, name, name_en, synthetic=True)
        return add_index_levels(self.session, code, rows)[0]

    def build(self) -> dict[str, int]:
        self._entities()
        self._commitments_and_terms()
        for year in (2025, 2026):
            set_scorecard(self.session, year, seed.SCORECARD, actor=ACTOR)
        for _day, _order, action in sorted(self._events(), key=lambda e: (e[0], e[1])):
            action()
        outcome = post_many(self.session, self.drafts, actor=ACTOR)
        valuations, _ = post_valuations(self.session, self._valuations(), actor=ACTOR)
        return {
            "entities": len(self.session.scalars(select(Entity.id)).all()),
            "transfers": outcome.new,
            "valuations": valuations,
            "recognitions": self._recognitions(),
            "index levels": self._index(),
        }
