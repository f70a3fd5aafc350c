"""Totals of the journal per (from, to, kind) as of a date, without summing the whole journal.

The database keeps ``flow_tally`` (the sum and count of the live entries of each
key) on every insert into ``transfer``; see migration 0005. "Live" is what the
analytics count (``frames.common.live_entries``): an entry neither reversed nor itself a
reversal, whatever their dates. So the totals as of a date are the table's, less
the live entries dated after it — usually a few, read from the date index — and
a dashboard answers in milliseconds on a journal of 100,000 entries.

Amounts stay exact: integer thousandths on SQLite and NUMERIC on PostgreSQL are
summed by the database and come back as ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import Dialect, Select, delete, exists, func, insert, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from fundtrack.ledger.chain import lock_head
from fundtrack.ledger.models import FlowTally, Transfer
from fundtrack.ledger.money import SCALE, Money

__all__ = ["live_sums", "rebuild_tallies", "tallies"]

Key = tuple[int, int, str]


def live_sums(after: dt.date | None = None, upto: dt.date | None = None) -> Select:
    """(from_id, to_id, kind, sum of amount_cny, count) of the live entries, per key.

    ``after``, ``upto``: only the entries dated after, or on or before, that day. This
    is what ``flow_tally`` must hold (without either); the check and the repair
    recompute it here.
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
            func.sum(Transfer.amount_cny),
            func.count(),
        )
        .where(*conditions)
        # Kind first: no index of the journal starts so, and SQLite then reads only the
        # entries after ``after`` through the date index rather than all in key order.
        .group_by(Transfer.kind, Transfer.from_id, Transfer.to_id)
    )


#: The table in key order, its amounts as the driver returns them (see ``_amount_reader``).
_KEPT = (
    select(
        FlowTally.from_id,
        FlowTally.to_id,
        FlowTally.kind,
        type_coerce(FlowTally.amount_cny, NullType()),
        FlowTally.flows,
    )
    .where(FlowTally.flows > 0)
    .order_by(FlowTally.from_id, FlowTally.to_id, FlowTally.kind)
)


def _amount_reader(dialect: Dialect) -> Callable[[object], Decimal]:
    """Driver value → Decimal, as ``Money`` reads it, without its per-value overhead on SQLite.

    The dashboard reads thousands of keys: there the integer of thousandths becomes a
    Decimal directly (exact; its exponent is −3, as ``Money`` returns it).
    """
    if dialect.name == "sqlite":
        return lambda value: Decimal(value).scaleb(-SCALE)
    return Money().result_processor(dialect, None)


def tallies(session: Session, as_of: dt.date | None = None) -> list[tuple[int, int, str, Decimal]]:
    """(from_id, to_id, kind, amount_cny) of every key with live entries on or before ``as_of``.

    ``as_of`` None: all of them. Otherwise the table's totals less the live entries
    dated after ``as_of`` (one grouped query, skipped when no entry is dated after
    it), or, when most of the journal lies after ``as_of``, the live entries up to it
    summed directly; a key whose entries all fall after ``as_of`` is left out. In key
    order.
    """
    connection = session.connection()
    amount_of = _amount_reader(connection.dialect)
    later: dict[Key, tuple[Decimal, int]] = {}
    if as_of is not None:
        latest = connection.execute(select(func.max(Transfer.date))).scalar()
        if latest is not None and latest > as_of and _mostly_after(connection, as_of):
            # Summing what lies before as_of reads fewer entries than taking what lies
            # after it off the totals.
            return sorted(
                (f, t, k, amount)
                for f, t, k, amount, flows in connection.execute(live_sums(upto=as_of)).all()
                if flows > 0
            )
        if latest is not None and latest > as_of:
            later = {
                (f, t, k): (amount, flows)
                for f, t, k, amount, flows in connection.execute(live_sums(after=as_of))
            }
    kept = connection.execute(_KEPT).all()
    if not later:
        return [(f, t, k, amount_of(amount)) for f, t, k, amount, _ in kept]
    found = []
    nothing = (Decimal(0), 0)
    for f, t, k, amount, flows in kept:
        # A later live entry of a key the table lacks would be a broken tally: the check
        # ("flow tallies") reports it; here the key simply has nothing on or before as_of.
        later_amount, later_flows = later.get((f, t, k), nothing)
        if flows > later_flows:
            found.append((f, t, k, amount_of(amount) - later_amount))
    return found


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


def rebuild_tallies(session: Session) -> int:
    """Recompute ``flow_tally`` from the journal (a repair); returns the number of keys.

    Takes the journal head first, so no posting runs alongside the rebuild.
    """
    lock_head(session)
    connection = session.connection()
    connection.execute(delete(FlowTally))
    columns = ["from_id", "to_id", "kind", "amount_cny", "flows"]
    connection.execute(insert(FlowTally).from_select(columns, live_sums()))
    return connection.execute(select(func.count()).select_from(FlowTally)).scalar_one()
