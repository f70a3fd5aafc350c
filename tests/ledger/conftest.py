"""The ledger tests' book: two sub-funds, two companies and a manager, nothing posted."""

import pytest

from fundtrack.ledger.entities import add_entity


@pytest.fixture
def book(db):
    """Two sub-funds, two companies and a manager; nothing posted."""
    with db.write() as s:
        for code, kind in (
            ("SF1", "subfund"),
            ("SF2", "subfund"),
            ("CO1", "company"),
            ("CO2", "company"),
            ("MGR", "manager"),
        ):
            add_entity(s, code=code, kind=kind, name=code, actor="t")
    return db
