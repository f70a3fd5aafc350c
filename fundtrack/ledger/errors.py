"""Errors the ledger hands back: each names the field (and, in imports, the row) at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an entry, as a value (validation passes collect these)."""

    field: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class LedgerError(ValueError):
    """An entry the ledger refuses; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem] | Problem | str, field: str = "entry"):
        if isinstance(problems, str):
            problems = [Problem(field, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class NotFoundError(LedgerError):
    """A code or id that names nothing in the ledger."""


class UnavailableError(LedgerError):
    """The database could not take the change just now; it wrote nothing."""


class BusyError(UnavailableError):
    """Another writer held the ledger longer than we wait: nothing was written; try again."""

    def __init__(self, detail: str = ""):
        message = "the database is busy with another change; nothing was saved — try again"
        super().__init__(Problem("database", f"{message} ({detail})" if detail else message))


class StorageFullError(UnavailableError):
    """The database could not write its files (disk full or failing): rolled back."""

    def __init__(self, detail: str = ""):
        message = "the database could not write: its disk is full or failing; nothing was saved"
        super().__init__(Problem("database", f"{message} ({detail})" if detail else message))
