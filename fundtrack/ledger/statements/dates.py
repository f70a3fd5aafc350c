"""Dates as statements write them: ``2026-09-30``, ``2026/09/30`` or ``2026年9月30日``.

Year first only: ``09/30/2026`` or ``30.09.2026`` could be read two ways, so
they are refused instead of guessed. Spreadsheet date cells are dates already.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
HINT = "write 2026-09-30, 2026/09/30 or 2026年9月30日"


class DateError(ValueError):
    """A cell that is not a date in one of the accepted forms."""


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise DateError(f"{value.isoformat(sep=' ')} carries a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        raise DateError("a date is required")
    if isinstance(value, (bool, int, float)):
        raise DateError(f"{value!r} is not a date: {HINT}")
    return _parse_text(str(value))


@functools.lru_cache(maxsize=8192)
def _parse_text(text: str) -> dt.date:
    # Cached: a statement repeats a few thousand dates over its many rows.
    text = text.strip() if text.isascii() else unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise DateError("a date is required")
    for form in _FORMS:
        match = form.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise DateError(f"{text!r} is not a day of the calendar") from None
    raise DateError(f"{text!r} is not a date: {HINT}")
