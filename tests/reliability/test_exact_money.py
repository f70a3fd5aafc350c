"""Item 5: amounts stay exact from a statement file through the journal to the export.

(The column round trip, SQL sums and pro-rata splits are proved in
tests/ledger/test_money.py; this follows the same amounts through the import and
export paths on both databases.)
"""

from __future__ import annotations

import csv
from decimal import Decimal

from fundtrack.ledger.money import allocate
from fundtrack.services.exports import export_journal
from fundtrack.services.imports import commit_import

HEADER = "date,type,from,to,amount,currency,reference,memo"
AMOUNTS = ["1000000000000000", "1234567890123456.789", "0.005", "9223372036854775.807"]


def test_big_and_tiny_amounts_imported_from_csv_export_exactly(demo_db, tmp_path, transfers):
    rows = [
        f"2026-10-10,investment,SF-DIGITAL,CO-SUANLI,{a},CNY,EXACT-{i},"
        for i, a in enumerate(AMOUNTS)
    ]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    result = commit_import(demo_db, "exact.csv", data, "admin")
    assert result.new == len(AMOUNTS)

    count, total = transfers(demo_db, batch_id=result.batch_id)
    assert count == len(AMOUNTS)
    assert total == sum(Decimal(a) for a in AMOUNTS)

    out = tmp_path / "journal.csv"
    export_journal(demo_db, out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        exported = {r["reference"]: r["amount"] for r in csv.DictReader(handle) if r["reference"]}
    for i, amount in enumerate(AMOUNTS):
        # Printed exactly: no float, no exponent, no digit lost or added.
        assert Decimal(exported[f"EXACT-{i}"]) == Decimal(amount)
        assert "e" not in exported[f"EXACT-{i}"].lower()

    # The export imports back as duplicates only: nothing drifted on the way.
    again = commit_import(demo_db, "journal.csv", out.read_bytes(), "admin")
    assert again.new == 0


def test_pro_rata_split_of_a_huge_call_posts_parts_that_sum_exactly(demo_db, transfers):
    """A 10^15 + 0.01 distribution split over three LPs by awkward weights, through import."""
    total = Decimal("1000000000000000.01")
    parts = allocate(total, [Decimal(1), Decimal(1), Decimal(1)])
    assert sum(parts) == total
    rows = [
        f"2026-10-12,distribution,PARENT,{lp},{p},CNY,SPLIT-{lp},"
        for lp, p in zip(("LP-FISCAL", "LP-SOE", "LP-PRIVATE"), parts, strict=True)
    ]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    result = commit_import(demo_db, "split.csv", data, "admin")
    assert transfers(demo_db, batch_id=result.batch_id) == (3, total)
