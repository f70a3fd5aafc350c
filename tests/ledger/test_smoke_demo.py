"""The demo portfolio loads on both databases, and loading it twice adds nothing."""

from sqlalchemy import func, select

from fundtrack.ledger.models import Transfer, Valuation
from fundtrack.services.demo import load_demo


def test_demo_twice_equals_once(db):
    first = load_demo(db, progress=lambda _m: None)
    with db.read() as s:
        counts = (
            s.scalar(select(func.count(Transfer.id))),
            s.scalar(select(func.count(Valuation.id))),
        )
    second = load_demo(db, progress=lambda _m: None)
    with db.read() as s:
        again = (
            s.scalar(select(func.count(Transfer.id))),
            s.scalar(select(func.count(Valuation.id))),
        )
    assert first.loaded
    assert not second.loaded
    assert counts == again
    assert counts[0] == first.counts["transfers"] > 100
