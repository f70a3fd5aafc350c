"""Number formats shared by the PDF report and the web UI.

Chinese readers expect amounts in 万元 / 亿元, English ones in CNY millions;
percentages with one decimal, multiples as ``1.23x``. A missing figure (None,
or a float that is not finite) prints as an em dash, never as ``nan``. Rounding
is half-up on the exact Decimal, so a figure never depends on binary floats.

The functions take ``lang`` explicitly; ``FILTERS`` wraps them as Jinja filters
that read ``lang`` from the template context (``zh`` when it is not set).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from jinja2 import pass_context

MISSING = "—"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MILLION = Decimal(1_000_000)
LANGS = ("zh", "en")


def _decimal(value) -> Decimal | None:
    """The value as a Decimal, or None when it is missing or not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _grouped(number: Decimal, digits: int) -> str:
    quantum = Decimal(1).scaleb(-digits)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return f"{rounded:,.{digits}f}"


def number(value, digits: int = 0) -> str:
    """A plain number with thousands separators: ``1,234.5``."""
    d = _decimal(value)
    return MISSING if d is None else _grouped(d, digits)


def money(value, lang: str = "zh", unit: str = "auto", digits: int = 2, suffix: bool = True) -> str:
    """An amount in CNY for a reader: ``12.35亿元``, ``3,500.00万元`` or ``CNY 1,235.00m``.

    ``unit``: ``auto`` (zh: 亿元 from 1亿 up, else 万元; en: millions), ``wan``, ``yi``
    or ``m``; ``suffix=False`` leaves the unit to a column header.
    """
    d = _decimal(value)
    if d is None:
        return MISSING
    if unit == "auto":
        unit = ("yi" if abs(d) >= YI else "wan") if lang == "zh" else "m"
    divisor, zh_unit, en_unit = {
        "wan": (WAN, "万元", "CNY 10k"),
        "yi": (YI, "亿元", "CNY 100m"),
        "m": (MILLION, "百万元", "m"),
    }[unit]
    text = _grouped(d / divisor, digits)
    if not suffix:
        return text
    if lang == "zh":
        return text + zh_unit
    if unit == "m":
        return f"CNY {text}m"
    return f"{text} ({en_unit})"


def money_unit(lang: str = "zh", unit: str = "auto") -> str:
    """The column header that goes with ``money(..., suffix=False)``."""
    if unit == "auto":
        unit = "wan" if lang == "zh" else "m"
    return {
        ("zh", "wan"): "万元", ("zh", "yi"): "亿元", ("zh", "m"): "百万元",
        ("en", "wan"): "CNY 10k", ("en", "yi"): "CNY 100m", ("en", "m"): "CNY m",
    }[(lang, unit)]


def percent(value, digits: int = 1) -> str:
    """A ratio as a percentage: 0.1234 → ``12.3%``."""
    d = _decimal(value)
    return MISSING if d is None else _grouped(d * 100, digits) + "%"


def multiple(value, digits: int = 2) -> str:
    """A multiple of paid-in: 1.234 → ``1.23x``."""
    d = _decimal(value)
    return MISSING if d is None else _grouped(d, digits) + "x"


def _signed(text: str, d: Decimal) -> str:
    return text if text.startswith("-") or d == 0 else "+" + text


def change(value, kind: str = "money", lang: str = "zh") -> str:
    """A signed change vs an earlier figure: ``+1.2pp``, ``+0.05x``, ``+1,234.00万元``."""
    d = _decimal(value)
    if d is None:
        return MISSING
    if kind == "percent":
        text = _grouped(d * 100, 1)
        if text in ("0.0", "-0.0"):
            return "0.0pp"
        return _signed(text, d) + "pp"
    if kind == "multiple":
        text = multiple(d)
        return text if text.startswith("0.00") else _signed(text, d)
    if kind == "number":
        return _signed(number(d), d)
    text = money(d, lang)
    return text if text.startswith(("0.00", "CNY 0.00")) else _signed(text, d)


def delta(current, previous):
    """``current - previous`` for figures that may be missing (then None)."""
    a, b = _decimal(current), _decimal(previous)
    return None if a is None or b is None else a - b


def date(value, lang: str = "zh", style: str = "short") -> str:
    """A date: ISO ``2026-09-30`` in tables; ``2026年9月30日`` or ``30 September 2026`` in prose."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if style == "short":
        return value.isoformat()
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value:%B} {value.year}"


QUARTER_ZH = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}


def quarter(value: str, lang: str = "zh") -> str:
    """``2026Q3`` → ``2026年第三季度`` / ``Q3 2026``."""
    year, q = value.upper().split("Q")
    return f"{year}年{QUARTER_ZH[q]}" if lang == "zh" else f"Q{q} {year}"


def days(value, lang: str = "zh") -> str:
    d = _decimal(value)
    if d is None:
        return MISSING
    return f"{number(d)}天" if lang == "zh" else f"{number(d)} days"


def _contextual(function):
    @pass_context
    def filter_(context, value, *args, **kwargs):
        kwargs.setdefault("lang", context.get("lang", "zh"))
        return function(value, *args, **kwargs)

    filter_.__name__ = function.__name__
    filter_.__doc__ = function.__doc__
    return filter_


#: Jinja filters; those that depend on the language take it from the context's ``lang``.
FILTERS = {
    "money": _contextual(money),
    "change": _contextual(change),
    "date": _contextual(date),
    "quarter": _contextual(quarter),
    "days": _contextual(days),
    "percent": percent,
    "multiple": multiple,
    "number": number,
}


def install(environment) -> None:
    """Register the filters (and ``money_unit`` as a global) on a Jinja environment."""
    environment.filters.update(FILTERS)
    environment.globals["money_unit"] = money_unit
    environment.globals["MISSING"] = MISSING
