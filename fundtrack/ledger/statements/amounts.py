"""Amounts as statements write them: ``1234.56``, ``1,234.56``, ``12.5亿``, ``(1,234.56)``.

Only forms with one reading are accepted. ``1.234,56`` (European), ``1,23``
(a comma that is not a thousands separator), ``1e5``, ``NaN`` and stray spaces
are refused rather than guessed: a misread amount is worse than a refused row.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from fundtrack.ledger.money import MoneyError, to_decimal

UNITS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER = re.compile(
    r"""^(?P<sign>-)?
        (?P<body>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?P<unit>万|亿)?元?$""",
    re.VERBOSE,
)
#: A plain amount (``1234.56``) that needs none of the checks below: no sign, unit or
#: separator, at most three decimals and fifteen digits before the point (under the limit).
_PLAIN = re.compile(r"\A\d{1,15}(?:\.\d{1,3})?\Z", re.ASCII)
HINT = "write 1234.56 or 1,234.56 (a 万 or 亿 unit may follow)"


class AmountError(ValueError):
    """A cell that is not an amount in one of the accepted forms."""


def parse_amount(value: object, *, allow_negative: bool = False, units: bool = True) -> Decimal:
    """The exact ``Decimal`` a cell holds, or ``AmountError`` saying why not.

    ``value`` is text from a CSV or a cell value from XLSX (int, float, Decimal).
    A float comes from a spreadsheet cell; its shortest repr is what the sheet shows.
    """
    if type(value) is str and _PLAIN.match(value):
        # The common cell, read as the general path below reads it (same digits, same
        # exponent): it is finite, not negative, in range and has at most three decimals.
        return Decimal(value)
    if isinstance(value, bool) or value is None:
        raise AmountError("an amount is required")
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    else:
        amount = _parse_text(str(value), units=units)
    if not amount.is_finite():
        raise AmountError(f"{value!r} is not a finite number")
    if amount < 0 and not allow_negative:
        raise AmountError(f"{value} is negative")
    try:
        return to_decimal(amount)
    except MoneyError as exc:
        raise AmountError(str(exc).split(": ", 1)[-1]) from None


def _parse_text(raw: str, *, units: bool) -> Decimal:
    # NFKC folds full-width digits, commas and brackets (１，２３４) into ASCII.
    text = raw.strip() if raw.isascii() else unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise AmountError("an amount is required")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    match = _NUMBER.match(text)
    if match is None or (negative and match["sign"]):
        raise AmountError(f"{raw.strip()!r} is not an amount: {HINT}")
    unit = match["unit"] or ""
    if unit and not units:
        raise AmountError(f"{raw.strip()!r}: no 万/亿 unit here")
    amount = Decimal(match["body"].replace(",", "")) * UNITS[unit]
    return -amount if negative or match["sign"] else amount
