"""From cells to drafts: one pass over a statement, every problem kept with its line.

Pure: no database. The ledger's own rules (entities exist, routes, commitments,
closed quarters) are checked later, when the drafts are posted.

A transfer without a reference gets a derived one, ``auto-`` and a digest of its
date, type, parties, amount and currency, so re-importing the same row is
recognised as a duplicate. Two rows identical in all of those and without a
reference are refused: they may be two real payments or one typed twice, and
only the statement's author knows, so the import asks for references.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.journal import TransferDraft
from fundtrack.ledger.money import REPORTING_CURRENCY
from fundtrack.ledger.statements.amounts import AmountError, parse_amount
from fundtrack.ledger.statements.dates import DateError, parse_date
from fundtrack.ledger.statements.headers import (
    KINDS,
    canonical_column,
    detect_kind,
    flag,
    transfer_kind,
)
from fundtrack.ledger.statements.reader import Limits, read_table
from fundtrack.ledger.valuations import ValuationDraft

#: A cell that starts with one of these was neutralised by an export (a leading ``'``).
NEUTRALISED = ("=", "+", "-", "@", "\t", "\r", "'")
TEXT_LIMITS = {"reference": 120, "memo": 500, "source": 200}
AUTO_PREFIX = "auto-"
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class IndexRow:
    date: dt.date
    index_code: str
    level: Decimal


Draft = TransferDraft | ValuationDraft | IndexRow


@dataclass(frozen=True)
class ParsedRow:
    line: int
    draft: Draft
    #: transfers: True when the reference was derived, not in the file.
    derived_reference: bool = False


@dataclass
class Statement:
    """A parsed file: its kind, the rows that parsed and every problem found."""

    filename: str
    kind: str | None = None
    format: str | None = None
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0


def derived_reference(draft: TransferDraft) -> str:
    # Normalised (1234.50 → 1234.5), so the key does not depend on how it was written.
    amount = format(Decimal(draft.amount).normalize(), "f")
    content = "|".join(
        (draft.date.isoformat(), draft.kind, draft.from_code, draft.to_code, amount, draft.currency)
    )
    return AUTO_PREFIX + hashlib.sha256(content.encode()).hexdigest()[:20]


def text(value: object) -> str:
    """A cell as text, with an export's neutralising ``'`` taken off again."""
    if type(value) is str:
        result = value.strip()
        if len(result) > 1 and result[0] == "'" and result[1] in NEUTRALISED:
            result = result[1:]
        return result
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    result = str(value).strip()
    if len(result) > 1 and result[0] == "'" and result[1] in NEUTRALISED:
        result = result[1:]
    return result


class _Row:
    """One row's cells by canonical column, collecting problems as they are found."""

    def __init__(self, line: int, cells: dict[str, object]):
        self.line = line
        self.cells = cells
        self.problems: list[Problem] = []

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(column, message, self.line))

    def text(self, column: str, *, required: bool = False) -> str:
        value = text(self.cells.get(column))
        if required and not value:
            self.fail(column, "a value is required")
        limit = TEXT_LIMITS.get(column)
        if limit and len(value) > limit:
            self.fail(column, f"longer than {limit} characters")
        return value

    def date(self, column: str = "date", *, required: bool = True) -> dt.date | None:
        value = self.cells.get(column)
        if not required and text(value) == "":
            return None
        try:
            return parse_date(value)
        except DateError as exc:
            self.fail(column, str(exc))
            return None

    def amount(self, column: str, **options) -> Decimal | None:
        try:
            return parse_amount(self.cells.get(column), **options)
        except AmountError as exc:
            self.fail(column, str(exc))
            return None

    def currency(self) -> str:
        return self.text("currency").upper() or REPORTING_CURRENCY


def _transfer(row: _Row) -> ParsedRow | None:
    day = row.date()
    raw_type = row.text("type", required=True)
    kind = transfer_kind(raw_type)
    if raw_type and kind is None:
        row.fail("type", f"{raw_type!r} is not a transfer type (contribution/出资, 分配, 投资…)")
    source, destination = row.text("from", required=True), row.text("to", required=True)
    amount = row.amount("amount", allow_negative=True)
    if amount is not None and amount < 0:
        row.fail("amount", f"{amount} is negative: a transfer's amount is positive; swap from/to")
    recallable = flag(row.cells.get("recallable"))
    if recallable is None:
        row.fail("recallable", f"{text(row.cells.get('recallable'))!r} is not yes/no")
    fx_rate = fx_date = None
    if text(row.cells.get("fx_rate")):
        fx_rate = row.amount("fx_rate", units=False)
        fx_date = row.date("fx_date", required=False)
    reference, memo = row.text("reference"), row.text("memo")
    if row.problems:
        return None
    draft = TransferDraft(
        date=day,
        kind=kind,
        from_code=source,
        to_code=destination,
        amount=amount,
        currency=row.currency(),
        reference=reference or None,
        memo=memo or None,
        recallable=bool(recallable),
        fx_rate=fx_rate,
        fx_date=fx_date,
    )
    if reference:
        return ParsedRow(row.line, draft)
    derived = TransferDraft(**{**draft.__dict__, "reference": derived_reference(draft)})
    return ParsedRow(row.line, derived, derived_reference=True)


def _valuation(row: _Row) -> ParsedRow | None:
    day = row.date()
    entity = row.text("entity", required=True)
    value = row.amount("value", allow_negative=True)
    holder, source = row.text("holder"), row.text("source")
    if row.problems:
        return None
    draft = ValuationDraft(
        date=day,
        entity_code=entity,
        value=value,
        holder_code=holder or None,
        currency=row.currency(),
        source=source or None,
    )
    return ParsedRow(row.line, draft)


def _index(row: _Row) -> ParsedRow | None:
    day = row.date()
    code = row.text("index", required=True)
    level = row.amount("level", units=False)
    if row.problems:
        return None
    return ParsedRow(row.line, IndexRow(day, code, level))


_BUILDERS: dict[str, Callable[[_Row], ParsedRow | None]] = {
    "transactions": _transfer,
    "valuations": _valuation,
    "index": _index,
}


def _columns(statement: Statement, header: list[object]) -> dict[int, str] | None:
    """Map column positions to canonical names, or record why the header is unusable."""
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    problems = statement.problems
    for i, name in enumerate(header):
        if text(name) == "":
            continue
        column = canonical_column(name)
        if column is None:
            problems.append(Problem(text(name), "unknown column", 1))
            continue
        if column in seen:
            problems.append(Problem(text(name), f"same column as {header[seen[column]]!r}", 1))
            continue
        seen[column] = i
        positions[i] = column
    kind, missing = detect_kind(set(positions.values()))
    if kind is None:
        what = f"missing {', '.join(missing)}" if missing else "no known set of columns"
        problems.append(
            Problem("header", f"not a transactions, valuations or index file ({what})", 1)
        )
        return None
    statement.kind = kind
    allowed = set(KINDS[kind][0]) | set(KINDS[kind][1])
    for i, column in list(positions.items()):
        if column not in allowed:
            problems.append(Problem(text(header[i]), f"not a column of a {kind} file", 1))
    return positions


def _flag_clashes(statement: Statement) -> None:
    """Refuse rows that share a reference (given or derived) with an earlier, different row.

    Rows identical to an earlier one with the same given reference are kept: the
    ledger counts them as duplicates. Refused rows leave ``rows``, so the ledger
    checks only rows that could be posted.
    """
    earlier: dict[tuple[str, str, str], ParsedRow] = {}
    kept = []
    for parsed in statement.rows:
        d = parsed.draft
        key = (d.from_code, d.to_code, d.reference)
        first = earlier.setdefault(key, parsed)
        if first is parsed or (first.draft == d and not parsed.derived_reference):
            kept.append(parsed)
        elif parsed.derived_reference:
            statement.problems.append(
                Problem(
                    "reference",
                    f"same date, type, parties and amount as line {first.line} and neither has "
                    "a reference: give each its own reference (凭证号) if both are real",
                    parsed.line,
                )
            )
        else:
            statement.problems.append(
                Problem(
                    "reference",
                    f"{d.reference!r} also stands on line {first.line} with other content",
                    parsed.line,
                )
            )
    statement.rows = kept


def _cells_by_column(
    statement: Statement,
    header: list[object],
    positions: dict[int, str],
    line: int,
    cells: list[object],
) -> dict[str, object]:
    by_column = {}
    for i, value in enumerate(cells):
        if i in positions:
            by_column[positions[i]] = value
        elif text(value) and (i >= len(header) or text(header[i]) == ""):
            statement.problems.append(
                Problem(f"column {i + 1}", "a value in a column without a name", line)
            )
    return by_column


def parse_statement(
    filename: str,
    data: bytes,
    limits: Limits | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Statement:
    """Read and check every row of a statement; nothing is raised, problems are kept."""
    statement = Statement(filename)
    try:
        table = read_table(filename, data, limits)
        statement.format = table.format
        positions = _columns(statement, table.header)
        if positions is None:
            return statement
        build = _BUILDERS[statement.kind]
        # When every column up to the row's last cell has a known name, the cells map
        # straight onto the names; otherwise each cell is looked at on its own.
        names = [positions.get(i) for i in range(len(table.header))]
        named = len(names) if None not in names else names.index(None)
        for line, cells in table.rows:
            statement.rows_read += 1
            if len(cells) <= named:
                by_column = dict(zip(names, cells, strict=False))
            else:
                by_column = _cells_by_column(statement, table.header, positions, line, cells)
            row = _Row(line, by_column)
            parsed = build(row)
            statement.problems.extend(row.problems)
            if parsed is not None:
                statement.rows.append(parsed)
            if progress and statement.rows_read % PROGRESS_EVERY == 0:
                progress("read", statement.rows_read)
    except LedgerError as error:
        statement.problems.extend(error.problems)
    if progress:
        progress("read", statement.rows_read)
    if statement.kind == "transactions":
        _flag_clashes(statement)
    statement.problems.sort(key=lambda p: p.row or 0)
    return statement
