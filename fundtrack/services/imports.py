"""Importing statements: preview, commit as one recorded batch, and reverse a batch.

The flow the CLI and the web wizard share: ``preview_import`` parses the file and
runs every ledger check inside a transaction that is rolled back, so it shows
exactly what ``commit_import`` would do. ``commit_import`` records an
``ImportBatch`` (committed on its own, so a failure stays visible), posts every
row in one transaction, and marks the batch committed — or, on any problem,
writes nothing and marks the batch failed in a separate transaction.

Duplicates: a transfer whose (from, to, reference) is already in the journal
with the same date, type, amount and currency is a duplicate and is skipped. A
row without a reference is keyed by a derived reference (see
``fundtrack.ledger.statements.rows``); it also matches a journal entry posted
without a reference (e.g. typed in a form) with the same content. Entries of a
reversed batch still count as posted: a corrected statement needs new references.

Abandoned batches: a process killed while importing (SIGKILL, power loss) leaves
its batch ``running`` with nothing posted — the rows were in one transaction that
never committed. The posting transaction holds a lock on its own batch row, so
the next ``commit_import`` marks every ``running`` batch whose row it can lock
(on SQLite: every one, since it holds the single writer lock) and that is older
than ``ABANDONED_AFTER`` as failed, in the same transaction that opens its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, text, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from fundtrack.ledger import audit
from fundtrack.ledger.benchmarks import add_index_levels
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem
from fundtrack.ledger.journal import post_many, reverse_many
from fundtrack.ledger.models import ImportBatch, Transfer, utcnow
from fundtrack.ledger.periods import today
from fundtrack.ledger.rules import (
    CHUNK,
    REFERENCE_COLUMNS,
    entities_by_code,
    transfers_by_reference,
)
from fundtrack.ledger.statements import IndexRow, Limits, ParsedRow, Statement, parse_statement
from fundtrack.ledger.valuations import post_valuations

#: SQLite page cache while an import posts (KiB; allocated only as pages are used).
IMPORT_CACHE_KIB = 256 * 1024
#: How many parsed rows a preview carries for display.
PREVIEW_ROWS = 50
#: A running batch this old whose transaction is gone was abandoned (covers the short
#: gap between recording a batch and its posting transaction taking the batch's lock).
ABANDONED_AFTER = dt.timedelta(minutes=2)
#: progress(stage, count): stage is "read", "validated" or "written".
Progress = Callable[[str, int], None]


@dataclass
class ImportPreview:
    """What an import would do; ``ok`` when it may be committed."""

    filename: str
    sha256: str
    kind: str | None
    rows_read: int
    new: int
    duplicates: int
    problems: list[Problem] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    filename: str
    kind: str
    rows_read: int
    new: int
    duplicates: int

    def describe(self) -> str:
        return f"{self.new:,} new, {self.duplicates:,} duplicates"


@dataclass(frozen=True)
class ReversalResult:
    batch_id: int
    reversed: int
    transfer_ids: tuple[int, ...]


class ImportFailedError(LedgerError):
    """The import wrote nothing; ``problems`` lists every bad row, ``batch_id`` the failed batch."""

    def __init__(self, problems: list[Problem], batch_id: int | None = None):
        super().__init__(problems)
        self.batch_id = batch_id


class _RollbackError(Exception):
    """Raised inside a write transaction to undo it (a dry run, or a run with problems)."""


def preview_import(
    db: Database,
    filename: str,
    data: bytes,
    actor: str,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ImportPreview:
    """Parse and check ``data`` against the ledger without writing anything."""
    with bulk_work():
        statement = parse_statement(filename, data, limits, progress)
        new, duplicates, problems = _run(db, statement, actor, batch_id=None, write=False)
    return ImportPreview(
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=statement.kind,
        rows_read=statement.rows_read,
        new=new,
        duplicates=duplicates,
        problems=problems,
        rows=[display_row(r) for r in statement.rows[:PREVIEW_ROWS]],
    )


def commit_import(
    db: Database,
    filename: str,
    data: bytes,
    actor: str,
    *,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Import ``data`` as one batch; on any problem raise ``ImportFailedError``, write nothing."""
    with bulk_work():
        return _commit(db, filename, data, actor, progress=progress, limits=limits)


def _commit(
    db: Database,
    filename: str,
    data: bytes,
    actor: str,
    *,
    progress: Progress | None,
    limits: Limits | None,
) -> ImportResult:
    digest = hashlib.sha256(data).hexdigest()
    statement = parse_statement(filename, data, limits, progress)
    with db.write() as session:
        fail_abandoned(session, actor)
        batch = ImportBatch(
            filename=filename[-255:],
            sha256=digest,
            kind=statement.kind or "unknown",
            status="running",
            created_by=actor,
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    try:
        new, duplicates, problems = _run(
            db, statement, actor, batch_id=batch_id, write=True, progress=progress
        )
    except Exception as exc:
        # If even this write fails (disk full, busy), the batch stays ``running`` and
        # the next import marks it failed as abandoned; the original error is raised.
        with contextlib.suppress(SQLAlchemyError, LedgerError):
            _mark_failed(db, batch_id, actor, [Problem("import", f"{type(exc).__name__}: {exc}")])
        raise
    if problems:
        _mark_failed(db, batch_id, actor, problems)
        raise ImportFailedError(problems, batch_id)
    return ImportResult(batch_id, filename, statement.kind, statement.rows_read, new, duplicates)


def _run(
    db: Database,
    statement: Statement,
    actor: str,
    *,
    batch_id: int | None,
    write: bool,
    progress: Progress | None = None,
) -> tuple[int, int, list[Problem]]:
    """Check (and with ``write`` post) the parsed rows; (new, duplicates, problems).

    The ledger checks run even when parsing found problems, so one pass lists
    every bad row; the transaction is then rolled back.
    """
    problems = list(statement.problems)
    new = duplicates = 0
    if statement.kind is None:
        return new, duplicates, problems
    try:
        with db.write() as session, _large_cache(session):
            if batch_id is not None:
                # Held until commit: tells ``fail_abandoned`` this batch is alive.
                session.get(ImportBatch, batch_id, with_for_update=True)
            try:
                new, duplicates = _post(session, statement, actor, batch_id)
            except LedgerError as error:
                problems.extend(error.problems)
            if problems or not write:
                raise _RollbackError
            if progress:
                progress("validated", len(statement.rows))
                progress("written", new)
            batch = session.get(ImportBatch, batch_id)
            batch.status = "committed"
            batch.rows_new, batch.rows_duplicate = new, duplicates
            batch.finished_at = utcnow()
            audit.record(
                session,
                actor,
                "import.commit",
                "import_batch",
                batch_id,
                filename=statement.filename,
                kind=statement.kind,
                new=new,
                duplicates=duplicates,
            )
    except _RollbackError:
        pass
    else:
        if new >= BULK_ROWS:
            db.refresh_statistics()
    problems.sort(key=lambda p: p.row or 0)
    return new, duplicates, problems


#: A batch of this many new rows or more has the planner's statistics refreshed after it.
BULK_ROWS = 10_000


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Pause Python's cycle collector while a statement of up to 200,000 rows is handled.

    The rows, drafts and journal rows are hundreds of thousands of live containers,
    which the collector would scan over and over as they pile up (about a fifth of
    a 100,000-row import's time) without finding garbage: they are all in use.
    Memory is still freed by reference counting; the collector resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _large_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache big enough for a large batch's index pages while it posts.

    The default (2 MB) makes every row's index updates go back to the file, which
    makes inserting 100,000 rows several times slower; the cache is set back after.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.execute(text(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}"))
    try:
        yield
    finally:
        if sqlite:
            # After a failed statement the transaction may refuse this; the pooled
            # connection then keeps the larger cache, which is harmless.
            with contextlib.suppress(SQLAlchemyError):
                session.execute(text("PRAGMA cache_size=-2000"))


def fail_abandoned(session: Session, actor: str, now: dt.datetime | None = None) -> list[int]:
    """Mark ``running`` batches whose importing transaction is gone as failed; their ids.

    Called inside a write transaction: on SQLite that holds the only writer lock,
    so no other import is posting; on PostgreSQL a live import holds its batch
    row, which ``SKIP LOCKED`` passes over.
    """
    cutoff = (now or utcnow()) - ABANDONED_AFTER
    stale = session.scalars(
        select(ImportBatch)
        .where(ImportBatch.status == "running", ImportBatch.created_at < cutoff)
        .order_by(ImportBatch.id)
        .with_for_update(skip_locked=True)
    ).all()
    for batch in stale:
        batch.status = "failed"
        batch.error = "abandoned: the importing process stopped before committing; nothing posted"
        batch.finished_at = utcnow()
        audit.record(session, actor, "import.abandoned", "import_batch", batch.id)
    return [b.id for b in stale]


def _mark_failed(db: Database, batch_id: int, actor: str, problems: list[Problem]) -> None:
    shown = [str(p) for p in problems[:100]]
    if len(problems) > 100:
        shown.append(f"… and {len(problems) - 100:,} more")
    with db.write() as session:
        batch = session.get(ImportBatch, batch_id)
        batch.status = "failed"
        batch.error = "\n".join(shown)
        batch.finished_at = utcnow()
        audit.record(
            session, actor, "import.failed", "import_batch", batch_id, problems=len(problems)
        )


def _at_lines(error: LedgerError, lines: Sequence[int]) -> LedgerError:
    """The ledger numbers rows from 0 here; give each problem its line in the file."""
    return LedgerError(
        [
            Problem(p.field, p.message, None if p.row is None else lines[p.row])
            for p in error.problems
        ]
    )


def _post(
    session: Session, statement: Statement, actor: str, batch_id: int | None
) -> tuple[int, int]:
    rows = statement.rows
    if statement.kind == "transactions":
        return _post_transfers(session, rows, actor, batch_id)
    if statement.kind == "valuations":
        try:
            return post_valuations(
                session, [r.draft for r in rows], actor=actor, batch_id=batch_id, first_row=0
            )
        except LedgerError as error:
            raise _at_lines(error, [r.line for r in rows]) from None
    return _post_index(session, rows, batch_id)


def _post_transfers(
    session: Session, rows: list[ParsedRow], actor: str, batch_id: int | None
) -> tuple[int, int]:
    posted = already_posted(session, rows)
    pending = [r for i, r in enumerate(rows) if i not in posted]
    try:
        outcome = post_many(
            session, [r.draft for r in pending], actor=actor, batch_id=batch_id, first_row=0
        )
    except LedgerError as error:
        raise _at_lines(error, [r.line for r in pending]) from None
    return outcome.new, len(posted) + outcome.duplicates


def _content(day: dt.date, kind: str, amount: Decimal, currency: str) -> tuple:
    return (day, kind, Decimal(amount), currency)


def already_posted(session: Session, rows: list[ParsedRow]) -> set[int]:
    """Indexes of rows the journal holds already with the same content.

    Found before the ledger's checks so that a statement re-imported after its
    quarter closed, or holding reversal entries (as an export does), still
    comes out as duplicates instead of as closed-period or route errors.
    """
    entities = entities_by_code(
        session, [r.draft.from_code for r in rows] + [r.draft.to_code for r in rows]
    )
    keyed: dict[tuple[int, int, str], int] = {}
    for i, r in enumerate(rows):
        d = r.draft
        if d.from_code in entities and d.to_code in entities:
            keyed.setdefault((entities[d.from_code].id, entities[d.to_code].id, d.reference), i)
    found: set[int] = set()
    for t in transfers_by_reference(session, keyed, REFERENCE_COLUMNS):
        i = keyed.get((t.from_id, t.to_id, t.reference))
        if i is None:
            continue
        d = rows[i].draft
        if _content(t.date, t.kind, t.amount, t.currency) == _content(
            d.date, d.kind, d.amount, d.currency
        ):
            found.add(i)
    unreferenced = [
        (i, k) for k, i in keyed.items() if i not in found and rows[i].derived_reference
    ]
    if unreferenced:
        found.update(_match_unreferenced(session, rows, unreferenced))
    return found


def _match_unreferenced(session, rows, candidates) -> set[int]:
    """Rows without a reference that match journal entries posted without one."""
    pairs = sorted({(k[0], k[1]) for _, k in candidates})
    stock: Counter = Counter()
    for start in range(0, len(pairs), CHUNK):
        query = select(
            Transfer.from_id,
            Transfer.to_id,
            Transfer.date,
            Transfer.kind,
            Transfer.amount,
            Transfer.currency,
        ).where(
            Transfer.reference.is_(None),
            tuple_(Transfer.from_id, Transfer.to_id).in_(pairs[start : start + CHUNK]),
        )
        for t in session.execute(query):
            stock[(t.from_id, t.to_id, *_content(t.date, t.kind, t.amount, t.currency))] += 1
    found = set()
    for i, k in candidates:
        d = rows[i].draft
        key = (k[0], k[1], *_content(d.date, d.kind, d.amount, d.currency))
        if stock[key] > 0:
            stock[key] -= 1
            found.add(i)
    return found


def _post_index(session: Session, rows: list[ParsedRow], batch_id: int | None) -> tuple[int, int]:
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for r in rows:
        groups[r.draft.index_code].append(r)
    problems: list[Problem] = []
    new = duplicates = 0
    for code, group in groups.items():
        try:
            added, same = add_index_levels(
                session,
                code,
                [(r.draft.date, r.draft.level) for r in group],
                batch_id=batch_id,
                first_row=0,
            )
            new, duplicates = new + added, duplicates + same
        except LedgerError as error:
            problems.extend(_at_lines(error, [r.line for r in group]).problems)
    if problems:
        raise LedgerError(problems)
    return new, duplicates


def display_row(row: ParsedRow) -> dict:
    """A parsed row for the preview table (money stays Decimal; templates format it)."""
    d = row.draft
    if isinstance(d, IndexRow):
        return {"line": row.line, "date": d.date, "index": d.index_code, "level": d.level}
    if hasattr(d, "entity_code"):
        return {
            "line": row.line,
            "date": d.date,
            "entity": d.entity_code,
            "holder": d.holder_code,
            "value": d.value,
            "currency": d.currency,
            "source": d.source,
        }
    return {
        "line": row.line,
        "date": d.date,
        "type": d.kind,
        "from": d.from_code,
        "to": d.to_code,
        "amount": d.amount,
        "currency": d.currency,
        "reference": None if row.derived_reference else d.reference,
        "memo": d.memo,
        "recallable": d.recallable,
    }


def reverse_batch(
    db: Database, batch_id: int, actor: str, date: dt.date | None = None
) -> ReversalResult:
    """Reverse every entry a committed transactions batch posted, dated ``date`` (today)."""
    day = date or today()
    with bulk_work(), db.write() as session:
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise NotFoundError(Problem("batch", f"no import batch #{batch_id}"))
        if batch.status != "committed":
            raise LedgerError(
                Problem("batch", f"batch #{batch_id} is {batch.status}; only a committed one")
            )
        if batch.kind != "transactions":
            raise LedgerError(
                Problem(
                    "batch",
                    f"batch #{batch_id} holds {batch.kind}, not journal entries: "
                    "import a corrected statement instead",
                )
            )
        posted = list(
            session.scalars(
                select(Transfer.id).where(Transfer.batch_id == batch_id).order_by(Transfer.id)
            )
        )
        done = set()
        for start in range(0, len(posted), CHUNK):
            done.update(
                session.scalars(
                    select(Transfer.reverses_id).where(
                        Transfer.reverses_id.in_(posted[start : start + CHUNK])
                    )
                )
            )
        ids = reverse_many(session, [i for i in posted if i not in done], actor=actor, date=day)
        batch.status = "reversed"
        audit.record(
            session, actor, "import.reverse", "import_batch", batch_id, reversed=len(ids), date=day
        )
    return ReversalResult(batch_id, len(ids), tuple(ids))


def list_batches(db: Database, limit: int = 50) -> list[dict]:
    """The latest import batches, newest first (for the import page)."""
    with db.read() as session:
        batches = session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
        return [
            {
                "id": b.id,
                "filename": b.filename,
                "sha256": b.sha256,
                "kind": b.kind,
                "status": b.status,
                "new": b.rows_new,
                "duplicates": b.rows_duplicate,
                "created_at": b.created_at,
                "created_by": b.created_by,
                "finished_at": b.finished_at,
                "error": b.error,
            }
            for b in batches
        ]
