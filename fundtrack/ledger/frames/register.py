"""The register: entities, commitments, sub-fund terms and 返投 recognitions as of a date."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import pandas as pd
from sqlalchemy import Date, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from fundtrack.ledger.frames.common import (
    FAR_FUTURE,
    to_frame,
)
from fundtrack.ledger.models import (
    Commitment,
    Entity,
    FundTerms,
    Recognition,
)

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
    rows = session.connection().execute(_entities_query(tuple(kinds or ()))).all()
    return to_frame(rows, columns=[c.key for c in ENTITY_FIELDS])


@functools.cache
def _entities_query(kinds: tuple[str, ...]):
    query = select(*ENTITY_FIELDS).order_by(Entity.kind, Entity.code)
    return query.where(Entity.kind.in_(kinds)) if kinds else query


def entity(session: Session, code: str, kinds: tuple[str, ...]) -> dict | None:
    """One entity of one of ``kinds`` as a dict of ``entities``' columns, or None."""
    row = session.execute(
        select(*ENTITY_FIELDS).where(Entity.code == code, Entity.kind.in_(kinds))
    ).first()
    return None if row is None else row._asdict()


@functools.cache
def _commitments_query():
    inv, fund = aliased(Entity), aliased(Entity)
    return (
        select(inv.code, fund.code, Commitment.amount, Commitment.date)
        .join(inv, inv.id == Commitment.investor_id)
        .join(fund, fund.id == Commitment.fund_id)
        .where(Commitment.date <= bindparam("as_of", type_=Date))
        .order_by(inv.code, fund.code)
    )


def commitments(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """``investor, fund, amount, date`` summed per pair (``date``: the first), made on or
    before ``as_of``."""
    pairs: dict[tuple[str, str], list] = {}
    query, params = _commitments_query(), {"as_of": as_of or FAR_FUTURE}
    for investor, code, amount, day in session.connection().execute(query, params):
        entry = pairs.setdefault((investor, code), [Decimal(0), day])
        entry[0] += amount
        entry[1] = min(entry[1], day)
    if not pairs:
        return pd.DataFrame(columns=["investor", "fund", "amount"])
    return to_frame(
        [(i, f, amount, day) for (i, f), (amount, day) in pairs.items()],
        columns=["investor", "fund", "amount", "date"],
    )


@functools.cache
def _recognitions_query():
    fund, company = aliased(Entity), aliased(Entity)
    return (
        select(
            Recognition.id,
            fund.code,
            company.code,
            company.name,
            company.name_en,
            Recognition.category,
            Recognition.base_amount,
            Recognition.multiplier,
            Recognition.recognised_amount,
            Recognition.evidence,
            Recognition.approval_date,
        )
        .join(fund, fund.id == Recognition.fund_id)
        .join(company, company.id == Recognition.company_id)
        .where(Recognition.approval_date <= bindparam("as_of", type_=Date))
        .order_by(Recognition.approval_date, Recognition.id)
    )


def recognitions(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    query, params = _recognitions_query(), {"as_of": as_of or FAR_FUTURE}
    columns = [
        "id",
        "fund",
        "company",
        "name",
        "name_en",
        "category",
        "base_amount",
        "multiplier",
        "recognised_amount",
        "evidence",
        "approval_date",
    ]
    return to_frame(session.connection().execute(query, params).all(), columns=columns)


@functools.cache
def _terms_query(columns: tuple[str, ...] | None):
    latest = (
        select(FundTerms.fund_id, func.max(FundTerms.effective_from).label("eff"))
        .where(FundTerms.effective_from <= bindparam("as_of", type_=Date))
        .group_by(FundTerms.fund_id)
        .subquery()
    )
    table = FundTerms.__table__.columns
    return (
        select(Entity.code, *(table if columns is None else (table[c] for c in columns)))
        .join(FundTerms, FundTerms.fund_id == Entity.id)
        .join(
            latest,
            and_(latest.c.fund_id == FundTerms.fund_id, latest.c.eff == FundTerms.effective_from),
        )
        .order_by(Entity.code)
    )


def terms(session: Session, as_of: dt.date, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Each sub-fund's terms in force on ``as_of``, one row per fund (``fund`` = code).

    ``columns``: only these of the table's (a hundred sub-funds' thresholds, dates and
    audit columns cost more to read than the figures that need a few of them).
    """
    query = _terms_query(columns)
    rows = session.connection().execute(query, {"as_of": as_of}).all()
    if not rows:
        return pd.DataFrame()
    # The code first in the query, last in the frame (after the terms' columns).
    names = [c.name for c in query.selected_columns][1:]
    return to_frame([(*values, code) for code, *values in rows], columns=[*names, "fund"])
