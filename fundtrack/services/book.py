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
from fundtrack.ledger.scorecards import scorecard_spec
from fundtrack.services.positions import ZERO

DEFAULT_BENCHMARK = "CSI300-SYN"


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
