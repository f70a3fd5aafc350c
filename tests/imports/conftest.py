"""Fixtures shared by the import tests: CSV and XLSX bytes built from rows."""

from __future__ import annotations

import io

import openpyxl
import pytest

TRANSACTION_HEADER = ["date", "type", "from", "to", "amount", "currency", "reference", "memo"]


def csv_bytes(rows, header=TRANSACTION_HEADER, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(_quote(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def _quote(cell) -> str:
    text = "" if cell is None else str(cell)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def xlsx_bytes(rows, header=TRANSACTION_HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def csv_of():
    return csv_bytes


@pytest.fixture
def xlsx_of():
    return xlsx_bytes
