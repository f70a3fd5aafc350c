"""The sub-fund rows' fast paths against the generic ones they replace.

Each helper is checked on random data against a plain reference written the slow, obvious
way: per-fund sums against ``dsum`` over the fund's rows (compared as strings, so the
exponent and the sign of a zero must match too), the list roll-forward against
``fa.roll_forward``, the small-list multiples against numpy's sums, the indicator tuples
against the ``pd.isna`` rule. Then the rows of a real book are checked against the figures
the ``Book.cols`` API and ``positions.position`` give fund by fund.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fundtrack import analytics as fa
from fundtrack.analytics import horizons, indicators
from fundtrack.analytics.dates import to_day
from fundtrack.ledger import frames
from fundtrack.services import fund_sums, positions, subfunds
from fundtrack.services.book import load_book
from fundtrack.services.positions import CENT, ZERO, dsum, money

FUNDS = ("SF-A", "SF-B", "SF-C")
KINDS = ("contribution", "distribution", "fee", "investment", "proceeds")
AMOUNTS = st.one_of(
    st.decimals(min_value=-(10**11), max_value=10**11, places=3),
    st.decimals(min_value=-(10**6), max_value=10**6, places=0),
    st.sampled_from((Decimal("0.000"), Decimal("-0.000"), Decimal("-0"), Decimal("0.00"))),
)
DAYS = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2020, 12, 31))
FLOATS = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from((0.0, -0.0, 1e-300, -1e-300)),
)


def exact(value) -> str:
    """A value as text: equal Decimals with another exponent or sign differ."""
    return repr(value)


def frame(rows: list, columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(columns)}
    )


# Per-fund sums ---------------------------------------------------------------------------


@given(st.lists(st.tuples(st.sampled_from(FUNDS), st.sampled_from(KINDS), AMOUNTS), max_size=40))
@example([("SF-A", "contribution", Decimal("-0.000")), ("SF-A", "distribution", Decimal("-0"))])
def test_kind_sums_are_dsum_per_fund(rows):
    got = fund_sums.kind_sums(
        frame(rows, ["fund", "kind", "amount"]), "contribution", "distribution"
    )
    for fund in FUNDS:
        expected = [
            dsum(a for f, k, a in rows if f == fund and k == kind)
            for kind in ("contribution", "distribution")
        ]
        if not any(f == fund and k in ("contribution", "distribution") for f, k, _ in rows):
            assert fund not in got
            continue
        assert [exact(v) for v in got[fund]] == [exact(v) for v in expected]


@given(
    st.lists(
        st.tuples(st.sampled_from(FUNDS), st.sampled_from(("LP-1", "LP-2", "P")), AMOUNTS),
        max_size=30,
    )
)
def test_commitment_and_column_sums_are_dsum_per_fund(rows):
    data = frame(rows, ["fund", "investor", "amount"])
    got = fund_sums.commitment_sums(data, "P", {"LP-2"})
    columns = fund_sums.column_sums(data, "amount")
    for fund in {f for f, _, _ in rows}:
        mine = [(i, a) for f, i, a in rows if f == fund]
        expected = [
            dsum(a for _, a in mine),
            dsum(a for i, a in mine if i == "P"),
            dsum(a for i, a in mine if i == "LP-2"),
        ]
        assert [exact(v) for v in got[fund]] == [exact(v) for v in expected]
        assert exact(columns[fund]) == exact(expected[0])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(FUNDS),
            st.sampled_from(("CO-1", "CO-2", "CO-3", "CO-4")),
            st.sampled_from(("digital", "energy", None)),
            AMOUNTS,
            AMOUNTS,
            AMOUNTS,
        ),
        max_size=30,
    )
)
def test_holding_sums_are_the_generic_figures(rows):
    # CO-4 is no entity: its sector comes from the holdings (the first row that names it).
    sectors = {"CO-1": "digital", "CO-2": "energy", "CO-3": float("nan")}
    known = dict(sectors)
    got = fund_sums.holding_sums(
        frame(rows, ["fund", "company", "sector", "invested", "value", "proceeds"]), sectors
    )
    for fund in {r[0] for r in rows}:
        held = [r for r in rows if r[0] == fund]
        fair_value, companies, per_company, invested, proceeds = got[fund]
        assert exact(fair_value) == exact(dsum(r[4] for r in held))
        assert companies == sum(1 for r in held if r[4] > 0)
        assert per_company == {r[1]: r[3] for r in held}
        assert [exact(v) for v in per_company.values()] == [
            exact(v) for v in {r[1]: r[3] for r in held}.values()
        ]
        assert exact(invested) == exact(dsum(r[3] for r in held))
        assert exact(proceeds) == exact(dsum(r[5] for r in held))
    fourth = [r[2] for r in rows if r[1] == "CO-4"]
    assert sectors == known | ({"CO-4": fourth[0]} if fourth else {})


@given(
    st.lists(st.tuples(st.sampled_from(FUNDS), DAYS, AMOUNTS), max_size=30),
    st.dictionaries(st.sampled_from(FUNDS), st.lists(DAYS, max_size=2)),
)
def test_by_fund_and_flows_after_statement_are_the_book_s(rows, statements):
    flows = fund_sums.by_fund(frame(rows, ["fund", "date", "amount"]), ("date", "amount"))
    navs = fund_sums.by_fund(
        frame(
            [(f, d, Decimal(1)) for f, days in statements.items() for d in days],
            ["fund", "date", "nav"],
        ),
        ("date", "nav"),
    )
    for fund in FUNDS:
        mine = [r for r in rows if r[0] == fund]
        expected = {"date": [r[1] for r in mine], "amount": [r[2] for r in mine]}
        assert flows.get(fund, {"date": [], "amount": []}) == expected
        days = statements.get(fund, [])
        assert navs.get(fund, {"date": [], "nav": []})["date"] == days
        # The flows after the fund's last statement, all while it has none.
        after = fund_sums.after_statement(expected, navs.get(fund, subfunds._NO_NAV_ROWS))
        keep = [r for r in mine if not days or r[1] > days[-1]]
        assert after == {"date": [r[1] for r in keep], "amount": [r[2] for r in keep]}


@given(st.lists(st.tuples(st.sampled_from(KINDS), AMOUNTS, st.booleans()), max_size=30))
def test_flow_sums_are_dsum(rows):
    kinds, amounts, recallable = ([r[i] for r in rows] for i in range(3))
    got = positions._flow_sums(kinds, amounts, recallable)
    expected = (
        -dsum(a for k, a in zip(kinds, amounts, strict=True) if k == "contribution"),
        dsum(a for k, a in zip(kinds, amounts, strict=True) if k == "distribution"),
        dsum(
            a
            for k, a, r in zip(kinds, amounts, recallable, strict=True)
            if k == "distribution" and r
        ),
    )
    assert [exact(v) for v in got] == [exact(v) for v in expected]


# Roll-forward, multiples, money ------------------------------------------------------------


def array_roll_forward(nav_dates, nav_values, dates, amounts, as_of):
    """The roll-forward on day-number arrays (what the list path must equal)."""
    return horizons._fund(dates, amounts, nav_dates, nav_values).nav_at(to_day(as_of))


@settings(max_examples=300)
@given(
    st.lists(st.tuples(DAYS, FLOATS), max_size=3),
    st.lists(st.tuples(DAYS, FLOATS), max_size=14),
    DAYS,
)
@example([(dt.date(2020, 1, 1), 5.0), (dt.date(2020, 1, 1), 7.0)], [], dt.date(2020, 6, 30))
@example([(dt.date(2020, 1, 1), 1.0)], [(dt.date(2020, 2, 1), 1.0)], dt.date(2020, 2, 1))
@example([], [(dt.date(2019, 2, 1), -0.0)], dt.date(2020, 2, 1))
def test_list_roll_forward_is_fa_roll_forward(navs, flows, as_of):
    args = (
        [d for d, _ in navs],
        [v for _, v in navs],
        [d for d, _ in flows],
        [a for _, a in flows],
    )
    got = fa.roll_forward(*args, as_of)
    expected = array_roll_forward(*args, as_of)
    assert type(got) is type(expected)
    assert repr(got.value) == repr(expected.value)
    assert got.reported_date == expected.reported_date
    assert repr(got.reported_value) == repr(expected.reported_value)
    assert got.age_days == expected.age_days


def test_roll_forward_of_other_date_types_is_the_array_one():
    day = pd.Timestamp("2020-03-31")
    got = fa.roll_forward([day], [10.0], [pd.Timestamp("2020-04-02")], [-2.0], day)
    assert got == array_roll_forward([day], [10.0], [pd.Timestamp("2020-04-02")], [-2.0], day)


def numpy_multiples(contributions, distributions, nav):
    """``fa.multiples`` summing with numpy, as it always did."""

    def total(amounts):
        values = np.asarray([float(x) for x in amounts], dtype=float)
        if (values < 0).any():
            raise ValueError("contributions and distributions are positive amounts")
        return float(values.sum())

    pic, distributed, nav = total(contributions), total(distributions), float(nav)
    if pic == 0:
        return {"pic": pic, "dpi": None, "rvpi": None, "tvpi": None}
    return {
        "pic": pic,
        "dpi": distributed / pic,
        "rvpi": nav / pic,
        "tvpi": (distributed + nav) / pic,
    }


POSITIVE = st.one_of(
    st.floats(min_value=0.0, max_value=1e13),
    st.sampled_from((0.0, -0.0, 5e-324, 0.1, 0.2, 0.3)),
)


@given(st.lists(POSITIVE, max_size=20), st.lists(POSITIVE, max_size=20), FLOATS)
@example([-0.0], [-0.0], 0.0)
@example([0.1] * 9, [0.1] * 7, 1.0)
def test_multiples_sum_as_numpy_does(contributions, distributions, nav):
    got = fa.multiples(contributions, distributions, nav)
    assert repr(got) == repr(numpy_multiples(contributions, distributions, nav))


@pytest.mark.parametrize("count", [1, 9])
def test_multiples_still_refuse_negative_amounts(count):
    with pytest.raises(ValueError, match="positive amounts"):
        fa.multiples([1.0] * (count - 1) + [-1.0], [], 0.0)


@given(
    st.one_of(
        AMOUNTS,
        FLOATS,
        st.floats(min_value=-1e15, max_value=1e15),
        st.sampled_from((math.nan, math.inf, -math.inf, 0.005, 2.675, -0.004)),
        st.integers(-(10**9), 10**9),
        st.none(),
    )
)
def test_money_is_the_generic_conversion(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        expected = None
    elif isinstance(value, Decimal):
        expected = value.quantize(CENT)
    else:
        expected = Decimal(repr(round(float(value), 2))).quantize(CENT)
    assert exact(money(value)) == exact(expected)


# Indicators ------------------------------------------------------------------------------


def isna_ratio(numerator, denominator):
    """``indicators._ratio`` as it was written, with ``pd.isna``."""
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator):
        return None
    denominator = float(denominator)
    return None if denominator == 0 else float(numerator) / denominator


FACT = st.one_of(
    st.none(),
    st.floats(),
    st.sampled_from((0.0, -0.0, 1.0)),
    st.integers(-5, 5),
    st.decimals(min_value=-5, max_value=5, places=2),
)


@given(FACT, FACT)
@example(float("nan"), 1.0)
@example(1.0, -0.0)
@example(Decimal("NaN"), 1.0)
def test_ratio_is_the_isna_rule(numerator, denominator):
    assert repr(indicators._ratio(numerator, denominator)) == repr(
        isna_ratio(numerator, denominator)
    )


FACT_KEYS = (
    "committed",
    "paid_in",
    "invested",
    "cash",
    "subfund_paid_in",
    "parent_paid_in",
    "reinvestment_recognised",
    "parent_contribution",
    "core_invested",
    "largest_investment",
    "fund_size",
    "private_capital",
)
TERM_KEYS = (
    *(term for _, term, _, _ in indicators.INDICATORS.values()),
    "reinvestment_multiple",
)


@given(
    st.fixed_dictionaries({}, optional=dict.fromkeys(FACT_KEYS, FACT)),
    st.fixed_dictionaries({}, optional=dict.fromkeys(TERM_KEYS, FACT)),
)
def test_guidance_values_are_the_indicator_checks(facts, terms):
    values = indicators.guidance_values(facts, terms)
    checks = indicators.guidance_indicators(facts, terms)
    assert [dataclasses.astuple(c) for c in checks] == values
    for (name, (_, term_key, direction, _)), check in zip(
        indicators.INDICATORS.items(), checks, strict=True
    ):
        assert check.indicator == name
        threshold = terms.get(term_key)
        if threshold is not None and pd.isna(threshold):
            threshold = None
        if check.value is None or threshold is None:
            assert check.breach is None
        elif direction == "min":
            assert check.breach == (check.value < threshold)
        else:
            assert check.breach == (check.value > threshold)


def test_check_fields_are_the_dataclass_s():
    fields = tuple(f.name for f in dataclasses.fields(indicators.IndicatorCheck))
    assert fields == indicators.CHECK_FIELDS
    assert subfunds.INDICATOR_KEYS[3:] == fields


# Rows of a real book ------------------------------------------------------------------------


def reference_terms(terms: dict | None) -> dict:
    if not terms:
        return {}
    mapping = {new: terms.get(old) for old, new in subfunds.THRESHOLD_COLUMNS.items()}
    mapping.update((terms.get("thresholds") or {}).items())
    mapping["reinvestment_multiple"] = terms.get("reinvest_multiple")
    return {k: None if v is None else float(v) for k, v in mapping.items()}


def nav_flows(book, code: str) -> dict[str, list]:
    """Every investor's flows with a sub-fund after its latest NAV statement (all of them
    while it has none)."""
    flows = book.cols("subfund_flows", code)
    statement = book.cols("latest_navs", code)["date"]
    if not statement:
        return flows
    keep = [i for i, day in enumerate(flows["date"]) if day > statement[-1]]
    return {name: [values[i] for i in keep] for name, values in flows.items()}


def reference_rows(book, db) -> tuple[list[dict], list[dict]]:
    """``subfund_rows(book, detail=False)`` the generic way: each figure a ``dsum`` over the
    fund's ``Book.cols``, its position from ``nav_flows``, its checks as dataclasses; the
    companies' sectors and the gross totals read from the ledger on their own."""
    parent = book.parent["code"]
    entities = book.entities
    with db.read() as session:
        every_entity = frames.entities(session)
        gross_totals = frames.flow_totals(session, "gross", book.as_of)
    lp_types = dict(zip(entities.code.tolist(), entities.lp_type.tolist(), strict=True))
    sectors = dict(zip(every_entity.code.tolist(), every_entity.sector.tolist(), strict=True))
    gross_by_fund = {
        fund: {"kind": part.kind.tolist(), "amount": part.amount.tolist()}
        for fund, part in gross_totals.groupby("fund")
    }
    terms_by_fund = {t["fund"]: t for t in positions.records(book.terms)}

    def total(cols, kind):
        return dsum(a for k, a in zip(cols["kind"], cols["amount"], strict=True) if k == kind)

    rows, checks_out = [], []
    for sf in positions.records(entities[entities.kind == "subfund"]):
        code = sf["code"]
        terms = terms_by_fund.get(code)
        c = book.cols("commitments", code)
        pairs = list(zip(c["investor"], c["amount"], strict=True))
        committed = dsum(c["amount"])
        parent_committed = dsum(a for i, a in pairs if i == parent)
        private = dsum(a for i, a in pairs if lp_types.get(i) == "private")
        totals, parent_totals = book.cols("subfund_totals", code), book.cols("parent_totals", code)
        paid, distributed = -total(totals, "contribution"), total(totals, "distribution")
        parent_paid = -total(parent_totals, "contribution")
        if paid:
            stake = parent_paid / paid
        else:
            stake = parent_committed / committed if committed else Decimal(0)
        shared = {
            "committed": parent_committed,
            "nav_flows": nav_flows(book, code),
            "nav_share": float(stake),
        }
        if book.listed is None or code in book.listed:
            pos = positions.position(
                book.cols("parent_flows", code),
                book.cols("latest_navs", code),
                book.as_of,
                **shared,
            )
        else:
            pos = positions.summary_position(
                book.cols("latest_navs", code),
                book.as_of,
                contributions=parent_paid,
                distributions=total(parent_totals, "distribution"),
                reason="not listed",
                **shared,
            )
        gross = gross_by_fund.get(code, {"kind": [], "amount": []})
        invested, proceeds = -total(gross, "investment"), total(gross, "proceeds")
        held = book.cols("holdings", code)
        fair_value = dsum(held["value"])
        fees = book.fee_total(code)
        cash = paid - invested - fees + proceeds - distributed
        per_company = dict(zip(held["company"], held["invested"], strict=True))
        core = terms.get("core_sector") if terms else None
        core_invested = dsum(v for k, v in per_company.items() if sectors.get(k) == core)
        recognised = dsum(book.cols("recognitions", code)["recognised_amount"])
        base = parent_paid
        if terms and terms.get("reinvest_base") == "parent_commitment":
            base = parent_committed
        multiple = Decimal(terms["reinvest_multiple"]) if terms else None
        required = multiple * base if multiple is not None else None
        facts = {
            "committed": float(committed),
            "paid_in": float(paid),
            "invested": float(invested),
            "cash": float(cash),
            "subfund_paid_in": float(paid),
            "parent_paid_in": float(parent_paid),
            "reinvestment_recognised": float(recognised),
            "parent_contribution": float(base),
            "core_invested": float(core_invested),
            "largest_investment": float(max(per_company.values(), default=ZERO)),
            "fund_size": float(terms["fund_size"]) if terms else None,
            "private_capital": float(private),
        }
        checks = fa.guidance_indicators(facts, reference_terms(terms))
        if terms and terms.get("max_parent_stake") is not None and committed:
            checks.append(
                indicators.check(
                    "parent_stake",
                    "母基金出资比例",
                    float(parent_committed / committed),
                    float(terms["max_parent_stake"]),
                    "max",
                )
            )
        names = {"fund_name": sf["name"], "fund_name_en": sf["name_en"] or sf["name"]}
        checks_out += [{"fund": code, **names, **item.__dict__} for item in checks]
        rows.append(
            {
                **pos,
                "code": code,
                "name": sf["name"],
                "name_en": sf["name_en"],
                "inception": sf["inception"],
                "fund_size": money(terms["fund_size"]) if terms else None,
                "total_committed": money(committed),
                "total_paid_in": money(paid),
                "total_distributed": money(distributed),
                "parent_committed": money(parent_committed),
                "stake": positions.ratio(stake),
                "invested": money(invested),
                "proceeds": money(proceeds),
                "fair_value": money(fair_value),
                "fees": money(fees),
                "cash": money(cash),
                "gross_irr": None,
                "gross_tvpi": positions.ratio((proceeds + fair_value) / invested)
                if invested
                else None,
                "companies": sum(1 for v in held["value"] if v > 0),
                "reinvest_multiple": positions.ratio(multiple),
                "reinvest_required": money(required),
                "reinvest_recognised": money(recognised),
                "reinvest_completion": positions.ratio(recognised / required) if required else None,
                "core_sector": core,
                "investment_period_years": terms["investment_period_years"] if terms else None,
                "term_years": terms["term_years"] if terms else None,
                "fee_rate": positions.ratio(terms["fee_rate"]) if terms else None,
                "hurdle": positions.ratio(terms["hurdle"]) if terms else None,
                "carry": positions.ratio(terms["carry"]) if terms else None,
                "breaches": sum(1 for i in checks if i.breach),
            }
        )
    return rows, checks_out


def exact_rows(rows: list[dict]) -> list[dict]:
    """Rows with every value as text (a Decimal's exponent, a float's sign of zero)."""
    return [{k: exact(v) for k, v in row.items()} for row in rows]


@pytest.mark.parametrize(
    ("as_of", "positions_for"),
    [
        (dt.date(2026, 9, 30), 15),
        (dt.date(2026, 11, 29), None),
        # Before every sub-fund has a NAV statement every flow is read (nothing unlisted).
        (dt.date(2016, 6, 30), 15),
    ],
)
def test_rows_are_the_generic_figures(cut_demo, as_of, positions_for):
    book = load_book(cut_demo, as_of, detail=False, positions_for=positions_for)
    rows, checks = subfunds.subfund_rows(book, detail=False)
    expected_rows, expected_checks = reference_rows(book, cut_demo)
    assert len(rows) == 18
    assert exact_rows(rows) == exact_rows(expected_rows)
    # Every check with detail; without, the breaches alone (all the dashboard lists).
    _, every_check = subfunds.subfund_rows(book, detail=True)
    assert exact_rows(every_check) == exact_rows(expected_checks)
    breaches = [check for check in expected_checks if check["breach"]]
    assert exact_rows(checks) == exact_rows(breaches)
    assert len(breaches) < len(expected_checks)
    # The two later dates have breaches; in mid-2016 no indicator is breached yet.
    assert bool(breaches) == (as_of.year > 2016)
    assert all(tuple(check) == subfunds.INDICATOR_KEYS for check in every_check)
