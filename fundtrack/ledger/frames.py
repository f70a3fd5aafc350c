"""Ledger → DataFrames: the inputs of the analytics layer, as of any date.

Cash flows are signed from the investor's side (negative = paid in, positive =
received), amounts are exact ``Decimal`` objects in CNY. Reversed entries and
their reversals are left out: a corrected entry never happened. Filtering and
grouping happen in SQL, so a page reads only the rows it needs.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Date, and_, bindparam, case, func, or_, select, type_coerce
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
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
#: Stands for "no as-of date": later than any date a statement can carry.
FAR_FUTURE = dt.date(9999, 12, 31)
#: The columns of an entry that every read of flows takes.
FLOW_FIELDS = (Transfer.id, Transfer.date, Transfer.kind, Transfer.amount_cny, Transfer.recallable)
FLOW_COLUMNS = ["fund", "investor", "date", "kind", "amount", "recallable", "id"]


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """``rows`` (tuples) as a DataFrame of ``columns``.

    Built column by column: several times faster than ``DataFrame.from_records`` for
    the thousands of rows a snapshot reads, with the same dtypes.
    """
    rows = list(rows)
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, (list(c) for c in zip(*rows, strict=True)), strict=True)))


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
            *FLOW_FIELDS,
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


def entity_kinds(session: Session) -> dict[int, tuple[str, str]]:
    """Every entity's id → (code, kind)."""
    rows = session.connection().execute(select(Entity.id, Entity.code, Entity.kind))
    return {i: (code, kind) for i, code, kind in rows}


@functools.cache
def _structure_query(variant: str):
    """The read of ``structure_flows``: ``all`` entries with the parent or an LP; or those
    dated after ``:after`` and, older, the parent's with ``parent``: anyone, ``chosen``:
    its LPs and the ``:partners``. Ids are bound lists rather than subqueries, so that
    SQLite reads each side through the index of the side with fewer ids (the parent's)."""
    holders = bindparam("holders", expanding=True)
    touching = or_(Transfer.from_id.in_(holders), Transfer.to_id.in_(holders))
    if variant != "all":
        parents = bindparam("parents", expanding=True)
        if variant == "parent":
            older = or_(Transfer.from_id.in_(parents), Transfer.to_id.in_(parents))
        else:
            partners = bindparam("partners", expanding=True)
            older = or_(
                and_(Transfer.from_id.in_(parents), Transfer.to_id.in_(partners)),
                and_(Transfer.to_id.in_(parents), Transfer.from_id.in_(partners)),
            )
        touching = or_(older, and_(touching, Transfer.date > bindparam("after", type_=Date)))
    return (
        select(*FLOW_FIELDS, Transfer.from_id, Transfer.to_id)
        .where(
            func.coalesce(Transfer.reverses_id, 0) == 0,
            Transfer.id.not_in(reversed_ids()),
            Transfer.date <= bindparam("as_of", type_=Date),
            touching,
        )
        .order_by(Transfer.date, Transfer.id)
    )


def structure_flows(
    session: Session,
    as_of: dt.date | None = None,
    levels: tuple[str, ...] = ("net", "subfund"),
    *,
    others_after: dt.date | None = None,
    subfunds: list[str] | None = None,
    known: dict[int, tuple[str, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """``cash_flows`` of several levels from one read: ``{level: frame}``.

    Every level but ``gross`` has the parent or an LP on one side, and those few
    entities' entries are a small part of the journal: they are read once through
    the entity indexes, then sorted into levels here (each row may belong to several,
    as a parent ↔ sub-fund call belongs to ``parent`` and ``subfund``).

    ``others_after``: entries dated on or before that day are read only where they
    are the parent's with its LPs, or with one of ``subfunds`` (all sub-funds when
    None). A sub-fund's NAV is rolled forward from its last statement with every
    investor's flows after it, and its totals come from the running totals: the older
    flows of the others need not be read at all. ``known``: ``entity_kinds``, when
    the caller has it.
    """
    if "gross" in levels:
        raise ValueError("the gross level is not read here: see flow_totals and daily_flows")
    if known is None:
        known = entity_kinds(session)
    parents = [i for i, (_, kind) in known.items() if kind == "parent"]
    lps = [i for i, (_, kind) in known.items() if kind == "lp"]
    params = {"as_of": as_of or FAR_FUTURE, "holders": parents + lps, "parents": parents}
    if others_after is None:
        variant = "all"
    else:
        params["after"] = others_after
        variant = "parent" if subfunds is None else "chosen"
        if subfunds is not None:
            wanted = set(subfunds)
            params["partners"] = lps + [
                i for i, (code, kind) in known.items() if kind == "subfund" and code in wanted
            ]
    query = _structure_query(variant)
    rows = session.connection().execute(query, params).all()
    code_of = {i: code for i, (code, _) in known.items()}
    kind_of = {i: kind for i, (_, kind) in known.items()}
    out: dict[str, list[tuple]] = {level: [] for level in levels}
    for row_id, day, kind, amount, recallable, src, dst in rows:
        src_kind, dst_kind = kind_of[src], kind_of[dst]
        for level in levels:
            investor_kinds, fund_kinds = LEVELS[level]
            if src_kind in investor_kinds and dst_kind in fund_kinds:
                fund, investor, signed = dst, src, -amount
            elif src_kind in fund_kinds and dst_kind in investor_kinds:
                fund, investor, signed = src, dst, amount
            else:
                continue
            out[level].append(
                (code_of[fund], code_of[investor], day, kind, signed, recallable, row_id)
            )
    return {level: _frame(records, columns=FLOW_COLUMNS) for level, records in out.items()}


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
    return _frame(records, columns=columns)


def level_totals(
    rows: list[tuple[int, int, str, Decimal]],
    known: dict[int, tuple[str, str]],
    levels: tuple[str, ...],
) -> dict[str, pd.DataFrame]:
    """``flow_totals``' sums (without the dates) of ``levels``, from ``tallies.tallies`` rows.

    ``known``: entity id → (code, kind). ``{level: frame}`` of columns ``fund, investor,
    kind, amount``, signed as in ``cash_flows``, sorted: the same exact sums, read from
    the running totals instead of the whole journal, in one pass over them.
    """
    records: dict[str, list[tuple]] = {level: [] for level in levels}
    sides = {level: LEVELS[level] for level in levels}
    for src, dst, kind, amount in rows:
        (src_code, src_kind), (dst_code, dst_kind) = known[src], known[dst]
        for level, (investor_kinds, fund_kinds) in sides.items():
            if src_kind in investor_kinds and dst_kind in fund_kinds:
                from_investor = True
            elif src_kind in fund_kinds and dst_kind in investor_kinds:
                from_investor = False
            else:
                continue
            negative = from_investor != (level == "gross")
            fund, investor = (dst_code, src_code) if from_investor else (src_code, dst_code)
            records[level].append((fund, investor, kind, -amount if negative else amount))
    columns = ["fund", "investor", "kind", "amount"]
    return {level: _frame(sorted(found), columns=columns) for level, found in records.items()}


def fee_totals_of(
    rows: list[tuple[int, int, str, Decimal]], known: dict[int, tuple[str, str]]
) -> dict[str, Decimal]:
    """``fee_totals`` from ``tallies.tallies`` rows (``known``: id → (code, kind))."""
    totals: dict[str, Decimal] = {}
    for src, _dst, kind, amount in rows:
        if kind in ("fee", "expense"):
            code = known[src][0]
            totals[code] = totals.get(code, Decimal(0)) + amount
    return totals


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
    return _frame(rows, columns=["fund", "date", "amount"])


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
    return _frame(rows, columns=["fund", "manager", "date", "kind", "amount"])


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
    rows = session.connection().execute(query).all()
    return _frame(rows, columns=[c.key for c in ENTITY_FIELDS])


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
    return _frame(
        [(i, f, amount, day) for (i, f), (amount, day) in pairs.items()],
        columns=["investor", "fund", "amount", "date"],
    )


@functools.cache
def _latest_valuations(holder_is_null: bool):
    """For each (entity, holder) with statements, the latest on or before ``:as_of``.

    The latest is the last date, and on that date the last posted row (a restatement).
    One index seek per key (``ix_valuation_latest``, ``ix_valuation_entity_date``)
    rather than a grouping of every statement ever made. Built once: statements are
    cheap to run and comparatively dear to construct.
    """
    holder = Valuation.holder_id.is_(None) if holder_is_null else Valuation.holder_id.is_not(None)
    keys = select(Valuation.entity_id, Valuation.holder_id).where(holder).distinct().subquery()
    v = aliased(Valuation)
    latest = (
        select(v.id)
        .where(
            v.entity_id == keys.c.entity_id,
            v.holder_id.is_(None) if holder_is_null else v.holder_id == keys.c.holder_id,
            v.date <= bindparam("as_of", type_=Date),
        )
        .order_by(v.date.desc(), v.id.desc())
        .limit(1)
    ).scalar_subquery()
    return select(Valuation).where(Valuation.id.in_(select(latest).select_from(keys)))


@functools.cache
def _latest_navs_query():
    query = _latest_valuations(holder_is_null=True).subquery()
    fund = aliased(Entity)
    return (
        select(fund.code, query.c.date, query.c.value_cny, query.c.source)
        .join(fund, fund.id == query.c.entity_id)
        .order_by(fund.code)
    )


@functools.cache
def _holding_values_query():
    latest = _latest_valuations(holder_is_null=False).subquery()
    company, holder = aliased(Entity), aliased(Entity)
    return (
        select(holder.code, company.code, latest.c.value_cny, latest.c.date)
        .join(company, company.id == latest.c.entity_id)
        .join(holder, holder.id == latest.c.holder_id)
    )


def latest_navs(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Each fund's last NAV statement on or before ``as_of``: ``fund, date, nav, source``."""
    rows = session.connection().execute(_latest_navs_query(), {"as_of": as_of or FAR_FUTURE}).all()
    return _frame(rows, columns=["fund", "date", "nav", "source"])


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
    return _frame(rows, columns=["fund", "date", "nav"])


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
) -> pd.DataFrame:
    """Each fund's holding in each company on ``as_of``.

    Columns: ``fund, company, name, sector, region, stage, local, invested, proceeds,
    value, value_date``, sorted by fund and company. ``value`` is the last fair value
    on or before ``as_of``, or cost less proceeds (not below zero) where no fair value
    was reported yet. ``totals``: ``flow_totals(session, "gross", as_of)`` and
    ``companies``: ``entities(session)`` when the caller has them already.
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
    values = {
        (fund, code): (value, day)
        for fund, code, value, day in session.connection()
        .execute(_holding_values_query(), {"as_of": as_of or FAR_FUTURE})
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
    return _frame(records, columns=HOLDING_COLUMNS)


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


@functools.cache
def _recognitions_query():
    fund, company = aliased(Entity), aliased(Entity)
    return (
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
        "category",
        "base_amount",
        "multiplier",
        "recognised_amount",
        "evidence",
        "approval_date",
    ]
    return _frame(session.connection().execute(query, params).all(), columns=columns)


@functools.cache
def _terms_query():
    latest = (
        select(FundTerms.fund_id, func.max(FundTerms.effective_from).label("eff"))
        .where(FundTerms.effective_from <= bindparam("as_of", type_=Date))
        .group_by(FundTerms.fund_id)
        .subquery()
    )
    return (
        select(Entity.code, *FundTerms.__table__.columns)
        .join(FundTerms, FundTerms.fund_id == Entity.id)
        .join(
            latest,
            and_(latest.c.fund_id == FundTerms.fund_id, latest.c.eff == FundTerms.effective_from),
        )
        .order_by(Entity.code)
    )


def terms(session: Session, as_of: dt.date) -> pd.DataFrame:
    """Each sub-fund's terms in force on ``as_of``, one row per fund (``fund`` = code)."""
    rows = session.connection().execute(_terms_query(), {"as_of": as_of})
    records = []
    table = FundTerms.__table__
    for code, *values in rows:
        record = {c.name: v for c, v in zip(table.columns, values, strict=True)}
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
    frame = _frame(rows, columns=list(query.selected_columns.keys()))
    reversed_set = set(session.scalars(reversed_ids()))
    frame["reversed"] = frame.id.isin(reversed_set) if not frame.empty else []
    return frame, int(total or 0)


__all__ = [
    "LEVELS",
    "cash_flows",
    "commitments",
    "entities",
    "entity_kinds",
    "fee_totals",
    "fee_totals_of",
    "fees",
    "holdings",
    "index_codes",
    "index_series",
    "journal_page",
    "latest_navs",
    "level_totals",
    "nav_history",
    "recognitions",
    "structure_flows",
    "terms",
]
