"""The template filters print exactly what Flask-Babel's formatting functions print.

``fundtrack.web.formatting`` renders numbers from patterns it parses once per locale
instead of calling ``flask_babel.format_decimal``/``format_percent``/``format_date``
each time. Here each filter is held to the reference: the Flask-Babel call the
filter used to make, in a test request whose session chooses the language (as the
header's switch does), for both languages and for many values: Decimals of up to
15 integer digits and 3 places, negatives and zeros, floats from tiny to huge
(where Babel raises, the filter must raise the same), infinities, dates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from decimal import Decimal

import flask_babel
import pandas as pd
import pytest
from flask import session
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fundtrack.web import formatting

LANGUAGES = ("zh", "en")
# Each example pushes a request context: keep the runs short but varied.
SETTINGS = settings(max_examples=300, deadline=None)

decimals = st.decimals(
    min_value=Decimal("-999999999999999.999"),
    max_value=Decimal("999999999999999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
floats = st.floats(allow_nan=True, allow_infinity=True) | st.floats(min_value=-1e6, max_value=1e6)
places = st.integers(min_value=0, max_value=4)
languages = st.sampled_from(LANGUAGES)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app for request contexts only: the filters never touch its database."""
    from fundtrack import create_app

    root = tmp_path_factory.mktemp("formatting")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{root / 'unused.db'}",
            "SECRET_KEY": "test-formatting",
            "REPORTS_DIR": str(root / "reports"),
        }
    )
    yield app
    app.extensions["fundtrack.db"].dispose()


@contextlib.contextmanager
def request_in(app, language: str):
    """A request whose session holds the language choice, as after the header's switch."""
    with app.test_request_context("/"):
        session["lang"] = language
        yield


def outcome(call, *args):
    """What a call printed, or the type of what it raised (Babel raises on some floats)."""
    try:
        return call(*args)
    except (ArithmeticError, ValueError, TypeError) as exc:
        return type(exc)


# The reference: the filters as they were, one Flask-Babel call each.


def dash_for_missing(reference):
    def call(value, *args):
        if value is None or (isinstance(value, float) and value != value):
            return formatting.DASH
        return reference(value, *args)

    return call


@dash_for_missing
def ref_money(value, places=2):
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return flask_babel.format_decimal(Decimal(str(value)), format=pattern)


@dash_for_missing
def ref_percent(value, places=1):
    return flask_babel.format_percent(float(value), format="#,##0." + "0" * places + "%")


@dash_for_missing
def ref_multiple(value):
    return flask_babel.format_decimal(float(value), format="#,##0.00") + "x"


@dash_for_missing
def ref_number(value, places=2):
    pattern = "#,##0." + "0" * places if places else "#,##0"
    number = value if isinstance(value, Decimal) else float(value)
    return flask_babel.format_decimal(number, format=pattern)


@dash_for_missing
def ref_day(value):
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return flask_babel.format_date(value, format="medium")


def assert_same(app, language, fast, reference, *args):
    with request_in(app, language):
        expected = outcome(reference, *args)
    with request_in(app, language):
        # Twice: the first call builds the request's formats, the second reuses them.
        assert outcome(fast, *args) == expected
        assert outcome(fast, *args) == expected


@SETTINGS
@given(language=languages, value=decimals, places=places)
@example(language="zh", value=Decimal("-0.000"), places=2)
@example(language="en", value=Decimal("-0.004"), places=2)
@example(language="en", value=Decimal("0.005"), places=2)
@example(language="en", value=Decimal("0.015"), places=2)
@example(language="zh", value=Decimal("999.995"), places=2)
@example(language="zh", value=Decimal("-999999999999999.999"), places=0)
def test_money_and_number_of_decimals(app, language, value, places):
    assert_same(app, language, formatting.money, ref_money, value, places)
    assert_same(app, language, formatting.number, ref_number, value, places)


@SETTINGS
@given(language=languages, value=floats, places=places)
@example(language="en", value=1.005, places=2)
@example(language="en", value=1.015, places=2)
@example(language="zh", value=-0.0, places=2)
@example(language="zh", value=1e300, places=2)
@example(language="en", value=5e-324, places=4)
@example(language="en", value=float("inf"), places=2)
@example(language="zh", value=float("-inf"), places=0)
def test_money_and_number_of_floats(app, language, value, places):
    assert_same(app, language, formatting.money, ref_money, value, places)
    assert_same(app, language, formatting.number, ref_number, value, places)


@SETTINGS
@given(language=languages, value=st.integers(min_value=-(10**18), max_value=10**18))
@example(language="zh", value=2**53 + 1)  # the float() on the way loses the last digit
def test_number_of_integers(app, language, value):
    assert_same(app, language, formatting.number, ref_number, value, 0)
    assert_same(app, language, formatting.money, ref_money, value, 0)


@SETTINGS
@given(language=languages, value=floats | decimals, places=places)
@example(language="en", value=0.0005, places=1)
@example(language="en", value=0.00015, places=1)
@example(language="zh", value=-0.0, places=1)
@example(language="zh", value=1e300, places=1)
@example(language="en", value=float("inf"), places=1)
def test_percent(app, language, value, places):
    assert_same(app, language, formatting.percent, ref_percent, value, places)


@SETTINGS
@given(language=languages, value=floats | decimals)
@example(language="en", value=2.675)
@example(language="zh", value=-0.001)
@example(language="zh", value=float("-inf"))
def test_multiple(app, language, value):
    assert_same(app, language, formatting.multiple, ref_multiple, value)


@SETTINGS
@given(
    language=languages,
    value=st.dates()
    | st.datetimes()
    | st.dates().map(dt.date.isoformat)
    | st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        pd.Timestamp
    ),
)
def test_day(app, language, value):
    assert_same(app, language, formatting.day, ref_day, value)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity")]
)
def test_special_decimals_go_to_babel(app, language, value):
    assert_same(app, language, formatting.money, ref_money, value, 2)
    assert_same(app, language, formatting.number, ref_number, value, 2)
    assert_same(app, language, formatting.percent, ref_percent, value, 1)


@pytest.mark.parametrize("rounding", [decimal.ROUND_HALF_UP, decimal.ROUND_DOWN])
@pytest.mark.parametrize("precision", [28, 12, 5])
def test_the_decimal_context_rules_both_alike(app, rounding, precision):
    values = [Decimal("123456.785"), Decimal("-0.125"), Decimal("99999999.995"), 1234.5678e3]
    for value in values:
        with decimal.localcontext(prec=precision, rounding=rounding):
            assert_same(app, "en", formatting.money, ref_money, value, 2)
            assert_same(app, "zh", formatting.percent, ref_percent, value, 1)


def test_missing_values_print_a_dash(app):
    with request_in(app, "en"):
        for fast in (formatting.money, formatting.percent, formatting.multiple):
            assert fast(None) == formatting.DASH
            assert fast(float("nan")) == formatting.DASH
        assert formatting.number(None, 0) == formatting.DASH
        assert formatting.day(None) == formatting.DASH


def test_the_locale_follows_the_request(app):
    with request_in(app, "zh"):
        assert formatting.day(dt.date(2026, 9, 30)) == "2026年9月30日"
    with request_in(app, "en"):
        assert formatting.day(dt.date(2026, 9, 30)) == "Sep 30, 2026"
        # A change within the request shows once Flask-Babel is refreshed, as its own calls do.
        session["lang"] = "zh"
        assert formatting.day(dt.date(2026, 9, 30)) == "Sep 30, 2026"
        flask_babel.refresh()
        assert formatting.day(dt.date(2026, 9, 30)) == "2026年9月30日"
        with flask_babel.force_locale("en_US"):
            assert formatting.day(dt.date(2026, 9, 30)) == "Sep 30, 2026"
            assert formatting.money(Decimal("-1234.5")) == "-1,234.50"
        assert formatting.day(dt.date(2026, 9, 30)) == "2026年9月30日"


def test_outside_a_request_the_filters_still_agree(app):
    assert formatting.money(Decimal("1234.5")) == ref_money(Decimal("1234.5"))
    assert formatting.percent(0.1234) == ref_percent(0.1234)
    for day in (formatting.day, ref_day):  # Flask-Babel's dates need the app's settings
        with pytest.raises(RuntimeError, match="application context"):
            day(dt.date(2026, 9, 30))
