"""The portfolio snapshot: every figure the UI and the board report show, as of one date.

``build_snapshot`` reads the ledger once (one read transaction), hands the
frames to the analytics layer and assembles the results. The dashboard, the
fund pages, the PDF and the workbook all print from a ``Snapshot``, so they
print the same numbers. Money is ``Decimal`` to the fen, ratios are float or
None; ``sanitise`` guarantees no NaN or infinity is left anywhere in it.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from fundtrack.ledger.db import Database
from fundtrack.ledger.periods import parse_quarter, quarter_of
from fundtrack.services.book import Book, load_book
from fundtrack.services.forecasts import forecast_section
from fundtrack.services.positions import sanitise, upto
from fundtrack.services.sections import (
    exits_section,
    exposure_section,
    history_section,
    horizons_section,
    lp_rows,
    parent_kpis,
    reinvestment_section,
    scorecard_section,
)
from fundtrack.services.subfunds import subfund_rows


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


def build_snapshot(
    db: Database,
    as_of: dt.date,
    *,
    benchmark: str | None = None,
    detail: bool = True,
    positions_for: int | None = None,
) -> Snapshot:
    """Every figure of the portfolio as of ``as_of`` (a calendar date in the fund's zone).

    ``detail=False`` is for the dashboard: it leaves out what the dashboard does not
    show (the LP table, exits and distributions, the forecast, each sub-fund's gross
    IRR, the indicators that hold: ``indicators`` is then the breaches) and computes
    every other figure exactly as the full snapshot does.

    ``positions_for=N`` (with ``detail=False``): a page that lists only the N largest
    sub-funds by parent commitment reads the dated flows of those alone. The others'
    rows hold every figure but the IRR, the PMEs and the unfunded amount, and the
    parent's calls from sub-funds by quarter are left out (None).
    """
    if detail and positions_for is not None:
        raise ValueError("a detailed snapshot computes every sub-fund's position")
    book = load_book(db, as_of, benchmark, detail=detail, positions_for=positions_for)
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
        demo=book.demo,
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
