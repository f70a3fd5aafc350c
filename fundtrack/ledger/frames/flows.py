"""Flows between investors and funds: dated, summed per pair and kind, netted per day.

Cash flows are signed from the investor's side (negative = paid in, positive =
received); the gross level is the fund's view of its companies.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Date, and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from fundtrack.ledger.frames.common import (
    FAR_FUTURE,
    FLOW_COLUMNS,
    FLOW_FIELDS,
    FLOW_TOTAL_COLUMNS,
    LEVELS,
    between_levels,
    date_reader,
    live_entries,
    orient,
    signed,
    to_frame,
)
from fundtrack.ledger.models import (
    Entity,
    Transfer,
)
from fundtrack.ledger.money import Money, amount_reader, sql_yuan_float
from fundtrack.ledger.rules import reversed_ids


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
            live_entries(as_of, by_entity=level != "gross"),
            between_levels(level, src, dst),
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
    its LPs and the sub-funds whose codes are ``:subfunds``.

    The parent's id is bound, so SQLite reads the parent's side through its index (one
    id) rather than every entry of the sub-funds; the other sides are subqueries, so
    the statement's text stays short and the same (PostgreSQL's driver caches it).
    """
    holders = select(Entity.id).where(Entity.kind.in_(("parent", "lp")))
    touching = or_(Transfer.from_id.in_(holders), Transfer.to_id.in_(holders))
    if variant != "all":
        parents = bindparam("parents", expanding=True)
        if variant == "parent":
            older = or_(Transfer.from_id.in_(parents), Transfer.to_id.in_(parents))
        else:
            partners = select(Entity.id).where(
                or_(
                    Entity.kind == "lp",
                    and_(
                        Entity.kind == "subfund",
                        Entity.code.in_(bindparam("subfunds", expanding=True)),
                    ),
                )
            )
            older = or_(
                and_(Transfer.from_id.in_(parents), Transfer.to_id.in_(partners)),
                and_(Transfer.to_id.in_(parents), Transfer.from_id.in_(partners)),
            )
        touching = or_(older, and_(touching, Transfer.date > bindparam("after", type_=Date)))
    # Date, amount and flag as the driver returns them: ``structure_flows`` converts them,
    # faster than their types would for the thousand rows a large book reads here.
    t = Transfer
    date, amount, recallable = (
        type_coerce(c, NullType()) for c in (t.date, t.amount_cny, t.recallable)
    )
    return (
        select(t.id, date, t.kind, amount, recallable, t.from_id, t.to_id)
        .where(
            func.coalesce(Transfer.reverses_id, 0) == 0,
            Transfer.id.not_in(reversed_ids()),
            # Phrased so that SQLite cannot use a (entity, date) index for it: it would
            # then read every entry of each LP and sub-fund through them (it has no
            # statistics to know better) instead of the parent's with each of them.
            func.coalesce(Transfer.date, Transfer.date) <= bindparam("as_of", type_=Date),
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
    flows of the others need not be read at all, and the ``subfund`` level then holds
    only the entries after that day (no sub-fund's latest statement is older).
    ``known``: ``entity_kinds``, when the caller has it.
    """
    if "gross" in levels:
        raise ValueError("the gross level is not read here: see flow_totals and daily_flows")
    if known is None:
        known = entity_kinds(session)
    parents = [i for i, (_, kind) in known.items() if kind == "parent"]
    params = {"as_of": as_of or FAR_FUTURE, "parents": parents}
    if others_after is None:
        variant = "all"
    else:
        params["after"] = others_after
        variant = "parent" if subfunds is None else "chosen"
        if subfunds is not None:
            params["subfunds"] = sorted(subfunds)
    query = _structure_query(variant)
    connection = session.connection()
    rows = connection.execute(query, params).all()
    date_of, amount_of = date_reader(connection.dialect), amount_reader(connection.dialect)
    code_of = {i: code for i, (code, _) in known.items()}
    kind_of = {i: kind for i, (_, kind) in known.items()}
    out: dict[str, list[tuple]] = {level: [] for level in levels}
    # Each pair of kinds' levels, worked out once: (rows of the level, from the investor);
    # for the entries on or before ``others_after``, without the subfund level.
    routes: dict[tuple[bool, str, str], list[tuple[list, bool]]] = {}
    older = others_after or dt.date.min
    for row_id, day, kind, amount, recallable, src, dst in rows:
        day, amount, recallable = date_of(day), amount_of(amount), bool(recallable)
        route = (day <= older, kind_of[src], kind_of[dst])
        if route not in routes:
            routes[route] = [
                (out[level], from_investor)
                for level in levels
                if (from_investor := orient(level, *route[1:])) is not None
                and not (route[0] and level == "subfund")
            ]
        for found, from_investor in routes[route]:
            fund, investor = (dst, src) if from_investor else (src, dst)
            found.append(
                (
                    code_of[fund],
                    code_of[investor],
                    day,
                    kind,
                    # The investor's view: paid in is negative (no level here is gross).
                    -amount if from_investor else amount,
                    recallable,
                    row_id,
                )
            )
    return {level: to_frame(records, columns=FLOW_COLUMNS) for level, records in out.items()}


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
            live_entries(as_of),
            between_levels(level, src, dst),
        )
        .group_by(src.code, dst.code, src.kind, Transfer.kind)
    )
    records = []
    for s_code, d_code, s_kind, kind, total, first, last in session.execute(query):
        from_investor = s_kind in investor_kinds  # the query kept this level's entries only
        fund_code, investor_code = (d_code, s_code) if from_investor else (s_code, d_code)
        records.append(
            (fund_code, investor_code, kind, signed(level, from_investor, total), first, last)
        )
    return to_frame(records, columns=FLOW_TOTAL_COLUMNS)


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
    for src, dst, kind, amount in rows:
        (src_code, src_kind), (dst_code, dst_kind) = known[src], known[dst]
        for level in levels:
            from_investor = orient(level, src_kind, dst_kind)
            if from_investor is None:
                continue
            fund, investor = (dst_code, src_code) if from_investor else (src_code, dst_code)
            records[level].append((fund, investor, kind, signed(level, from_investor, amount)))
    columns = ["fund", "investor", "kind", "amount"]
    return {level: to_frame(sorted(found), columns=columns) for level, found in records.items()}


def fee_totals_of(
    rows: list[tuple[int, int, str, Decimal]], known: dict[int, tuple[str, str]]
) -> dict[str, Decimal]:
    """Fees and expenses paid by each fund, from ``tallies.tallies`` rows: ``{fund code:
    total}`` (``known``: id → (code, kind))."""
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
            live_entries(as_of),
            between_levels(level, src, dst),
        )
        .group_by(fund_code, Transfer.date)
        .order_by(fund_code, Transfer.date)
    )
    rows = session.connection().execute(query).all()
    return to_frame(rows, columns=["fund", "date", "amount"])


def fees(session: Session, as_of: dt.date | None = None) -> pd.DataFrame:
    """Fees and expenses paid by each fund: ``fund, manager, date, kind, amount``."""
    src, dst = aliased(Entity), aliased(Entity)
    rows = session.execute(
        select(src.code, dst.code, Transfer.date, Transfer.kind, Transfer.amount_cny)
        .join(src, src.id == Transfer.from_id)
        .join(dst, dst.id == Transfer.to_id)
        .where(live_entries(as_of), Transfer.kind.in_(("fee", "expense")))
        .order_by(Transfer.date)
    ).all()
    return to_frame(rows, columns=["fund", "manager", "date", "kind", "amount"])
