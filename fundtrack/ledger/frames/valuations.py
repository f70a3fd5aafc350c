"""Valuations: fund NAV statements, each holding's fair value, and benchmark index levels."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, select, true
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.frames.common import (
    EPOCH_ORDINAL,
    FAR_FUTURE,
    to_frame,
)
from fundtrack.ledger.frames.flows import entity_kinds, flow_totals
from fundtrack.ledger.frames.register import entities
from fundtrack.ledger.models import (
    Entity,
    IndexLevel,
    Valuation,
)
from fundtrack.ledger.money import sql_yuan_float


def _lateral(session: Session) -> bool:
    return session.bind.dialect.name == "postgresql"


@functools.cache
def _latest_valuations(holder_is_null: bool, lateral: bool):
    """For each (entity, holder) with statements, the latest on or before ``:as_of``.

    The latest is the last date, and on that date the last posted row (a restatement).
    One index seek per key (``ix_valuation_latest``) rather than a grouping of every
    statement ever made: a LATERAL join where the database has one (PostgreSQL, which
    otherwise hashes the whole table to match the ids), else the seek's id joined back.
    Built once: statements are cheap to run and comparatively dear to construct.
    """
    holder = Valuation.holder_id.is_(None) if holder_is_null else Valuation.holder_id.is_not(None)
    keys = select(Valuation.entity_id, Valuation.holder_id).where(holder).distinct().subquery()
    v = aliased(Valuation)
    conditions = (
        v.entity_id == keys.c.entity_id,
        v.holder_id.is_(None) if holder_is_null else v.holder_id == keys.c.holder_id,
        v.date <= bindparam("as_of", type_=Date),
    )
    newest = (v.date.desc(), v.id.desc())
    if lateral:
        latest = select(v).where(*conditions).order_by(*newest).limit(1).lateral("latest")
        return select(*latest.c).select_from(keys).join(latest, true())
    latest_id = select(v.id).where(*conditions).order_by(*newest).limit(1).scalar_subquery()
    return select(Valuation).select_from(keys).join(Valuation, Valuation.id == latest_id)


@functools.cache
def _holding_values_query(lateral: bool):
    """(holder id, company id, value, date) of each holding's latest fair value."""
    latest = _latest_valuations(holder_is_null=False, lateral=lateral).subquery()
    return select(latest.c.holder_id, latest.c.entity_id, latest.c.value_cny, latest.c.date)


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
    "sector",
    "region",
    "stage",
    "local",
    "invested",
    "proceeds",
    "value",
    "value_date",
]


def holdings(
    session: Session,
    as_of: dt.date | None = None,
    *,
    totals: pd.DataFrame | None = None,
    companies: pd.DataFrame | None = None,
    known: dict[int, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Each fund's holding in each company on ``as_of``.

    Columns: ``fund, company, name, sector, region, stage, local, invested, proceeds,
    value, value_date``, sorted by fund and company. ``value`` is the last fair value
    on or before ``as_of``, or cost less proceeds (not below zero) where no fair value
    was reported yet. ``totals``: ``flow_totals(session, "gross", as_of)`` and
    ``companies``: ``entities(session)`` and ``known``: ``entity_kinds(session)`` when
    the caller has them already.
    """
    if totals is None:
        totals = flow_totals(session, "gross", as_of)
    if totals.empty:
        return pd.DataFrame(columns=HOLDING_COLUMNS)
    pairs: dict[tuple[str, str], list[Decimal]] = {}
    for fund, company, kind, amount in zip(
        totals.fund.tolist(),
        totals.investor.tolist(),
        totals.kind.tolist(),
        totals.amount.tolist(),
        strict=True,
    ):
        sums = pairs.setdefault((fund, company), [Decimal(0), Decimal(0)])
        if kind == "investment":
            sums[0] -= amount
        elif kind == "proceeds":
            sums[1] += amount
    if known is None:
        known = entity_kinds(session)
    values = {
        (known[holder][0], known[company][0]): (value, day)
        for holder, company, value, day in session.connection()
        .execute(_holding_values_query(_lateral(session)), {"as_of": as_of or FAR_FUTURE})
        .all()
    }
    if companies is None:
        companies = entities(session, ("company",))
    info = {
        code: rest
        for code, *rest in zip(
            companies.code.tolist(),
            companies.name.tolist(),
            companies.sector.tolist(),
            companies.region.tolist(),
            companies.stage.tolist(),
            companies.local.tolist(),
            strict=True,
        )
    }
    missing = (None, None, None, None, None)
    records = []
    for (fund, code), (invested, proceeds) in sorted(pairs.items()):
        value, day = values.get((fund, code), (None, None))
        if value is None:
            value = max(invested - proceeds, Decimal(0))
        records.append((fund, code, *info.get(code, missing), invested, proceeds, value, day))
    return to_frame(records, columns=HOLDING_COLUMNS)


def index_series(session: Session, code: str) -> pd.Series:
    """A benchmark's levels indexed by date (float: an index level is an analytics input)."""
    level = sql_yuan_float(IndexLevel.level, session.bind.dialect.name)
    rows = (
        session.connection()
        .execute(
            select(IndexLevel.date, level)
            .where(IndexLevel.index_code == code)
            .order_by(IndexLevel.date)
        )
        .all()
    )
    # Day ordinals: many times faster than numpy or pandas parsing date objects.
    ordinals = np.fromiter((day.toordinal() for day, _ in rows), np.int64, len(rows))
    days = (ordinals - EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[s]")
    return pd.Series(
        [value for _, value in rows],
        index=pd.DatetimeIndex(days),
        name=code,
        dtype=float,
    )


def index_codes(session: Session) -> list[str]:
    return list(
        session.scalars(select(IndexLevel.index_code).distinct().order_by(IndexLevel.index_code))
    )
