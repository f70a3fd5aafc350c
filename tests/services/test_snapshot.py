"""The snapshot's figures, checked against the ledger's raw rows and an independent XIRR.

Expected values are computed here from the journal itself (plain SQL sums, pyxirr),
not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal

import pytest
import pyxirr
import sqlalchemy as sa

from fundtrack.ledger.journal import TransferDraft, post_transfer
from fundtrack.ledger.models import Entity, Transfer, Valuation
from fundtrack.services.snapshot import build_snapshot

AS_OF = dt.date(2026, 9, 30)


def raw_flows(db, investor_kind, fund, as_of):
    """(date, signed amount) of transfers between ``fund`` and its investors of one kind."""
    src, dst = sa.orm.aliased(Entity), sa.orm.aliased(Entity)
    with db.read() as s:
        rows = s.execute(
            sa.select(Transfer.date, Transfer.amount_cny, src.kind, src.code, dst.kind, dst.code)
            .join(src, src.id == Transfer.from_id)
            .join(dst, dst.id == Transfer.to_id)
            .where(Transfer.date <= as_of)
        ).all()
    out = []
    for day, amount, s_kind, s_code, d_kind, d_code in rows:
        if s_kind == investor_kind and d_code == fund:
            out.append((day, -amount))
        elif d_kind == investor_kind and s_code == fund:
            out.append((day, amount))
    return out


def walk(value, path="snapshot"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, value


@pytest.fixture
def snapshot(demo_db):
    return build_snapshot(demo_db, AS_OF)


def test_parent_kpis_match_the_journal_and_pyxirr(demo_db, snapshot):
    flows = raw_flows(demo_db, "lp", "PARENT", AS_OF)
    paid = -sum((a for _, a in flows if a < 0), Decimal(0))
    distributed = sum((a for _, a in flows if a > 0), Decimal(0))
    k = snapshot.kpis
    assert k["paid_in"] == paid
    assert k["distributed"] == distributed
    assert k["committed"] == Decimal(3_000_000_000)
    # NAV: the last statement (2026-06-30) rolled forward by the flows after it.
    with demo_db.read() as s:
        parent_id = s.scalar(sa.select(Entity.id).where(Entity.code == "PARENT"))
        last = s.execute(
            sa.select(Valuation.date, Valuation.value)
            .where(Valuation.entity_id == parent_id, Valuation.date <= AS_OF)
            .order_by(Valuation.date.desc())
        ).first()
    after = sum((a for d, a in flows if d > last.date), Decimal(0))
    assert k["nav_date"] == last.date
    assert k["nav_age_days"] == (AS_OF - last.date).days
    assert k["nav"] == (last.value - after).quantize(Decimal("0.01"))
    expected_irr = pyxirr.xirr(
        [d for d, _ in flows] + [AS_OF], [float(a) for _, a in flows] + [float(k["nav"])]
    )
    assert k["irr"] == pytest.approx(expected_irr, abs=1e-9)
    assert k["dpi"] == pytest.approx(float(distributed / paid))
    assert k["tvpi"] == pytest.approx(float((distributed + k["nav"]) / paid))
    assert k["undrawn"] == k["committed"] - paid


def test_parent_in_subfund_irr_matches_pyxirr(demo_db, snapshot):
    for row in snapshot.subfunds:
        flows = raw_flows(demo_db, "parent", row["code"], AS_OF)
        expected = pyxirr.xirr(
            [d for d, _ in flows] + [AS_OF], [float(a) for _, a in flows] + [float(row["nav"])]
        )
        assert row["irr"] == pytest.approx(expected, abs=1e-9), row["code"]
        assert row["paid_in"] == -sum((a for _, a in flows if a < 0), Decimal(0))


def test_no_nan_or_infinity_anywhere_and_json_safe(snapshot):
    for path, value in walk(snapshot.to_dict()):
        if isinstance(value, float):
            assert math.isfinite(value), path
        assert not (isinstance(value, str) and value.lower() in {"nan", "inf", "-inf"}), path
    json.dumps(snapshot.to_dict(), allow_nan=False)


def test_lp_paid_in_adds_up_to_the_fund(snapshot):
    assert sum(r["paid_in"] for r in snapshot.lps) == snapshot.kpis["paid_in"]
    assert sum(r["committed"] for r in snapshot.lps) == snapshot.kpis["committed"]


def test_exposure_shares_add_up_and_multi_held_companies_are_flagged(snapshot):
    exposure = snapshot.exposure
    for key in ("by_sector", "by_region", "by_stage", "by_subfund"):
        assert sum(r["share"] for r in exposure[key]) == pytest.approx(1.0)
    flagged = {r["code"] for r in exposure["multi_held"]}
    # The demo puts these three companies in two sub-funds each (demo_portfolio.ALLOCATION).
    assert {"CO-CHELIAN", "CO-SHULIAN", "CO-CHUNENG"} <= flagged


def test_a_new_capital_call_moves_the_kpis(demo_db):
    before = build_snapshot(demo_db, AS_OF).kpis
    with demo_db.write() as s:
        post_transfer(
            s,
            TransferDraft(
                dt.date(2026, 9, 15),
                "contribution",
                "LP-FISCAL",
                "PARENT",
                Decimal("12345678.90"),
                reference="T-CALL",
            ),
            actor="test",
        )
    after = build_snapshot(demo_db, AS_OF).kpis
    assert after["paid_in"] - before["paid_in"] == Decimal("12345678.90")
    assert after["nav"] - before["nav"] == Decimal("12345678.90")  # rolled forward


def test_the_snapshot_as_of_an_earlier_date_ignores_later_entries(demo_db):
    early = build_snapshot(demo_db, dt.date(2025, 6, 30))
    flows = raw_flows(demo_db, "lp", "PARENT", dt.date(2025, 6, 30))
    assert early.kpis["paid_in"] == -sum((a for _, a in flows if a < 0), Decimal(0))
    assert early.quarter == "2025Q2"
    assert early.kpis_prev["nav_date"] <= dt.date(2025, 3, 31)
