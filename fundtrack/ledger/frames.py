"""Ledger → DataFrames: the inputs of the analytics layer, as of any date.

Cash flows are signed from the investor's side (negative = paid in, positive =
received), amounts are exact ``Decimal`` objects in CNY. Reversed entries and
their reversals are left out: a corrected entry never happened. Filtering and
grouping happen in SQL, so a page reads only the rows it needs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.models import (
    Commitment,
    Entity,
    FundTerms,
    IndexLevel,
    Recognition,
    Transfer,
    Valuation,
)
from fundtrack.ledger.money import Money, sql_yuan_float
from fundtrack.ledger.rules import reversed_ids

#: For each level of the structure: (investor kinds, fund kinds).
LEVELS = {
    "net": (("lp",), ("parent",)),  # the parent fund's LPs ↔ the parent
    "parent": (("parent",), ("subfund",)),  # the parent ↔ each sub-fund
    "subfund": (("parent", "lp"), ("subfund",)),  # all of a sub-fund's investors ↔ it
    "gross": (("company",), ("subfund",)),  # each sub-fund ↔ its companies
}
FLOW_COLUMNS = ["fund", "investor", "date", "kind", "amount", "recallable", "id"]


def _live(as_of: dt.date | None, *, by_entity: bool = False):
    """Entries not reversed (nor reversals) on or before ``as_of``.

    ``by_entity``: phrase "not a reversal" so that SQLite cannot answer it from the
    unique index on ``reverses_id`` (it would then walk the whole journal through it,
    without statistics to know better) and starts from the entities' kind instead:
    for the few flows of one level of the structure that reads ~50 times fewer rows.
    """
    not_reversal = (
        func.coalesce(Transfer.reverses_id, 0) == 0 if by_entity else Transfer.reverses_id.is_(None)
    )
    conditions = [not_reversal, Transfer.id.not_in(reversed_ids())]
    if as_of is not None:
        conditions.append(Transfer.date <= as_of)
    return and_(*conditions)


def _between(level: str, src, dst):
    """Transfers either way between an investor and a fund of ``level``."""
    investor_kinds, fund_kinds = LEVELS[level]
    return or_(
        and_(src.kind.in_(investor_kinds), dst.kind.in_(fund_kinds)),
        and_(src.kind.in_(fund_kinds), dst.kind.in_(investor_kinds)),
    )


def cash_flows(
    session: Session, level: str, as_of: dt.date | None = None, fund: str | None = None
) -> pd.DataFrame:
    """Dated flows between investors and funds at one ``level`` of the structure.

    Columns: ``fund, investor, date, kind, amount, recallable, id``; ``amount`` is
    signed from the investor's side (for ``gross``, the fund's side: an investment
    is negative, proceeds positive).
    """
    investor_kinds = LEVELS[level][0]
    src, dst = aliased(Entity), aliased(Entity)
    base = (
        select(
            Transfer.id,
            Transfer.date,
            Transfer.kind,
            Transfer.amount_cny,
            Transfer.recallable,
            src.code.label("src"),
            dst.code.label("dst"),
            src.kind.label("src_kind"),
        )
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
        .where(
            _live(as_of, by_entity=level != "gross"),
            _between(level, src, dst),
        )
        .order_by(Transfer.date, Transfer.id)
    )
    if fund is not None:
        base = base.where(or_(src.code == fund, dst.code == fund))
    rows = session.connection().execute(base).all()
    if not rows:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    ids, dates, kinds, amounts, recallable, srcs, dsts, src_kinds = zip(*rows, strict=True)
    from_investor = np.isin(np.array(src_kinds, dtype=object), investor_kinds)
    # Investor's view (paid in = negative), except gross: the fund's view of its companies.
    negative = from_investor != (level == "gross")
    srcs, dsts = np.array(srcs, dtype=object), np.array(dsts, dtype=object)
    return pd.DataFrame(
        {
            "fund": np.where(from_investor, dsts, srcs),
            "investor": np.where(from_investor, srcs, dsts),
            "date": dates,
            "kind": kinds,
            "amount": [-a if n else a for a, n in zip(amounts, negative, strict=True)],
            "recallable": recallable,
            "id": ids,
        }
    )


def flow_totals(session: Session, level: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """``cash_flows`` summed in SQL per fund, investor and kind (exact on both databases).

    Columns: ``fund, investor, kind, amount`` (signed as in ``cash_flows``), ``first``,
    ``last`` (dates of the first and last flow).
    """
    investor_kinds = LEVELS[level][0]
    src, dst = aliased(Entity), aliased(Entity)
    query = (
        select(
            src.code,
            dst.code,
            src.kind,
            Transfer.kind,
            func.sum(Transfer.amount_cny),
            func.min(Transfer.date),
            func.max(Transfer.date),
        )
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
        .where(
            _live(as_of),
            _between(level, src, dst),
        )
        .group_by(src.code, dst.code, src.kind, Transfer.kind)
    )
    records = []
    for s_code, d_code, s_kind, kind, total, first, last in session.execute(query):
        from_investor = s_kind in investor_kinds
        negative = from_investor != (level == "gross")
        fund_code, investor_code = (d_code, s_code) if from_investor else (s_code, d_code)
        records.append((fund_code, investor_code, kind, -total if negative else total, first, last))
    columns = ["fund", "investor", "kind", "amount", "first", "last"]
    return pd.DataFrame.from_records(records, columns=columns)


def daily_flows(
    session: Session, level: str, as_of: dt.date | None = None, *, exact: bool = True
) -> pd.DataFrame:
    """``cash_flows`` netted per fund and day in SQL: ``fund, date, amount`` (signed).

    What an IRR needs, in fewer rows than the journal holds. ``exact=False`` gives
    float amounts (an analytics input), read much faster than ``Decimal`` ones.
    """
    investor_kinds = LEVELS[level][0]
    src, dst = aliased(Entity), aliased(Entity)
    from_investor = src.kind.in_(investor_kinds)
    # Investor's view (paid in = negative), except gross: the fund's view of its companies.
    toward_fund = Transfer.amount_cny if level == "gross" else -Transfer.amount_cny
    signed = case((from_investor, toward_fund), else_=-toward_fund)
    fund_code = case((from_investor, dst.code), else_=src.code)
    query = (
        select(
            fund_code,
            Transfer.date,
            type_coerce(func.sum(signed), Money)
            if exact
            else sql_yuan_float(func.sum(signed), session.bind.dialect.name),
        )
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
        .where(
            _live(as_of),
            _between(level, src, dst),
        )
        .group_by(fund_code, Transfer.date)
        .order_by(fund_code, Transfer.date)
    )
    rows = session.connection().execute(query).all()
    return pd.DataFrame.from_records(rows, columns=["fund", "date", "amount"])


def fees(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Fees and expenses paid by each fund: ``fund, manager, date, kind, amount``."""
    src, dst = aliased(Entity), aliased(Entity)
    rows = session.execute(
        select(src.code, dst.code, Transfer.date, Transfer.kind, Transfer.amount_cny)
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
        .where(_live(as_of), Transfer.kind.in_(("fee", "expense")))
        .order_by(Transfer.date)
    ).all()
    return pd.DataFrame.from_records(rows, columns=["fund", "manager", "date", "kind", "amount"])


def fee_totals(session: Session, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """Fees and expenses paid by each fund, summed exactly in SQL: ``{fund code: total}``."""
    src = aliased(Entity)
    rows = session.execute(
        select(src.code, type_coerce(func.sum(Transfer.amount_cny), Money))
        .join(src, src.id == Transfer.from_id)
        .where(_live(as_of), Transfer.kind.in_(("fee", "expense")))
        .group_by(src.code)
    ).all()
    return dict(rows)


ENTITY_FIELDS = (
    Entity.id,
    Entity.code,
    Entity.kind,
    Entity.name,
    Entity.name_en,
    Entity.currency,
    Entity.inception,
    Entity.sector,
    Entity.region,
    Entity.stage,
    Entity.local,
    Entity.lp_type,
    Entity.demo,
)


def entities(session: Session, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    query = select(*ENTITY_FIELDS).order_by(Entity.kind, Entity.code)
    if kinds:
        query = query.where(Entity.kind.in_(kinds))
    rows = session.execute(query).all()
    return pd.DataFrame.from_records(rows, columns=[c.key for c in ENTITY_FIELDS])


def entity(session: Session, code: str, kinds: tuple[str, ...]) -> dict | None:
    """One entity of one of ``kinds`` as a dict of ``entities``' columns, or None."""
    row = session.execute(
        select(*ENTITY_FIELDS).where(Entity.code == code, Entity.kind.in_(kinds))
    ).first()
    return None if row is None else row._asdict()


def commitments(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """``investor, fund, amount`` summed per pair, commitments made on or before ``as_of``."""
    inv, fund = aliased(Entity), aliased(Entity)
    query = (
        select(inv.code, fund.code, Commitment.amount, Commitment.date)
        .join(inv, inv.id == Commitment.investor_id)
        .join(fund, fund.id == Commitment.fund_id)
    )
    if as_of is not None:
        query = query.where(Commitment.date <= as_of)
    rows = session.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=["investor", "fund", "amount", "date"])
    if frame.empty:
        return frame.drop(columns="date")
    return frame.groupby(["investor", "fund"], as_index=False).agg(
        amount=("amount", lambda s: sum(s, Decimal(0))), date=("date", "min")
    )


def _latest_valuations(session: Session, as_of: dt.date | None, holder_is_null: bool):
    """The latest statement date per (entity, holder) and, on it, the latest posted row."""
    conditions = [
        Valuation.holder_id.is_(None) if holder_is_null else Valuation.holder_id.is_not(None)
    ]
    if as_of is not None:
        conditions.append(Valuation.date <= as_of)
    latest_date = (
        select(Valuation.entity_id, Valuation.holder_id, func.max(Valuation.date).label("date"))
        .where(*conditions)
        .group_by(Valuation.entity_id, Valuation.holder_id)
        .subquery()
    )
    latest_id = (
        select(func.max(Valuation.id).label("id"))
        .join(
            latest_date,
            and_(
                Valuation.entity_id == latest_date.c.entity_id,
                Valuation.holder_id.is_not_distinct_from(latest_date.c.holder_id),
                Valuation.date == latest_date.c.date,
            ),
        )
        .group_by(Valuation.entity_id, Valuation.holder_id, Valuation.date)
        .subquery()
    )
    return select(Valuation).where(Valuation.id.in_(select(latest_id.c.id)))


def latest_navs(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Each fund's last NAV statement on or before ``as_of``: ``fund, date, nav, source``."""
    query = _latest_valuations(session, as_of, holder_is_null=True).subquery()
    fund = aliased(Entity)
    rows = session.execute(
        select(fund.code, query.c.date, query.c.value_cny, query.c.source)
        .join(fund, fund.id == query.c.entity_id)
        .order_by(fund.code)
    ).all()
    return pd.DataFrame.from_records(rows, columns=["fund", "date", "nav", "source"])


def nav_history(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every fund NAV statement (restatements resolved): ``fund, date, nav``."""
    fund = aliased(Entity)
    query = (
        select(fund.code, Valuation.date, Valuation.value_cny, Valuation.id)
        .join(fund, fund.id == Valuation.entity_id)
        .where(Valuation.holder_id.is_(None))
        .order_by(fund.code, Valuation.date, Valuation.id)
    )
    if as_of is not None:
        query = query.where(Valuation.date <= as_of)
    frame = pd.DataFrame.from_records(
        session.execute(query).all(), columns=["fund", "date", "nav", "id"]
    )
    return (
        frame.drop_duplicates(["fund", "date"], keep="last")
        .drop(columns="id")
        .reset_index(drop=True)
    )


def holdings(
    session: Session, as_of: dt.date | None = None, *, totals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each fund's holding in each company on ``as_of``.

    Columns: ``fund, company, name, sector, region, stage, local, invested, proceeds,
    value, value_date``. ``value`` is the last fair value on or before ``as_of``, or
    cost less proceeds (not below zero) where no fair value was reported yet.
    ``totals``: ``flow_totals(session, "gross", as_of)`` when the caller has it already.
    """
    if totals is None:
        totals = flow_totals(session, "gross", as_of)
    if totals.empty:
        return pd.DataFrame(
            columns=[
                "fund",
                "company",
                "name",
                "sector",
                "region",
                "stage",
                "local",
                "invested",
                "proceeds",
                "value",
                "value_date",
            ]
        )
    invested = totals[totals.kind == "investment"].set_index(["fund", "investor"]).amount
    proceeds = totals[totals.kind == "proceeds"].set_index(["fund", "investor"]).amount
    pairs = totals[["fund", "investor"]].drop_duplicates()
    keys = list(zip(pairs.fund, pairs.investor, strict=True))
    summed = pd.DataFrame(
        {
            "fund": pairs.fund.to_numpy(),
            "company": pairs.investor.to_numpy(),
            "invested": [-invested.get(k, Decimal(0)) for k in keys],
            "proceeds": [proceeds.get(k, Decimal(0)) for k in keys],
        }
    )
    latest = _latest_valuations(session, as_of, holder_is_null=False).subquery()
    company, holder = aliased(Entity), aliased(Entity)
    values = pd.DataFrame.from_records(
        session.connection()
        .execute(
            select(holder.code, company.code, latest.c.value_cny, latest.c.date)
            .join(company, company.id == latest.c.entity_id)
            .join(holder, holder.id == latest.c.holder_id)
        )
        .all(),
        columns=["fund", "company", "value", "value_date"],
    )
    frame = summed.merge(values, on=["fund", "company"], how="left")
    at_cost = (frame.invested - frame.proceeds).map(lambda v: max(v, Decimal(0)))
    frame["value"] = frame.value.where(frame.value.notna(), at_cost)
    frame["value_date"] = frame.value_date.where(frame.value_date.notna(), None)
    info = entities(session, ("company",))[["code", "name", "sector", "region", "stage", "local"]]
    frame = frame.merge(info.rename(columns={"code": "company"}), on="company", how="left")
    columns = [
        "fund",
        "company",
        "name",
        "sector",
        "region",
        "stage",
        "local",
        "invested",
        "proceeds",
        "value",
        "value_date",
    ]
    return frame[columns].sort_values(["fund", "company"]).reset_index(drop=True)


def index_series(session: Session, code: str) -> pd.Series:
    """A benchmark's levels indexed by date (float: an index level is an analytics input)."""
    rows = session.execute(
        select(IndexLevel.date, IndexLevel.level)
        .where(IndexLevel.index_code == code)
        .order_by(IndexLevel.date)
    ).all()
    return pd.Series(
        [float(r.level) for r in rows],
        index=pd.DatetimeIndex([pd.Timestamp(r.date) for r in rows]),
        name=code,
        dtype=float,
    )


def index_codes(session: Session) -> list[str]:
    return list(
        session.scalars(select(IndexLevel.index_code).distinct().order_by(IndexLevel.index_code))
    )


def recognitions(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    fund, company = aliased(Entity), aliased(Entity)
    query = (
        select(
            Recognition.id,
            fund.code,
            company.code,
            company.name,
            Recognition.category,
            Recognition.base_amount,
            Recognition.multiplier,
            Recognition.recognised_amount,
            Recognition.evidence,
            Recognition.approval_date,
        )
        .join(fund, fund.id == Recognition.fund_id)
        .join(company, company.id == Recognition.company_id)
        .order_by(Recognition.approval_date, Recognition.id)
    )
    if as_of is not None:
        query = query.where(Recognition.approval_date <= as_of)
    columns = [
        "id",
        "fund",
        "company",
        "name",
        "category",
        "base_amount",
        "multiplier",
        "recognised_amount",
        "evidence",
        "approval_date",
    ]
    return pd.DataFrame.from_records(session.execute(query).all(), columns=columns)


def terms(session: Session, as_of: dt.date) -> pd.DataFrame:
    """Each sub-fund's terms in force on ``as_of``, one row per fund (``fund`` = code)."""
    latest = (
        select(FundTerms.fund_id, func.max(FundTerms.effective_from).label("eff"))
        .where(FundTerms.effective_from <= as_of)
        .group_by(FundTerms.fund_id)
        .subquery()
    )
    rows = session.execute(
        select(Entity.code, FundTerms)
        .join(FundTerms, FundTerms.fund_id == Entity.id)
        .join(
            latest,
            and_(latest.c.fund_id == FundTerms.fund_id, latest.c.eff == FundTerms.effective_from),
        )
        .order_by(Entity.code)
    ).all()
    records = []
    for code, t in rows:
        record = {c.name: getattr(t, c.key) for c in FundTerms.__table__.columns}
        record["fund"] = code
        records.append(record)
    return pd.DataFrame.from_records(records)


def _journal_query():
    """Journal entries with both sides' codes: the query and its two entity aliases."""
    src, dst = aliased(Entity), aliased(Entity)
    query = (
        select(
            Transfer.id,
            Transfer.date,
            Transfer.kind,
            src.code.label("from_code"),
            dst.code.label("to_code"),
            Transfer.amount,
            Transfer.currency,
            Transfer.amount_cny,
            Transfer.recallable,
            Transfer.reference,
            Transfer.memo,
            Transfer.reverses_id,
            Transfer.batch_id,
            Transfer.posted_by,
            Transfer.posted_at,
        )
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
    )
    return query, src, dst


def journal_entry(session: Session, transfer_id: int):
    """One journal entry as a row of ``journal_page``'s columns, or None."""
    query, _src, _dst = _journal_query()
    return session.execute(query.where(Transfer.id == transfer_id)).first()


def journal_page(
    session: Session,
    *,
    filters: dict | None = None,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> tuple[pd.DataFrame, int]:
    """One page of the journal with both sides' codes, and the number of matching rows.

    ``filters`` may hold ``kind``, ``entity`` (either side), ``date_from``, ``date_to``,
    ``reference`` (substring). ``sort`` is allow-listed.
    """
    sortable = {
        "date": Transfer.date,
        "amount": Transfer.amount_cny,
        "id": Transfer.id,
        "kind": Transfer.kind,
    }
    column = sortable.get(sort, Transfer.date)
    query, src, dst = _journal_query()
    filters = filters or {}
    if filters.get("kind"):
        query = query.where(Transfer.kind == filters["kind"])
    if filters.get("entity"):
        query = query.where(or_(src.code == filters["entity"], dst.code == filters["entity"]))
    if filters.get("date_from"):
        query = query.where(Transfer.date >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(Transfer.date <= filters["date_to"])
    if filters.get("reference"):
        query = query.where(Transfer.reference.contains(filters["reference"], autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = column.desc() if descending else column.asc()
    query = query.order_by(order, Transfer.id.desc() if descending else Transfer.id.asc())
    query = query.limit(per_page).offset(max(page - 1, 0) * per_page)
    rows = session.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=list(query.selected_columns.keys()))
    reversed_set = set(session.scalars(reversed_ids()))
    frame["reversed"] = frame.id.isin(reversed_set) if not frame.empty else []
    return frame, int(total or 0)


__all__ = [
    "LEVELS",
    "cash_flows",
    "commitments",
    "entities",
    "fee_totals",
    "fees",
    "holdings",
    "index_codes",
    "index_series",
    "journal_page",
    "latest_navs",
    "nav_history",
    "recognitions",
    "terms",
]
