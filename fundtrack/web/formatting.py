"""Template filters: numbers, money, ratios and dates formatted for the reader's locale.

Templates only format; every number arrives computed. Missing figures (None)
print as an em dash, never as ``nan`` or ``None``.

A dashboard calls these filters some 1,200 times a page. Flask-Babel's
``format_decimal``/``format_percent``/``format_date`` look the locale up and
parse the pattern again on every call (about 9 µs each). Here the locale that
``flask_babel.get_locale()`` chose for the request is resolved once per request
to a ``_Formats`` of patterns parsed once per locale, and a number is rounded by
the decimal operations ``NumberPattern.apply`` uses, in the same decimal context;
patterns or values outside the plain ``#,##0.00`` shape go to Babel itself.
``tests/web/test_formatting_fast.py`` holds every filter to Flask-Babel's output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask, current_app
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    gettext,
)

from fundtrack.reporting import formatting as report_format
from fundtrack.web.i18n import current_language, per_locale

DASH = "—"

#: Where ``init_app`` keeps the app's ``_Formats``, one per locale.
_EXTENSION = "fundtrack.formats"
#: Bound on the remembered dates of a locale (a page shows a few dozen distinct ones).
_MAX_DATES = 4096


def _missing(value) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and value != value  # NaN


def _decimal(value) -> Decimal:
    """``value`` as Babel converts it (``Decimal(str(value))``), sparing the copy of a Decimal."""
    # str() of a Decimal round-trips exactly (sign of zero, exponent, NaN payload included).
    return value if type(value) is Decimal else Decimal(str(value))


class _NumberFormat:
    """One number pattern parsed for one locale; calling it renders like ``pattern.apply``."""

    __slots__ = (
        "locale",
        "negative",
        "pattern",
        "plain_width",
        "positive",
        "quantum",
        "scale",
        "simple",
    )

    def __init__(self, pattern: str, locale: Locale) -> None:
        self.pattern: NumberPattern = parse_pattern(pattern)
        self.locale = locale
        parsed = self.pattern
        symbols = locale.number_symbols["latn"]
        affixes = "".join(parsed.prefix + parsed.suffix)
        # The shape whose rendering ``format(value, ",f")`` reproduces: groups of three
        # (Python's "," separator), a fixed number of places and the Latin "," and ".".
        # Up to 6 places, str() of the rounded value is that text without its groups.
        self.simple = (
            parsed.exp_prec is None
            and "@" not in parsed.pattern
            and parsed.grouping == (3, 3)
            and parsed.int_prec[0] == 1
            and parsed.frac_prec[0] == parsed.frac_prec[1] <= 6
            and symbols.get("group", ",") == ","
            and symbols.get("decimal", ".") == "."
            and "'" not in affixes
        )
        places = parsed.frac_prec[1]
        self.quantum = Decimal(10) ** -places
        # The longest str() of a rounded value that needs no group separator ("999.99").
        self.plain_width = 3 + (places + 1 if places else 0)
        self.scale = Decimal(parsed.scale) if parsed.scale else None
        self.positive = parsed.prefix[0], parsed.suffix[0]
        self.negative = parsed.prefix[1], parsed.suffix[1]

    def __call__(self, value: Decimal) -> str:
        scaled = value.scaleb(self.scale) if self.scale else value
        if not (self.simple and scaled.is_finite()):
            return self.pattern.apply(value, self.locale)
        # The steps of NumberPattern.apply/_quantize_value, in the same decimal context,
        # so rounding (half-even), precision and any InvalidOperation are Babel's. Its
        # normalize() is left out: after abs() has rounded to the context's precision it
        # only strips trailing zeros, which changes no digit quantize() produces.
        prefix, suffix = self.negative if scaled.is_signed() else self.positive
        rounded = abs(scaled).quantize(self.quantum)
        text = str(rounded)
        if len(text) > self.plain_width:
            text = format(rounded, ",f")
        return prefix + text + suffix


def _decimal_pattern(places: int) -> str:
    return "#,##0." + "0" * places if places else "#,##0"


def _percent_pattern(places: int) -> str:
    return "#,##0." + "0" * places + "%"


class _Patterns(dict):
    """A locale's ``_NumberFormat`` by number of places, parsed when first asked for."""

    def __init__(self, pattern_of: Callable[[int], str], locale: Locale) -> None:
        super().__init__()
        self.pattern_of = pattern_of
        self.locale = locale

    def __missing__(self, places: int) -> _NumberFormat:
        fmt = self[places] = _NumberFormat(self.pattern_of(places), self.locale)
        return fmt


class _Formats:
    """The parsed patterns and formatted dates of one locale, built as filters ask for them."""

    __slots__ = ("dates", "decimal", "locale", "percent")

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.decimal = _Patterns(_decimal_pattern, locale)
        self.percent = _Patterns(_percent_pattern, locale)
        self.dates: dict[dt.date, str] = {}

    def date(self, value: dt.date) -> str:
        text = self.dates.get(value)
        if text is None:
            if len(self.dates) >= _MAX_DATES:
                self.dates.clear()
            # Flask-Babel itself, for the app's date_formats; its locale is self.locale.
            text = self.dates[value] = format_date(value, format="medium")
        return text


def _formats() -> _Formats | None:
    """The ``_Formats`` of the locale Flask-Babel chose for this request (None outside one)."""
    return per_locale("_fundtrack_formats", _formats_of)


def _formats_of(chosen: Locale | None) -> _Formats | None:
    if chosen is None:
        return None
    # Flask-Babel parses a new Locale each request: the app's _Formats go by its name.
    by_locale = current_app.extensions.setdefault(_EXTENSION, {})
    formats = by_locale.get(str(chosen))
    if formats is None:
        formats = by_locale[str(chosen)] = _Formats(chosen)
    return formats


def money(value, places: int = 2) -> str:
    """A full amount with the locale's grouping: ``1,234,567.89``."""
    if _missing(value):
        return DASH
    formats = _formats()
    if formats is None:
        return format_decimal(Decimal(str(value)), format=_decimal_pattern(places))
    return formats.decimal[places](_decimal(value))


def money_short(value) -> str:
    """A headline amount exactly as the board report prints it (亿元/万元; CNY millions)."""
    if _missing(value):
        return DASH
    return report_format.money(value, current_language())


def percent(value, places: int = 1) -> str:
    if _missing(value):
        return DASH
    formats = _formats()
    if formats is None:
        return format_percent(float(value), format=_percent_pattern(places))
    return formats.percent[places](Decimal(str(float(value))))


def multiple(value) -> str:
    if _missing(value):
        return DASH
    formats = _formats()
    if formats is None:
        return format_decimal(float(value), format="#,##0.00") + "x"
    return formats.decimal[2](Decimal(str(float(value)))) + "x"


def number(value, places: int = 2) -> str:
    if _missing(value):
        return DASH
    value = value if isinstance(value, Decimal) else float(value)
    formats = _formats()
    if formats is None:
        return format_decimal(value, format=_decimal_pattern(places))
    return formats.decimal[places](value if isinstance(value, Decimal) else Decimal(str(value)))


def day(value) -> str:
    if _missing(value):
        return DASH
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "date") and not isinstance(value, dt.date):  # pandas Timestamp
        value = value.date()
    formats = _formats() if type(value) is dt.date else None
    if formats is None:
        return format_date(value, format="medium")
    return formats.date(value)


def moment(value) -> str:
    if _missing(value):
        return DASH
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(value, format="medium")


def display_name(row) -> str:
    """An entity's name in the reader's language (Chinese when no English name is known)."""
    if row is None:
        return DASH
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    if current_language() == "en" and get("name_en"):
        return get("name_en")
    return get("name") or get("code") or DASH


def term(value) -> str:
    """A code of the domain (sector, region, stage, kind, role…) in the reader's language."""
    if _missing(value) or value == "":
        return DASH
    return gettext(TERMS.get(str(value), str(value)))


#: The English words of the domain's codes; the catalogue translates them.
TERMS = {
    "digital": "Digital economy",
    "energy": "New energy & materials",
    "equipment": "Advanced equipment",
    "jjj": "Beijing-Tianjin-Hebei",
    "yrd": "Yangtze River Delta",
    "prd": "Pearl River Delta",
    "local": "Local",
    "seed": "Seed",
    "early": "Early",
    "growth": "Growth",
    "mature": "Mature",
    "contribution": "Contribution",
    "distribution": "Distribution",
    "investment": "Investment",
    "proceeds": "Proceeds",
    "fee": "Fee",
    "expense": "Expense",
    "parent": "Parent fund",
    "subfund": "Sub-fund",
    "lp": "LP",
    "company": "Company",
    "manager": "Manager",
    "fiscal": "Fiscal",
    "soe": "State-owned",
    "private": "Private",
    "admin": "Administrator",
    "board": "Board",
    "relocation": "Relocation",
    "local_subsidiary": "Local subsidiary",
    "local_investment": "Investment in a local firm",
    "pending": "Pending",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "running": "Running",
    "committed": "Imported",
    "reversed": "Reversed",
    "transactions": "Transactions",
    "valuations": "Valuations",
    "index": "Index levels",
    "parent_contribution": "of the parent's paid-in",
    "parent_commitment": "of the parent's commitment",
    "paid_in": "on paid-in capital",
    "commitment": "on commitments",
    "paid_in_ratio": "Paid-in ratio",
    "investment_progress": "Investment progress",
    "idle_cash_share": "Idle cash share",
    "leverage": "Leverage (sub-funds' paid-in ÷ parent's)",
    "reinvestment_completion": "返投 completion",
    "core_sector_share": "Core-sector share",
    "single_project_share": "Single-project concentration",
    "private_capital_share": "Private-capital share",
    "parent_stake": "Parent's stake",
    "irr": "IRR",
    "breaches": "Breaches",
    "inception": "Since inception",
    "1y": "1 year",
    "3y": "3 years",
    "5y": "5 years",
}

#: User roles, apart from TERMS because "manager" is also a kind of entity there.
ROLES = {"admin": "Administrator", "manager": "Fund manager", "board": "Board (read-only)"}


def role(value) -> str:
    return gettext(ROLES.get(str(value), str(value)))


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = {}
    app.jinja_env.filters.update(
        money=money,
        money_short=money_short,
        percent=percent,
        multiple=multiple,
        number=number,
        day=day,
        moment=moment,
        display_name=display_name,
        term=term,
        role=role,
    )
