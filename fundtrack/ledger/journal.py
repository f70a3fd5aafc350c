"""Posting to the journal: the integrity rules, the hash chain and reversals.

Drafts are checked as a batch against a ``PostingContext`` read once from the
database (entities, closed quarters, FX rates, remaining commitments), so one
entry typed in a form and a 100,000-row statement go through the same rules.
Every problem is returned as a value; a batch with any problem writes nothing.
Posting first locks the journal head row, so concurrent writers queue: the
remaining-commitment check and the hash chain both see every earlier entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, Select, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem
from fundtrack.ledger.models import (
    ClosedPeriod,
    Commitment,
    Entity,
    FxRate,
    JournalHead,
    Transfer,
    utcnow,
)
from fundtrack.ledger.money import (
    QUANTUM,
    REPORTING_CURRENCY,
    MoneyError,
    is_currency_code,
    to_decimal,
)

GENESIS_HASH = "0" * 64
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


@dataclass(frozen=True)
class PostOutcome:
    new: int
    duplicates: int
    ids: tuple[int, ...] = ()


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


def _existing_by_reference(
    ctx: PostingContext, keyed: dict[tuple[int, int, str], int]
) -> dict[tuple[int, int, str], Transfer]:
    found: dict[tuple[int, int, str], Transfer] = {}
    for where in reference_filters(keyed):
        for t in ctx.session.scalars(select(Transfer).where(where)):
            key = (t.from_id, t.to_id, t.reference)
            if key in keyed:
                found[key] = t
    return found


def _same(t: Transfer, draft: TransferDraft, ctx: PostingContext) -> bool:
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


def lock_head(session: Session) -> JournalHead:
    """Take the journal head row for update: the one place writers queue on PostgreSQL."""
    head = session.scalar(select(JournalHead).where(JournalHead.id == 1).with_for_update())
    if head is None:
        session.add(JournalHead(id=1, last_transfer_id=None, last_hash=GENESIS_HASH))
        session.flush()
        head = session.scalar(select(JournalHead).where(JournalHead.id == 1).with_for_update())
    return head


def _stamp(ts: dt.datetime) -> str:
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


def _canonical(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).quantize(QUANTUM), "f")


def chain_hash(prev_hash: str, row: dict, from_code: str, to_code: str) -> str:
    """The entry's fingerprint: its content and the previous entry's fingerprint."""
    parts = [
        prev_hash,
        row["date"].isoformat(),
        row["kind"],
        from_code,
        to_code,
        _canonical(row["amount"]),
        row["currency"],
        _canonical(row["amount_cny"]),
        "" if row["fx_rate"] is None else format(Decimal(row["fx_rate"]).normalize(), "f"),
        "" if row["fx_date"] is None else row["fx_date"].isoformat(),
        "1" if row["recallable"] else "0",
        row["reference"] or "",
        row["memo"] or "",
        "" if row["reverses_id"] is None else str(row["reverses_id"]),
        row["posted_by"],
        _stamp(row["posted_at"]),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _append_rows(
    session: Session,
    head: JournalHead,
    ctx: PostingContext,
    drafts: Iterable[TransferDraft],
    *,
    actor: str,
    batch_id: int | None,
    reverses_ids: Sequence[int] | None = None,
) -> list[int]:
    posted_at = utcnow()
    rows = []
    last = head.last_hash
    for i, draft in enumerate(drafts):
        rate = ctx.rate(draft)
        row = {
            "date": draft.date,
            "kind": draft.kind,
            "from_id": ctx.entities[draft.from_code].id,
            "to_id": ctx.entities[draft.to_code].id,
            "amount": to_decimal(draft.amount),
            "currency": draft.currency,
            "fx_rate": rate,
            "fx_date": (draft.fx_date or draft.date) if rate is not None else None,
            "amount_cny": ctx.amount_cny(draft),
            "recallable": draft.recallable,
            "reference": draft.reference,
            "memo": draft.memo,
            "reverses_id": None if reverses_ids is None else reverses_ids[i],
            "batch_id": batch_id,
            "posted_by": actor,
            "posted_at": posted_at,
            "prev_hash": last,
        }
        row["hash"] = last = chain_hash(last, row, draft.from_code, draft.to_code)
        rows.append(row)
    if not rows:
        return []
    # A plain executemany, then the new ids by hash: INSERT … RETURNING of many rows makes
    # SQLAlchemy send statements of thousands of parameters, which psycopg re-parses
    # each time (a 100,000-row batch took 4x longer on PostgreSQL). New rows always
    # get ids above the largest one visible now, so the lookup reads only them.
    floor = session.scalar(select(func.max(Transfer.id))) or 0
    session.connection().execute(insert(Transfer.__table__), rows)
    new_ids = dict(
        session.execute(select(Transfer.hash, Transfer.id).where(Transfer.id > floor)).all()
    )
    ids = [new_ids[row["hash"]] for row in rows]
    head.last_hash = last
    head.last_transfer_id = max(ids)
    session.flush()
    return ids


def post_many(
    session: Session,
    drafts: Sequence[TransferDraft],
    *,
    actor: str,
    batch_id: int | None = None,
    first_row: int = 1,
) -> PostOutcome:
    """Post every new draft, skip the ones already posted; any problem → nothing written."""
    head = lock_head(session)
    ctx = PostingContext.load(session, drafts)
    problems, duplicates = validate_batch(ctx, drafts, first_row=first_row)
    if problems:
        raise LedgerError(problems)
    skip = set(duplicates)
    fresh = [d for i, d in enumerate(drafts) if i not in skip]
    ids = _append_rows(session, head, ctx, fresh, actor=actor, batch_id=batch_id)
    return PostOutcome(new=len(ids), duplicates=len(skip), ids=tuple(ids))


def post_transfer(
    session: Session, draft: TransferDraft, *, actor: str, batch_id: int | None = None
) -> Transfer:
    """Append one entry, or raise ``LedgerError`` listing every problem (a repeat included)."""
    head = lock_head(session)
    ctx = PostingContext.load(session, [draft])
    problems, _ = validate_batch(ctx, [draft], duplicates_ok=False)
    if problems:
        raise LedgerError([Problem(p.field, p.message) for p in problems])
    (new_id,) = _append_rows(session, head, ctx, [draft], actor=actor, batch_id=batch_id)
    return session.get(Transfer, new_id)


def reverse_transfer(
    session: Session, transfer_id: int, *, actor: str, date: dt.date, memo: str | None = None
) -> Transfer:
    """Post the entry that cancels ``transfer_id``: same kind and amount, the other way round."""
    (new_id,) = reverse_many(session, [transfer_id], actor=actor, date=date, memo=memo)
    return session.get(Transfer, new_id)


def reverse_many(
    session: Session,
    transfer_ids: Sequence[int],
    *,
    actor: str,
    date: dt.date,
    memo: str | None = None,
) -> list[int]:
    """Reverse every one of ``transfer_ids`` (as ``reverse_transfer`` does), all or nothing.

    The context is read once for the whole list, so reversing an imported batch
    of many entries costs a few queries, not a few per entry.
    """
    head = lock_head(session)
    wanted = list(dict.fromkeys(transfer_ids))
    originals: dict[int, Row] = {}
    already: set[int] = set()
    # Plain rows, not ORM objects: a reversed import batch may hold 100,000 entries.
    columns = (
        Transfer.id,
        Transfer.kind,
        Transfer.from_id,
        Transfer.to_id,
        Transfer.amount,
        Transfer.currency,
        Transfer.recallable,
        Transfer.fx_rate,
        Transfer.fx_date,
        Transfer.reverses_id,
    )
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        originals.update(
            (t.id, t) for t in session.execute(select(*columns).where(Transfer.id.in_(chunk)))
        )
        already.update(
            session.scalars(select(Transfer.reverses_id).where(Transfer.reverses_id.in_(chunk)))
        )
    missing = [i for i in wanted if i not in originals]
    if missing:
        raise NotFoundError([Problem("transfer", f"no transfer #{i}") for i in missing])
    problems = []
    for i in wanted:
        if originals[i].reverses_id is not None:
            problems.append(Problem("transfer", f"#{i} is itself a reversal"))
        elif i in already:
            problems.append(Problem("transfer", f"#{i} is already reversed"))
    if problems:
        raise LedgerError(problems)
    ids = {t.from_id for t in originals.values()} | {t.to_id for t in originals.values()}
    codes: dict[int, str] = {}
    sorted_ids = sorted(ids)
    for start in range(0, len(sorted_ids), CHUNK):
        chunk = sorted_ids[start : start + CHUNK]
        codes.update(
            session.execute(select(Entity.id, Entity.code).where(Entity.id.in_(chunk))).all()
        )
    drafts = []
    for i in wanted:
        original = originals[i]
        drafts.append(
            TransferDraft(
                date=date,
                kind=original.kind,
                from_code=codes[original.to_id],
                to_code=codes[original.from_id],
                amount=original.amount,
                currency=original.currency,
                reference=f"reversal of #{original.id}",
                memo=memo or f"reversal of #{original.id}",
                recallable=original.recallable,
                # The reversal cancels exactly what was booked, at the original's rate.
                fx_rate=original.fx_rate,
                fx_date=original.fx_date,
            )
        )
    ctx = PostingContext.load(session, drafts)
    closed = ctx.closed_quarter(date)
    if closed:
        raise LedgerError(Problem("date", f"{date.isoformat()} lies in {closed}, which is closed"))
    return _append_rows(session, head, ctx, drafts, actor=actor, batch_id=None, reverses_ids=wanted)


def verify_chain(session: Session) -> list[str]:
    """Recompute the hash chain in posting order; each break is reported once."""
    codes = dict(session.execute(select(Entity.id, Entity.code)).all())
    problems = []
    previous = GENESIS_HASH
    columns = [c.key for c in Transfer.__table__.columns]
    for t in session.scalars(select(Transfer).order_by(Transfer.id)).yield_per(2000):
        row = {c: getattr(t, c) for c in columns}
        if t.prev_hash != previous:
            problems.append(f"transfer #{t.id}: chain broken before it (an entry was removed)")
        expected = chain_hash(t.prev_hash, row, codes[t.from_id], codes[t.to_id])
        if expected != t.hash:
            problems.append(f"transfer #{t.id}: its content no longer matches its hash")
        previous = t.hash
    head = session.get(JournalHead, 1)
    if head is not None and head.last_hash != previous:
        problems.append("journal head: the last entries were removed")
    return problems
