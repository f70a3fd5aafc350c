"""The book: everything one snapshot reads from the ledger, in one read transaction.

Frames come from ``fundtrack.ledger.frames``; ``Book.part`` splits a frame by fund
once, so per-fund figures do not filter the whole frame again and again.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from fundtrack.ledger import frames
from fundtrack.ledger.benchmarks import benchmark_names
from fundtrack.ledger.db import Database
from fundtrack.ledger.entities import holds_demo
from fundtrack.ledger.models import ENTITY_KINDS
from fundtrack.ledger.scorecards import scorecard_spec
from fundtrack.ledger.tallies import plan_for, tallies
from fundtrack.reporting.quarterly import rank_subfunds
from fundtrack.services.fund_sums import by_fund
from fundtrack.services.positions import ZERO, money
from fundtrack.services.subfunds import TERMS_COLUMNS

DEFAULT_BENCHMARK = "CSI300-SYN"

#: The kinds of entity a book without ``detail`` reads: the companies' attributes are
#: in the holdings (thousands of companies, where a few hundred funds and investors).
FUNDS_AND_INVESTORS = tuple(kind for kind in ENTITY_KINDS if kind != "company")


@dataclass
class Book:
    """Everything read from the ledger for one snapshot."""

    as_of: dt.date
    parent: dict
    entities: pd.DataFrame
    net: pd.DataFrame
    parent_flows: pd.DataFrame
    #: A sub-fund's flows with every investor, at least those after its latest NAV
    #: statement (what its NAV is rolled forward with; see ``frames.structure_flows``).
    subfund_flows: pd.DataFrame
    #: ``flow_totals`` of the sub-fund level: every investor's calls and distributions.
    subfund_totals: pd.DataFrame
    #: ``flow_totals`` of the parent level: the parent's calls and distributions.
    parent_totals: pd.DataFrame
    #: ``flow_totals`` of the gross level, with each key's first and last date (empty in
    #: a book without ``detail``: the holdings hold each one's invested and proceeds).
    gross_totals: pd.DataFrame
    gross_daily: pd.DataFrame
    parent_navs: pd.DataFrame
    latest_navs: pd.DataFrame
    holdings: pd.DataFrame
    commitments: pd.DataFrame
    #: The terms in force, of the columns the sub-fund rows read (``subfunds.TERMS_COLUMNS``).
    terms: pd.DataFrame
    recognitions: pd.DataFrame
    fee_totals: dict
    index: pd.Series
    benchmark: str | None
    benchmark_info: dict
    scorecard_spec: list
    #: The sub-funds whose dated flows with the parent were read (their IRRs, the
    #: parent's calls by quarter); None: all of them.
    listed: frozenset[str] | None = None
    #: Whether ``entities`` holds the companies too (the dashboard's book reads only the
    #: funds and investors; a company's attributes are then those in ``holdings``).
    with_companies: bool = True
    #: Whether any entity of the ledger is demo data (the pages' and the report's banner).
    demo: bool = False
    _parts: dict = field(default_factory=dict, repr=False)

    def names(self) -> dict[str, str]:
        if "names" not in self._parts:
            self._parts["names"] = {code: zh for code, zh, _ in self._name_rows()}
        return self._parts["names"]

    def names_en(self) -> dict[str, str]:
        """English names, falling back to the Chinese one where none was given."""
        if "names_en" not in self._parts:
            self._parts["names_en"] = {
                code: en if isinstance(en, str) and en else zh for code, zh, en in self._name_rows()
            }
        return self._parts["names_en"]

    def _name_rows(self) -> list[tuple]:
        """(code, name, English name) of the entities, then of the companies known only
        from the holdings and 返投 recognitions; read once for both ``names`` maps."""
        if "name_rows" not in self._parts:
            self._parts["name_rows"] = [
                *self._named(self.entities, "code"),
                *(row for row in self._companies_named() if row[0]),
            ]
        return self._parts["name_rows"]

    @staticmethod
    def _named(frame: pd.DataFrame, key: str) -> list[tuple]:
        if frame.empty:
            return []
        return list(
            zip(frame[key].tolist(), frame.name.tolist(), frame.name_en.tolist(), strict=True)
        )

    def _companies_named(self) -> list[tuple]:
        """(code, name, English name) of the companies held or recognised; the dashboard's
        book reads no other company (``entities`` then holds the funds and investors)."""
        if self.with_companies:
            return []
        known = set(self.entities.code.tolist())
        return [
            row
            for frame in (self.holdings, self.recognitions)
            for row in self._named(frame, "company")
            if row[0] not in known
        ]

    def part(self, name: str, fund: str) -> pd.DataFrame:
        """The rows of frame ``name`` for one fund (split once: the book may be large)."""
        if name not in self._parts:
            frame = getattr(self, name)
            groups = dict(tuple(frame.groupby("fund", sort=False))) if not frame.empty else {}
            self._parts[name] = (groups, frame.iloc[0:0])
        groups, empty = self._parts[name]
        return groups.get(fund, empty)

    def cols_of(self, name: str) -> dict[str, dict[str, list]]:
        """Frame ``name`` split by fund into plain column lists, once (``fund_sums.by_fund``)."""
        key = ("cols", name)
        if key not in self._parts:
            frame = getattr(self, name)
            names = tuple(frame.columns)
            self._parts[key] = (by_fund(frame, names), {c: [] for c in names})
        return self._parts[key][0]

    def cols(self, name: str, fund: str) -> dict[str, list]:
        """The rows of frame ``name`` for one fund, as plain column lists."""
        groups = self.cols_of(name)
        return groups.get(fund, self._parts[("cols", name)][1])

    def fee_total(self, fund: str) -> Decimal:
        return self.fee_totals.get(fund, ZERO)


def load_book(
    db: Database,
    as_of: dt.date,
    benchmark: str | None = None,
    *,
    detail: bool = True,
    positions_for: int | None = None,
) -> Book:
    """Read the ledger once.

    Totals come from the journal's running totals (``ledger.tallies``), so nothing
    here sums the whole journal. Dated flows are read where a figure needs dates:
    the parent's own flows (its IRRs and every sub-fund's), and each sub-fund's
    flows after its last NAV statement (to roll the NAV forward). ``detail=False``
    also skips the company flows by day (gross IRRs) and the first and last dates
    of each holding's flows (exits): the dashboard shows neither.

    ``positions_for``: read the dated flows of only that many sub-funds, the largest
    by parent commitment (``largest_subfunds``); the others get every figure that
    totals give (see ``subfunds.subfund_rows``).
    """
    with db.read() as s:
        entities = frames.entities(s, None if detail else FUNDS_AND_INVESTORS)
        kinds, entity_codes = entities["kind"].tolist(), entities["code"].tolist()
        if "parent" not in kinds:
            raise LookupError("the ledger has no parent fund yet: load the demo or import one")
        codes = frames.index_codes(s)
        chosen = benchmark or (DEFAULT_BENCHMARK if DEFAULT_BENCHMARK in codes else None)
        chosen = chosen or (codes[0] if codes else None)
        _, spec = scorecard_spec(s, as_of.year)
        coded = list(zip(entity_codes, kinds, strict=True))
        known = dict(zip(entities["id"].tolist(), coded, strict=True))
        # The companies' keys are summed per holding in SQL (``frames.holdings``); both
        # read the running totals the same way.
        plan = plan_for(s.connection(), as_of)
        totals = tallies(s, as_of, without=("company",), plan=plan)
        by_level = frames.level_totals(totals, known, ("subfund", "parent"))
        holdings = frames.holdings(s, as_of, plan=plan)
        # Exits need each holding's first and last flow dates; the dashboard shows none.
        gross_totals = (
            frames.flow_totals(s, "gross", as_of)
            if detail
            else pd.DataFrame(columns=frames.FLOW_TOTAL_COLUMNS)
        )
        parent = entities.iloc[kinds.index("parent")].to_dict()
        latest_navs = frames.latest_navs(s, as_of)
        commitments = frames.commitments(s, as_of)
        subfunds = [code for code, kind in coded if kind == "subfund"]
        listed = (
            None
            if positions_for is None or len(subfunds) <= positions_for
            else frozenset(largest_subfunds(commitments, parent["code"], subfunds, positions_for))
        )
        others_after = _oldest_statement(latest_navs, subfunds)
        flows = frames.structure_flows(
            s,
            as_of,
            ("net", "parent", "subfund"),
            others_after=others_after,
            subfunds=None if listed is None else sorted(listed),
            known=known,
        )
        if others_after is None:
            listed = None  # every flow was read
        return Book(
            as_of=as_of,
            parent=parent,
            entities=entities,
            net=flows["net"],
            parent_flows=flows["parent"],
            subfund_flows=flows["subfund"],
            subfund_totals=by_level["subfund"],
            parent_totals=by_level["parent"],
            gross_totals=gross_totals,
            gross_daily=frames.daily_flows(s, "gross", as_of, exact=False)
            if detail
            else pd.DataFrame(columns=["fund", "date", "amount"]),
            # The parent's whole NAV history (its J-curve and horizons); of a sub-fund
            # only its latest statement is used (rolled forward to the as-of date).
            parent_navs=frames.nav_history(s, as_of, fund=parent["code"]),
            latest_navs=latest_navs,
            holdings=holdings,
            commitments=commitments,
            terms=frames.terms(s, as_of, TERMS_COLUMNS),
            recognitions=frames.recognitions(s, as_of),
            fee_totals=frames.fee_totals_of(totals, known),
            index=frames.index_series(s, chosen) if chosen else pd.Series(dtype=float),
            benchmark=chosen,
            benchmark_info=benchmark_names(s, chosen) if chosen else {},
            scorecard_spec=spec,
            listed=listed,
            with_companies=detail,
            demo=holds_demo(s),
        )


def _oldest_statement(latest_navs: pd.DataFrame, subfunds: list[str]) -> dt.date | None:
    """The oldest of the sub-funds' latest NAV statements; None if one has none yet
    (it is carried at cost, from all its flows)."""
    dates = dict(zip(latest_navs.fund.tolist(), latest_navs.date.tolist(), strict=True))
    if not subfunds or any(dates.get(code) is None for code in subfunds):
        return None
    return min(dates[code] for code in subfunds)


def largest_subfunds(
    commitments: pd.DataFrame, parent: str, subfunds: list[str], count: int
) -> list[str]:
    """The ``count`` sub-funds with the largest parent commitment, ties by code.

    Ranked by ``reporting.quarterly.rank_subfunds`` on the commitment to the fen, as
    snapshot rows carry it, so the dashboard lists exactly these.
    """
    committed = dict.fromkeys(subfunds, ZERO)
    if not commitments.empty:
        for investor, fund, amount in zip(
            commitments.investor.tolist(),
            commitments.fund.tolist(),
            commitments.amount.tolist(),
            strict=True,
        ):
            if investor == parent and fund in committed:
                committed[fund] += amount
    ranked = rank_subfunds([{"code": code, "committed": money(v)} for code, v in committed.items()])
    return [row["code"] for row in ranked[:count]]
