"""The ledger: schema, integrity rules and the queries that hand DataFrames upward."""

from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, NotFoundError, Problem

__all__ = ["Database", "LedgerError", "NotFoundError", "Problem"]
