"""The journal's integrity rules, checked before anything is posted.

Drafts are checked as a batch against a ``PostingContext`` read once from the
database (entities, closed quarters, FX rates, remaining commitments), so one
entry typed in a form and a 100,000-row statement go through the same rules.
Every problem is returned as a value (a ``Problem`` naming the row and field).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Column, ColumnElement, Row, Select, and_, or_, select, text
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import NotFoundError, Problem
from fundtrack.ledger.models import (
    ClosedPeriod,
    Commitment,
    Entity,
    FxRate,
    Transfer,
)
from fundtrack.ledger.money import (
    QUANTUM,
    REPORTING_CURRENCY,
    MoneyError,
    is_currency_code,
    to_decimal,
)

CHUNK = 500

#: Which kinds of entity a transfer of each kind may go between (source, destination).
ALLOWED_ROUTES: dict[str, set[tuple[str, str]]] = {
    "contribution": {("lp", "parent"), ("parent", "subfund"), ("lp", "subfund")},
    "distribution": {("parent", "lp"), ("subfund", "parent"), ("subfund", "lp")},
    "investment": {("subfund", "company"), ("parent", "company")},
    "proceeds": {("company", "subfund"), ("company", "parent")},
    "fee": {("parent", "manager"), ("subfund", "manager")},
    "expense": {("parent", "manager"), ("subfund", "manager")},
}


@dataclass(frozen=True)
class TransferDraft:
    """A transfer as typed or imported, before the ledger accepts it."""

    date: dt.date
    kind: str
    from_code: str
    to_code: str
    amount: Decimal
    currency: str = REPORTING_CURRENCY
    reference: str | None = None
    memo: str | None = None
    recallable: bool = False
    fx_rate: Decimal | None = None
    fx_date: dt.date | None = None


def entity_by_code(session: Session, code: str, field_name: str = "code") -> Entity:
    entity = session.scalar(select(Entity).where(Entity.code == code))
    if entity is None:
        raise NotFoundError(Problem(field_name, f"no entity with code {code!r}"))
    return entity


def entities_by_code(session: Session, codes: Iterable[str]) -> dict[str, Entity]:
    wanted = sorted({c for c in codes if c})
    found: dict[str, Entity] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(
            (e.code, e) for e in session.scalars(select(Entity).where(Entity.code.in_(chunk)))
        )
    return found


def reversed_ids() -> Select:
    """Ids of transfers that a later entry reversed."""
    return select(Transfer.reverses_id).where(Transfer.reverses_id.is_not(None))


def callable_remaining(session: Session, investor_id: int, fund_id: int) -> Decimal:
    """Commitment − paid-in + recallable distributions, for one investor in one fund.

    Reversed entries and their reversals are left out: a corrected call never happened.
    """
    # Summed here, not in SQL: SQLite would add the exact text amounts up as floats.
    committed = sum(
        session.scalars(
            select(Commitment.amount).where(
                Commitment.investor_id == investor_id, Commitment.fund_id == fund_id
            )
        ),
        Decimal(0),
    )
    rows = session.execute(
        select(Transfer.kind, Transfer.from_id, Transfer.recallable, Transfer.amount_cny).where(
            Transfer.reverses_id.is_(None),
            Transfer.id.not_in(reversed_ids()),
            or_(
                and_(Transfer.from_id == investor_id, Transfer.to_id == fund_id),
                and_(Transfer.from_id == fund_id, Transfer.to_id == investor_id),
            ),
            Transfer.kind.in_(("contribution", "distribution")),
        )
    ).all()
    paid_in = sum(
        (r.amount_cny for r in rows if r.kind == "contribution" and r.from_id == investor_id),
        Decimal(0),
    )
    recallable = sum(
        (r.amount_cny for r in rows if r.kind == "distribution" and r.recallable), Decimal(0)
    )
    return committed - paid_in + recallable


def fx_rate_for(session: Session, currency: str, day: dt.date) -> Decimal | None:
    """The CNY value of one unit of ``currency`` on ``day`` exactly; never assumed to be 1."""
    return session.scalar(
        select(FxRate.rate).where(FxRate.currency == currency, FxRate.date == day)
    )


@dataclass
class PostingContext:
    """What checking a batch needs, read from the database once."""

    session: Session
    entities: dict[str, Entity]
    closed: list[tuple[dt.date, dt.date, str]]
    fx: dict[tuple[str, dt.date], Decimal]
    remaining: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    committed_pairs: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session, drafts: Sequence[TransferDraft]) -> PostingContext:
        entities = entities_by_code(
            session, [d.from_code for d in drafts] + [d.to_code for d in drafts]
        )
        closed = [
            (p.start_date, p.end_date, p.quarter) for p in session.scalars(select(ClosedPeriod))
        ]
        foreign = {(d.currency, d.date) for d in drafts if d.currency != REPORTING_CURRENCY}
        fx: dict[tuple[str, dt.date], Decimal] = {}
        if foreign:
            for row in session.execute(
                select(FxRate.currency, FxRate.date, FxRate.rate).where(
                    FxRate.currency.in_({c for c, _ in foreign})
                )
            ):
                fx[(row.currency, row.date)] = row.rate
        pairs = {
            tuple(r) for r in session.execute(select(Commitment.investor_id, Commitment.fund_id))
        }
        return cls(session, entities, closed, fx, committed_pairs=pairs)

    def closed_quarter(self, day: dt.date) -> str | None:
        for start, end, quarter in self.closed:
            if start <= day <= end:
                return quarter
        return None

    def rate(self, draft: TransferDraft) -> Decimal | None:
        if draft.currency == REPORTING_CURRENCY:
            return None
        if draft.fx_rate is not None:
            return draft.fx_rate
        return self.fx.get((draft.currency, draft.date))

    def amount_cny(self, draft: TransferDraft) -> Decimal:
        amount = to_decimal(draft.amount)
        rate = self.rate(draft)
        return amount if rate is None else (amount * rate).quantize(QUANTUM)

    def remaining_for(self, investor_id: int, fund_id: int) -> Decimal:
        key = (investor_id, fund_id)
        if key not in self.remaining:
            self.remaining[key] = callable_remaining(self.session, investor_id, fund_id)
        return self.remaining[key]


def check_draft(ctx: PostingContext, draft: TransferDraft) -> list[Problem]:
    """Every reason the ledger would refuse ``draft`` on its own (empty when it may be posted)."""
    problems: list[Problem] = []
    source = ctx.entities.get(draft.from_code)
    destination = ctx.entities.get(draft.to_code)
    if source is None:
        problems.append(Problem("from", f"no entity with code {draft.from_code!r}"))
    if destination is None:
        problems.append(Problem("to", f"no entity with code {draft.to_code!r}"))
    if draft.kind not in ALLOWED_ROUTES:
        kinds = ", ".join(ALLOWED_ROUTES)
        problems.append(Problem("type", f"{draft.kind!r} is not one of {kinds}"))
    elif source and destination:
        route = (source.kind, destination.kind)
        if source.id == destination.id:
            problems.append(Problem("to", "source and destination are the same account"))
        elif route not in ALLOWED_ROUTES[draft.kind]:
            problems.append(
                Problem("type", f"a {draft.kind} cannot go from a {route[0]} to a {route[1]}")
            )
    try:
        amount = to_decimal(draft.amount)
        if amount <= 0:
            problems.append(Problem("amount", f"{amount} is not a positive amount"))
    except MoneyError as exc:
        problems.append(Problem("amount", str(exc).split(": ", 1)[-1]))
    if not is_currency_code(draft.currency):
        problems.append(Problem("currency", f"{draft.currency!r} is not an ISO currency code"))
    elif source and destination:
        problems.extend(_currency_problems(ctx, draft, source, destination))
    closed = ctx.closed_quarter(draft.date)
    if closed:
        problems.append(
            Problem("date", f"{draft.date.isoformat()} lies in {closed}, which is closed")
        )
    return problems


def _currency_problems(
    ctx: PostingContext, draft: TransferDraft, source: Entity, destination: Entity
) -> list[Problem]:
    if draft.currency not in (source.currency, destination.currency):
        return [
            Problem(
                "currency",
                f"{draft.currency} matches neither account ({source.code} {source.currency}, "
                f"{destination.code} {destination.currency})",
            )
        ]
    if draft.currency == REPORTING_CURRENCY:
        return []
    if draft.fx_rate is not None:
        if draft.fx_date is None:
            return [Problem("fx_date", "an FX rate needs the date it was quoted")]
        if draft.fx_rate <= 0:
            return [Problem("fx_rate", "an FX rate must be positive")]
        return []
    if ctx.rate(draft) is None:
        return [
            Problem(
                "currency",
                f"no {draft.currency}/CNY rate for {draft.date.isoformat()}: "
                "give an FX rate with its date",
            )
        ]
    return []


def _commitment_problem(ctx: PostingContext, draft: TransferDraft) -> Problem | None:
    """Check a call against what is left of the commitment, and take it from what is left."""
    source, destination = ctx.entities[draft.from_code], ctx.entities[draft.to_code]
    key = (source.id, destination.id)
    if key not in ctx.committed_pairs:
        return Problem("amount", f"{source.code} has no commitment to {destination.code}")
    remaining = ctx.remaining_for(*key)
    amount = ctx.amount_cny(draft)
    if amount > remaining:
        return Problem(
            "amount",
            f"call of {amount:,.2f} exceeds the remaining commitment of "
            f"{source.code} to {destination.code} ({remaining:,.2f})",
        )
    ctx.remaining[key] = remaining - amount
    return None


def reference_filters(keys: Iterable[tuple[int, int, str]]) -> Iterator[ColumnElement[bool]]:
    """WHERE clauses finding the transfers with these (from_id, to_id, reference) keys.

    Keys are grouped by account pair, each clause covering up to ``CHUNK``
    references as ``(from = ? AND to = ? AND reference IN (…)) OR …``: both
    databases answer that from the unique (from, to, reference) index, where a
    pairs-IN × references-IN filter makes them probe every combination.
    """
    by_pair: dict[tuple[int, int], list[str]] = defaultdict(list)
    for source, destination, reference in keys:
        by_pair[(source, destination)].append(reference)
    parts: list[ColumnElement[bool]] = []
    size = 0
    for (source, destination), references in by_pair.items():
        for start in range(0, len(references), CHUNK):
            chunk = references[start : start + CHUNK]
            if parts and size + len(chunk) > CHUNK:
                yield or_(*parts)
                parts, size = [], 0
            parts.append(
                and_(
                    Transfer.from_id == source,
                    Transfer.to_id == destination,
                    Transfer.reference.in_(chunk),
                )
            )
            size += len(chunk)
    if parts:
        yield or_(*parts)


#: Finding transfers by (from, to, reference) for a whole batch in one statement: the
#: keys go in as arrays (PostgreSQL) or a JSON array (SQLite) joined to the unique
#: (from, to, reference) index, instead of hundreds of statements of OR-ed clauses
#: that the driver and the server parse afresh each time.
_KEYED_SQL = {
    "postgresql": (
        "SELECT {columns} FROM unnest(CAST(:f AS bigint[]), CAST(:t AS bigint[]), "
        "CAST(:r AS varchar[])) AS k(f, t, r) JOIN transfer "
        "ON transfer.from_id = k.f AND transfer.to_id = k.t AND transfer.reference = k.r"
    ),
    # CROSS JOIN keeps the keys as the outer loop, so each key is one index probe.
    "sqlite": (
        "SELECT {columns} FROM json_each(:keys) AS k CROSS JOIN transfer "
        "ON transfer.from_id = json_extract(k.value, '$[0]') "
        "AND transfer.to_id = json_extract(k.value, '$[1]') "
        "AND transfer.reference = json_extract(k.value, '$[2]')"
    ),
}


def transfers_by_reference(
    session: Session, keys: Iterable[tuple[int, int, str]], columns: Sequence[Column]
) -> Iterator[Row]:
    """The ``columns`` of the transfers having these (from_id, to_id, reference) keys."""
    keys = list(keys)
    if not keys:
        return
    template = _KEYED_SQL.get(session.get_bind().dialect.name)
    if template is None:
        for where in reference_filters(keys):
            yield from session.execute(select(*columns).where(where))
        return
    names = ", ".join(f"transfer.{c.name}" for c in columns)
    statement = text(template.format(columns=names)).columns(*columns)
    if session.get_bind().dialect.name == "postgresql":
        f, t, r = (list(part) for part in zip(*keys, strict=True))
        params = {"f": f, "t": t, "r": r}
    else:
        params = {"keys": json.dumps(keys, ensure_ascii=False)}
    yield from session.execute(statement, params)


#: What says whether a posted transfer is a draft again (see ``_same``): its key and terms.
REFERENCE_COLUMNS = (
    Transfer.from_id,
    Transfer.to_id,
    Transfer.reference,
    Transfer.date,
    Transfer.kind,
    Transfer.amount,
    Transfer.currency,
)


def _existing_by_reference(
    ctx: PostingContext, keyed: dict[tuple[int, int, str], int]
) -> dict[tuple[int, int, str], Row]:
    found: dict[tuple[int, int, str], Row] = {}
    for t in transfers_by_reference(ctx.session, keyed, (Transfer.id, *REFERENCE_COLUMNS)):
        key = (t.from_id, t.to_id, t.reference)
        if key in keyed:
            found[key] = t
    return found


def _same(t: Row, draft: TransferDraft, ctx: PostingContext) -> bool:
    return (
        t.date == draft.date
        and t.kind == draft.kind
        and t.amount == to_decimal(draft.amount)
        and t.currency == draft.currency
    )


def validate_batch(
    ctx: PostingContext,
    drafts: Sequence[TransferDraft],
    *,
    first_row: int = 1,
    duplicates_ok: bool = True,
) -> tuple[list[Problem], list[int]]:
    """Problems (with row numbers) and the indexes of drafts already in the ledger.

    A draft whose (from, to, reference) is posted already with the same date, kind
    and amount is a duplicate, not an error, when ``duplicates_ok``; with other
    content it is an error, since the statement and the ledger disagree.
    """
    problems: list[Problem] = []
    keyed: dict[tuple[int, int, str], int] = {}
    duplicates: list[int] = []
    for i, draft in enumerate(drafts):
        row = first_row + i
        found = check_draft(ctx, draft)
        problems.extend(Problem(p.field, p.message, row) for p in found)
        if found or not draft.reference:
            continue
        key = (ctx.entities[draft.from_code].id, ctx.entities[draft.to_code].id, draft.reference)
        if key in keyed:
            earlier = drafts[keyed[key]]
            if earlier == draft:
                duplicates.append(i)
            else:
                problems.append(
                    Problem(
                        "reference",
                        f"{draft.reference!r} also stands on row "
                        f"{first_row + keyed[key]} with other content",
                        row,
                    )
                )
            continue
        keyed[key] = i
    existing = _existing_by_reference(ctx, keyed) if keyed else {}
    for key, t in existing.items():
        i = keyed[key]
        same = _same(t, drafts[i], ctx)
        if duplicates_ok and same:
            duplicates.append(i)
            continue
        why = f"is already posted as #{t.id}"
        if not same:
            why += " with other content (reverse it first)"
        problems.append(Problem("reference", f"{key[2]!r} {why}", first_row + i))
    skip = set(duplicates)
    if not problems:
        for i, draft in enumerate(drafts):
            if i in skip:
                continue
            if draft.kind == "distribution" and draft.recallable:
                key = (ctx.entities[draft.to_code].id, ctx.entities[draft.from_code].id)
                ctx.remaining[key] = ctx.remaining_for(*key) + ctx.amount_cny(draft)
            elif draft.kind == "contribution":
                problem = _commitment_problem(ctx, draft)
                if problem:
                    problems.append(Problem(problem.field, problem.message, first_row + i))
    return problems, sorted(skip)
