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
