"""Valuations: fund NAV statements, each holding's fair value, and benchmark index levels."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from operator import itemgetter

import numpy as np
import pandas as pd
from sqlalchemy import (
    Date,
    and_,
    bindparam,
    func,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from fundtrack.ledger.frames.common import (
    FAR_FUTURE,
    date_reader,
    epoch_days,
    to_frame,
)
from fundtrack.ledger.models import (
    Entity,
    HoldingTally,
    IndexLevel,
    LatestValuation,
    Valuation,
)
from fundtrack.ledger.money import amount_reader, sql_yuan_float
from fundtrack.ledger.tallies import holding_select, plan_for, tally_select


def _lateral(session: Session) -> bool:
    return session.bind.dialect.name == "postgresql"


def _latest(entity_id, holder_id, lateral: bool):
    """The latest valuation of ``entity_id`` held by ``holder_id`` (None: a fund's own NAV
    statement) on or before ``:as_of``: ``(target, on, columns)`` to join it with.

    The latest is the last date, and on that date the last posted row (a restatement).
    One index seek per key (``ix_valuation_latest``) rather than a grouping of every
    statement ever made: a LATERAL join where the database has one (PostgreSQL, which
    otherwise hashes the whole table to match the ids), else the seek's id joined back.
    """
    v = aliased(Valuation)
    seek = (
        select(v if lateral else v.id)
        .where(
            v.entity_id == entity_id,
            v.holder_id.is_(None) if holder_id is None else v.holder_id == holder_id,
            v.date <= bindparam("as_of", type_=Date),
        )
        .order_by(v.date.desc(), v.id.desc())
        .limit(1)
    )
    if lateral:
        latest = seek.lateral("latest")
        return latest, true(), latest.c
    return Valuation, Valuation.id == seek.scalar_subquery(), Valuation.__table__.c


@functools.cache
def _latest_valuations(holder_is_null: bool, lateral: bool):
    """For each (entity, holder) with statements, the latest on or before ``:as_of``
    (see ``_latest``). Built once: statements are cheap to run and comparatively dear
    to construct.
    """
    holder = Valuation.holder_id.is_(None) if holder_is_null else Valuation.holder_id.is_not(None)
    keys = select(Valuation.entity_id, Valuation.holder_id).where(holder).distinct().subquery()
    target, on, columns = _latest(
        keys.c.entity_id, None if holder_is_null else keys.c.holder_id, lateral
    )
    return select(*columns).select_from(keys).join(target, on)


@functools.cache
def _latest_navs_query(lateral: bool):
    query = _latest_valuations(holder_is_null=True, lateral=lateral).subquery()
    fund = aliased(Entity)
    return (
        select(fund.code, query.c.date, query.c.value_cny, query.c.source)
        .join(fund, fund.id == query.c.entity_id)
        .order_by(fund.code)
    )


def latest_navs(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Each fund's last NAV statement on or before ``as_of``: ``fund, date, nav, source``."""
    rows = (
        session.connection()
        .execute(_latest_navs_query(_lateral(session)), {"as_of": as_of or FAR_FUTURE})
        .all()
    )
    return to_frame(rows, columns=["fund", "date", "nav", "source"])


@functools.cache
def _nav_history_query(one_fund: bool):
    entity = aliased(Entity)
    query = (
        select(entity.code, Valuation.date, Valuation.value_cny)
        .join(entity, entity.id == Valuation.entity_id)
        .where(Valuation.holder_id.is_(None), Valuation.date <= bindparam("as_of", type_=Date))
        .order_by(entity.code, Valuation.date, Valuation.id)
    )
    return query.where(entity.code == bindparam("fund")) if one_fund else query


def nav_history(
    session: Session, as_of: dt.date | None = None, fund: str | None = None
) -> pd.DataFrame:
    """Every fund NAV statement (restatements resolved), or one ``fund``'s: ``fund, date, nav``."""
    params = {"as_of": as_of or FAR_FUTURE, "fund": fund}
    rows: list[tuple] = []
    for row in session.connection().execute(_nav_history_query(fund is not None), params):
        if rows and rows[-1][:2] == row[:2]:
            rows[-1] = row  # a restatement: the last posted of the day stands
        else:
            rows.append(row)
    return to_frame(rows, columns=["fund", "date", "nav"])


HOLDING_COLUMNS = [
    "fund",
    "company",
    "name",
    "name_en",
    "sector",
    "region",
    "stage",
    "local",
    "invested",
    "proceeds",
    "value",
    "value_date",
]


def _holding_fields(fund, company, invested, proceeds, value, day) -> tuple:
    """What a holdings statement selects: the codes, the company's attributes, then the
    amounts and the value's date as the driver returns them (``holdings`` converts
    them, faster than their types would)."""
    return (
        fund.code,
        company.code,
        company.name,
        company.name_en,
        company.sector,
        company.region,
        company.stage,
        company.local,
        *(type_coerce(c, NullType()) for c in (invested, proceeds, value, day)),
    )


@functools.cache
def _kept_holdings_query():
    """The holdings as the database keeps them (migration 0006): each pair's row of
    ``holding_tally`` with live entries, and its latest valuation from
    ``valuation_latest``. Valid when nothing is dated after the as-of date."""
    held, latest = HoldingTally, LatestValuation
    fund, company = aliased(Entity), aliased(Entity)
    return (
        select(
            *_holding_fields(
                fund, company, held.invested, held.proceeds, latest.value_cny, latest.date
            )
        )
        .select_from(held)
        .join(fund, fund.id == held.fund_id)
        .join(company, company.id == held.company_id)
        .outerjoin(
            latest,
            and_(latest.holder_id == held.fund_id, latest.entity_id == held.company_id),
        )
        .where(held.flows > 0)
    )


def _kept_holdings_hold(connection, plan: str, as_of: dt.date | None) -> bool:
    """Whether the kept holdings are those as of ``as_of``: the totals' plan is "kept"
    (no entry after it) and no holding's latest valuation is dated after it."""
    if plan != "kept":
        return False
    if as_of is None:
        return True
    latest = connection.execute(_LATEST_VALUATION_DATE).scalar()
    return latest is None or latest <= as_of


_LATEST_VALUATION_DATE = select(func.max(LatestValuation.date))


@functools.cache
def _holdings_query(plan: str, lateral: bool):
    """Each (sub-fund, company) pair with flows on or before ``:as_of``: the codes, the
    company's attributes, invested and proceeds (summed in SQL from the running totals,
    ``tallies.tally_select``), and the latest fair value with its date (None if none).

    One statement: the journal's totals per key are grouped into holdings and matched
    with their latest valuations (an index seek each) by the database, so a book of
    thousands of holdings returns one row for each and nothing else.
    """
    pairs = holding_select(tally_select(plan).subquery()).subquery()
    target, on, latest = _latest(pairs.c.company_id, pairs.c.fund_id, lateral)
    value, day = latest.value_cny, latest.date
    fund, company = aliased(Entity), aliased(Entity)
    query = (
        select(*_holding_fields(fund, company, pairs.c.invested, pairs.c.proceeds, value, day))
        .select_from(pairs)
        .join(fund, fund.id == pairs.c.fund_id)
        .join(company, company.id == pairs.c.company_id)
    )
    return query.outerjoin(target, on)


def holdings(
    session: Session, as_of: dt.date | None = None, *, plan: str | None = None, kept: bool = True
) -> pd.DataFrame:
    """Each fund's holding in each company on ``as_of``.

    Columns: ``fund, company, name, name_en, sector, region, stage, local, invested,
    proceeds, value, value_date``, sorted by fund and company. ``value`` is the last
    fair value on or before ``as_of``, or cost less proceeds (not below zero) where no
    fair value was reported yet. ``plan``: ``tallies.plan_for(connection, as_of)``, when
    the caller has it.

    When nothing is dated after ``as_of`` (a dashboard at today's date) the holdings
    the database keeps are read as they stand; otherwise they are summed from the
    running totals and each pair's latest valuation is sought. Both give the same rows
    (``kept=False`` always sums: what the kept ones are compared with).
    """
    connection = session.connection()
    plan = plan or plan_for(connection, as_of)
    if kept and _kept_holdings_hold(connection, plan, as_of):
        query = _kept_holdings_query()
    else:
        query = _holdings_query(plan, _lateral(session))
    rows = connection.execute(query, {"as_of": as_of or FAR_FUTURE}).all()
    if not rows:
        return pd.DataFrame(columns=HOLDING_COLUMNS)
    amount, day = amount_reader(connection.dialect), date_reader(connection.dialect)
    zero = Decimal(0)
    # By fund and company codes, compared here: a database's collation may order them
    # otherwise. Then converted column by column.
    columns = [list(column) for column in zip(*sorted(rows, key=itemgetter(0, 1)), strict=True)]
    *_, invested, proceeds, values, days = columns
    columns[-4] = invested = list(map(amount, invested))
    columns[-3] = proceeds = list(map(amount, proceeds))
    columns[-2] = [
        amount(value) if value is not None else max(cost - back, zero)
        for value, cost, back in zip(values, invested, proceeds, strict=True)
    ]
    columns[-1] = list(map(day, days))
    return pd.DataFrame(dict(zip(HOLDING_COLUMNS, columns, strict=True)))


@functools.cache
def _index_query(dialect: str):
    return (
        select(epoch_days(IndexLevel.date, dialect), sql_yuan_float(IndexLevel.level, dialect))
        .where(IndexLevel.index_code == bindparam("code"))
        .order_by(IndexLevel.date)
    )


def index_series(session: Session, code: str) -> pd.Series:
    """A benchmark's levels indexed by date (float: an index level is an analytics input)."""
    query = _index_query(session.bind.dialect.name)
    # Day numbers and floats, as the database computes them: a few thousand levels are
    # read without a date or Decimal object made for each.
    rows = session.connection().execute(query, {"code": code}).all()
    days, levels = zip(*rows, strict=True) if rows else ((), ())
    index = pd.DatetimeIndex(
        np.array(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")
    )
    return pd.Series(np.array(levels, dtype=float), index=index, name=code, dtype=float)


def index_codes(session: Session) -> list[str]:
    return list(session.connection().scalars(_index_codes_query()))


@functools.cache
def _index_codes_query():
    return select(IndexLevel.index_code).distinct().order_by(IndexLevel.index_code)
