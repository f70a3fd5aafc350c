"""Creating the database and opening it for the app and the command line."""

from __future__ import annotations

from fundtrack.ledger.chain import lock_head
from fundtrack.ledger.db import Database
from fundtrack.ledger.schema import upgrade


def init_database(db: Database) -> None:
    """Create or upgrade the schema, and the journal head the chain starts from."""
    upgrade(db)
    with db.write() as session:
        lock_head(session)
