"""Template filters: numbers, money, ratios and dates formatted for the reader's locale.

Templates only format; every number arrives computed. Missing figures (None)
print as an em dash, never as ``nan`` or ``None``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, format_percent, gettext

from fundtrack.reporting import formatting as report_format
from fundtrack.web.i18n import current_language

DASH = "—"
HUNDRED_MILLION = Decimal(100_000_000)
TEN_THOUSAND = Decimal(10_000)
MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)


def _missing(value) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and value != value  # NaN


def money(value, places: int = 2) -> str:
    """A full amount with the locale's grouping: ``1,234,567.89``."""
    if _missing(value):
        return DASH
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(Decimal(str(value)), format=pattern)


def money_short(value) -> str:
    """A headline amount exactly as the board report prints it (亿元/万元; CNY millions)."""
    if _missing(value):
        return DASH
    return report_format.money(value, current_language())


def percent(value, places: int = 1) -> str:
    if _missing(value):
        return DASH
    return format_percent(float(value), format="#,##0." + "0" * places + "%")


def multiple(value) -> str:
    if _missing(value):
        return DASH
    return format_decimal(float(value), format="#,##0.00") + "x"


def number(value, places: int = 2) -> str:
    if _missing(value):
        return DASH
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value if isinstance(value, Decimal) else float(value), format=pattern)


def day(value) -> str:
    if _missing(value):
        return DASH
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "date") and not isinstance(value, dt.date):  # pandas Timestamp
        value = value.date()
    return format_date(value, format="medium")


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
