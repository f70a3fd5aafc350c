"""Totals of the journal per (from, to, kind) as of a date, without summing the whole journal.

The database keeps ``flow_tally`` (the sum and count of the live entries of each
key) on every insert into ``transfer``; see migration 0005. "Live" is what the
analytics count (``frames.common.live_entries``): an entry neither reversed nor itself a
reversal, whatever their dates. So the totals as of a date are the table's, less
the live entries dated after it — usually a few, read from the date index — and
a dashboard answers in milliseconds on a journal of 100,000 entries.

From those totals it also keeps the present state of the holdings (migration 0006):
``holding_tally``, each sub-fund's invested and proceeds per company, and
``valuation_latest``, each holding's latest valuation. ``holding_select`` and
``latest_valuation_select`` say what they must hold; the check compares them.

Amounts stay exact: integer thousandths on SQLite and NUMERIC on PostgreSQL are
summed by the database and come back as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from fundtrack.ledger.chain import lock_head
from fundtrack.ledger.models import (
    Entity,
    FlowTally,
    HoldingTally,
    LatestValuation,
    Transfer,
    Valuation,
)
from fundtrack.ledger.money import Money, amount_reader

__all__ = [
    "PLANS",
    "holding_select",
    "latest_valuation_select",
    "live_sums",
    "plan_for",
    "rebuild_tallies",
    "tallies",
    "tally_select",
]


def live_sums(after=None, upto=None) -> Select:
    """(from_id, to_id, kind, sum of amount_cny, count) of the live entries, per key.

    ``after``, ``upto``: only the entries dated after, or on or before, that day (a
    date or a bound parameter). This is what ``flow_tally`` must hold (without
    either); the check and the repair recompute it here.
    """
    reversal = aliased(Transfer)
    conditions = [
        # Phrased so that SQLite does not walk the journal through the unique index on
        # reverses_id (it has no statistics to know better); with ``after`` it starts
        # from the date index instead.
        func.coalesce(Transfer.reverses_id, 0) == 0,
        ~exists().where(reversal.reverses_id == Transfer.id),
    ]
    if after is not None:
        conditions.append(Transfer.date > after)
    if upto is not None:
        conditions.append(Transfer.date <= upto)
    return (
        select(
            Transfer.from_id,
            Transfer.to_id,
            Transfer.kind,
            func.sum(Transfer.amount_cny).label("amount_cny"),
            func.count().label("flows"),
        )
        .where(*conditions)
        # Kind first: no index of the journal starts so, and SQLite then reads only the
        # entries after ``after`` through the date index rather than all in key order.
        .group_by(Transfer.kind, Transfer.from_id, Transfer.to_id)
    )


def holding_select(totals) -> Select:
    """(fund_id, company_id, invested, proceeds, flows) per (sub-fund, company), from
    ``totals``: a subquery of keys (from_id, to_id, kind, amount_cny[, flows]).

    The fund's view of its companies: invested is what it paid them for investments
    (less any paid back that way), proceeds what they paid it. ``flows`` (None when
    ``totals`` has no count) counts the live entries of every kind between the two.
    This is what ``holding_tally`` holds (migration 0006) when ``totals`` is
    ``flow_tally``; the check compares it with the journal's.
    """
    src, dst = aliased(Entity), aliased(Entity)
    # +1 for a company's payment to a sub-fund (proceeds), -1 the other way round; the
    # other keys are of other levels. A CASE rather than the kinds' index: the database
    # then starts from the few thousand totals, not from every company × sub-fund.
    toward_fund = case(
        (and_(src.kind == "company", dst.kind == "subfund"), 1),
        (and_(src.kind == "subfund", dst.kind == "company"), -1),
    )
    from_company = toward_fund == 1
    fund_id = case((from_company, totals.c.to_id), else_=totals.c.from_id)
    company_id = case((from_company, totals.c.from_id), else_=totals.c.to_id)
    amount = totals.c.amount_cny * toward_fund
    zero = literal_column("0")
    flows = func.sum(totals.c.flows) if "flows" in totals.c else null()
    return (
        select(
            fund_id.label("fund_id"),
            company_id.label("company_id"),
            func.sum(case((totals.c.kind == "investment", -amount), else_=zero)).label("invested"),
            func.sum(case((totals.c.kind == "proceeds", amount), else_=zero)).label("proceeds"),
            flows.label("flows"),
        )
        .select_from(totals)
        .join(src, src.id == totals.c.from_id)
        .join(dst, dst.id == totals.c.to_id)
        .where(toward_fund.is_not(None))
        .group_by(fund_id, company_id)
    )


#: How the totals as of a date are read: the table as it stands (nothing is dated after
#: the date), the table less the live entries dated after it, or those up to it summed.
PLANS = ("kept", "subtract", "upto")


@functools.cache
def tally_select(plan: str) -> Select:
    """(from_id, to_id, kind, amount_cny) of every key with live entries on or before
    ``:as_of``, read by ``plan`` (see ``plan_for``); ``amount_cny`` as the column stores
    it. A statement to run, or to aggregate further in SQL (``frames.holdings``).

    A key whose entries all fall after ``:as_of`` is left out; so is one whose later
    live entries the table lacks (a broken tally: the check "flow tallies" reports it).
    """
    as_of = bindparam("as_of", type_=Date)
    kept = select(
        FlowTally.from_id,
        FlowTally.to_id,
        FlowTally.kind,
        FlowTally.amount_cny,
        FlowTally.flows,
    ).where(FlowTally.flows > 0)
    if plan == "kept":
        found = kept
    elif plan == "upto":
        found = live_sums(upto=as_of)
    elif plan == "subtract":
        later = live_sums(after=as_of).subquery()
        rows = union_all(
            kept,
            select(
                later.c.from_id,
                later.c.to_id,
                later.c.kind,
                -later.c.amount_cny,
                -later.c.flows,
            ),
        ).subquery()
        found = (
            select(
                rows.c.from_id,
                rows.c.to_id,
                rows.c.kind,
                type_coerce(func.sum(rows.c.amount_cny), Money).label("amount_cny"),
                func.sum(rows.c.flows).label("flows"),
            )
            .group_by(rows.c.from_id, rows.c.to_id, rows.c.kind)
            .having(func.sum(rows.c.flows) > 0)
        )
    else:
        raise ValueError(f"no such plan: {plan!r}")
    columns = found.selected_columns
    return found.with_only_columns(columns.from_id, columns.to_id, columns.kind, columns.amount_cny)


_LATEST_DATE = select(func.max(Transfer.date))


def plan_for(connection, as_of: dt.date | None) -> str:
    """The cheapest way to read the totals as of ``as_of`` (see ``PLANS``)."""
    if as_of is None:
        return "kept"
    latest = connection.execute(_LATEST_DATE).scalar()
    if latest is None or latest <= as_of:
        return "kept"
    # Summing what lies before as_of reads fewer entries than taking what lies after it
    # off the totals when most of the journal lies after it.
    return "upto" if _mostly_after(connection, as_of) else "subtract"


def tallies(
    session: Session,
    as_of: dt.date | None = None,
    *,
    without: tuple[str, ...] = (),
    plan: str | None = None,
) -> list[tuple[int, int, str, Decimal]]:
    """(from_id, to_id, kind, amount_cny) of every key with live entries on or before ``as_of``.

    ``as_of`` None: all of them. Otherwise the table's totals less the live entries
    dated after ``as_of`` (the table alone when no entry is dated after it), or, when
    most of the journal lies after ``as_of``, the live entries up to it summed
    directly; a key whose entries all fall after ``as_of`` is left out. In key order.
    ``without``: leave out the keys with an entity of these kinds on either side (the
    dashboard sums the companies' keys in SQL, ``frames.holdings``). ``plan``:
    ``plan_for(connection, as_of)``, when the caller has it.
    """
    connection = session.connection()
    amount_of = amount_reader(connection.dialect)
    query = _tallies_query(plan or plan_for(connection, as_of), without)
    rows = connection.execute(query, {"as_of": as_of}).all()  # None: plan "kept", unbound
    return [(f, t, k, amount_of(amount)) for f, t, k, amount in rows]


@functools.cache
def _tallies_query(plan: str, without: tuple[str, ...]) -> Select:
    """The statement of ``tallies``, built once: a statement costs more to build (and to
    find in SQLAlchemy's cache) than SQLite takes to run it."""
    query = tally_select(plan)
    # Amounts as the driver returns them (converted once in ``tallies``, not by ``Money``).
    raw = query.with_only_columns(
        *(
            type_coerce(c, NullType()) if c.key == "amount_cny" else c
            for c in query.selected_columns
        )
    )
    if without:
        # Joined with both entities' kinds: SQLite answers that in half the time of a
        # NOT IN over the entities of those kinds.
        found = raw.subquery()
        src, dst = aliased(Entity), aliased(Entity)
        raw = (
            select(found.c.from_id, found.c.to_id, found.c.kind, found.c.amount_cny)
            .join(src, src.id == found.c.from_id)
            .join(dst, dst.id == found.c.to_id)
            .where(src.kind.not_in(without), dst.kind.not_in(without))
        )
    columns = raw.selected_columns
    return raw.order_by(columns.from_id, columns.to_id, columns.kind)


def _mostly_after(connection, as_of: dt.date) -> bool:
    """Whether more of the journal is dated after ``as_of`` than on or before it (two
    counts on the date index)."""
    after = connection.execute(
        select(func.count()).select_from(Transfer).where(Transfer.date > as_of)
    ).scalar_one()
    before = connection.execute(
        select(func.count()).select_from(Transfer).where(Transfer.date <= as_of)
    ).scalar_one()
    return after > before


def latest_valuation_select() -> Select:
    """(holder_id, entity_id, valuation_id, date, value_cny): each held company's latest
    valuation by date, then id (a restatement), as ``valuation_latest`` holds it."""
    later = aliased(Valuation)
    return select(
        Valuation.holder_id, Valuation.entity_id, Valuation.id, Valuation.date, Valuation.value_cny
    ).where(
        Valuation.holder_id.is_not(None),
        ~exists().where(
            later.holder_id == Valuation.holder_id,
            later.entity_id == Valuation.entity_id,
            or_(
                later.date > Valuation.date,
                and_(later.date == Valuation.date, later.id > Valuation.id),
            ),
        ),
    )


def rebuild_tallies(session: Session) -> int:
    """Recompute ``flow_tally`` from the journal, and with it ``holding_tally`` (its
    triggers refill it) and ``valuation_latest`` (a repair); returns the number of keys.

    Takes the journal head first, so no posting runs alongside the rebuild.
    """
    lock_head(session)
    connection = session.connection()
    connection.execute(delete(HoldingTally))
    connection.execute(delete(FlowTally))
    columns = ["from_id", "to_id", "kind", "amount_cny", "flows"]
    connection.execute(insert(FlowTally).from_select(columns, live_sums()))
    connection.execute(delete(LatestValuation))
    connection.execute(
        insert(LatestValuation).from_select(
            ["holder_id", "entity_id", "valuation_id", "date", "value_cny"],
            latest_valuation_select(),
        )
    )
    return connection.execute(select(func.count()).select_from(FlowTally)).scalar_one()
