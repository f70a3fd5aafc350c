"""Statements as files: reading GP statements, valuations and index series from CSV/XLSX.

Pure parsing and normalising; nothing here touches the database. ``parse_statement``
turns bytes into drafts for the journal, valuations or index levels, with every
problem tied to the file's line number (the header is line 1).
"""

from fundtrack.ledger.statements.reader import Limits
from fundtrack.ledger.statements.rows import (
    AUTO_PREFIX,
    IndexRow,
    ParsedRow,
    Statement,
    derived_reference,
    parse_statement,
)

__all__ = [
    "AUTO_PREFIX",
    "IndexRow",
    "Limits",
    "ParsedRow",
    "Statement",
    "derived_reference",
    "parse_statement",
]
