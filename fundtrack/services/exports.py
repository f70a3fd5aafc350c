"""Exports: the journal as CSV in the import format, so the file imports back as duplicates;
the quarter's ILPA-style performance workbook (XLSX) built from the snapshot.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``,
a tab or a carriage return) get a leading ``'``; so does text that already
starts with ``'``, which keeps the round trip exact: the importer takes one
leading ``'`` off such cells again (text columns only, never amounts or dates).
The workbook's text cells go through the same ``neutralise``.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.ledger import frames
from fundtrack.ledger.db import Database
from fundtrack.ledger.errors import LedgerError, Problem
from fundtrack.ledger.frames.common import flow_rows
from fundtrack.ledger.models import Entity, Transfer
from fundtrack.ledger.money import REPORTING_CURRENCY
from fundtrack.ledger.periods import parse_quarter
from fundtrack.reporting.workbook import build_workbook, neutralise

JOURNAL_COLUMNS = (
    "date",
    "type",
    "from",
    "to",
    "amount",
    "currency",
    "reference",
    "memo",
    "recallable",
    "fx_rate",
    "fx_date",
)


def plain_amount(value: Decimal) -> str:
    """``1234.5000`` → ``1234.50``: cents always, further digits only when there are some."""
    cents = value.quantize(Decimal("0.01"))
    return format(cents if cents == value else value.normalize(), "f")


def export_journal(db: Database, out: str | Path) -> int:
    """Write every journal entry, oldest first, to ``out``; returns the number of rows.

    UTF-8 with a BOM, so Excel opens the Chinese memos correctly.
    """
    with db.read() as session, open(out, "w", encoding="utf-8-sig", newline="") as handle:
        codes = dict(session.execute(select(Entity.id, Entity.code)).all())
        writer = csv.writer(handle)
        writer.writerow(JOURNAL_COLUMNS)
        count = 0
        for t in session.scalars(select(Transfer).order_by(Transfer.id)).yield_per(5000):
            foreign = t.currency != REPORTING_CURRENCY and t.fx_rate is not None
            writer.writerow(
                (
                    t.date.isoformat(),
                    t.kind,
                    neutralise(codes[t.from_id]),
                    neutralise(codes[t.to_id]),
                    plain_amount(t.amount),
                    t.currency,
                    neutralise(t.reference),
                    neutralise(t.memo),
                    "yes" if t.recallable else "",
                    format(t.fx_rate.normalize(), "f") if foreign else "",
                    t.fx_date.isoformat() if foreign and t.fx_date else "",
                )
            )
            count += 1
    return count


@dataclass(frozen=True)
class WorkbookExport:
    """What ``export_workbook`` wrote."""

    quarter: str
    as_of: dt.date
    lang: str
    sheets: list[str]
    funds: int
    flows: int


def irr_flows(session: Session, parent: str, as_of: dt.date) -> list[dict]:
    """The dated flows behind each IRR of the snapshot, as the workbook lists them.

    ``net``: the parent with its LPs; ``parent``: the parent with each sub-fund (each
    row one journal entry, the investor's view); ``gross``: each sub-fund with its
    companies, netted per day (the series the gross IRR is solved on, the fund's view).
    """
    rows = []
    for level, frame in (
        ("net", frames.cash_flows(session, "net", as_of, fund=parent)),
        ("parent", frames.cash_flows(session, "parent", as_of)),
    ):
        for fund, investor, day, kind, amount, recallable in flow_rows(frame):
            if level == "parent" and investor != parent:
                continue
            counterparty = investor if level == "net" else parent
            rows.append(
                {
                    "fund": fund,
                    "level": level,
                    "date": day,
                    "kind": kind,
                    "counterparty": counterparty,
                    "amount": amount,
                    "recallable": bool(recallable),
                }
            )
    daily = frames.daily_flows(session, "gross", as_of)
    for fund, day, amount in zip(
        daily.fund.tolist(), daily.date.tolist(), daily.amount.tolist(), strict=True
    ):
        rows.append(
            {"fund": fund, "level": "gross", "date": day, "kind": "gross", "amount": amount}
        )
    return rows


def export_workbook(
    db: Database, quarter: str, out: str | Path | BinaryIO, *, lang: str = "zh"
) -> WorkbookExport:
    """Write the ILPA-style workbook of ``quarter`` (figures as of its last day) to ``out``.

    ``out`` is a path or a binary file object. The figures are the snapshot's, so
    they equal the UI's and the PDF's; the cash-flow sheet lists the flows behind
    each IRR.
    """
    from fundtrack.services.snapshot import build_snapshot

    if lang not in ("zh", "en"):
        raise LedgerError(Problem("lang", f"{lang!r} is not one of zh, en"))
    _start, as_of = parse_quarter(quarter)
    snapshot = build_snapshot(db, as_of)
    with db.read() as session:
        flows = irr_flows(session, snapshot.fund["code"], as_of)
    workbook = build_workbook(snapshot, flows, lang)
    workbook.save(out)
    return WorkbookExport(
        quarter=snapshot.quarter,
        as_of=as_of,
        lang=lang,
        sheets=list(workbook.sheetnames),
        funds=1 + len(snapshot.subfunds),
        flows=len(flows),
    )
