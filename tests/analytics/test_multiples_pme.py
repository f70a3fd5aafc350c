"""Multiples (ILPA/GIPS definitions) and PME methods against their defining formulas."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fundtrack.analytics import (
    direct_alpha,
    irr,
    ks_pme,
    ks_pme_result,
    ln_pme,
    ln_pme_result,
    mpme,
    multiples,
    pic_to_commitment,
    pme_plus,
    pme_results,
    unfunded,
    xirr,
)


def test_multiples_ilpa_definitions():
    """ILPA Reporting Template definitions: DPI = D/PIC, RVPI = NAV/PIC, TVPI = (D+NAV)/PIC."""
    result = multiples([60, 40], [30, 20], 80)
    assert result == {"pic": 100.0, "dpi": 0.5, "rvpi": 0.8, "tvpi": 1.3}


def test_multiples_without_paid_in_are_none():
    assert multiples([], [], 0) == {"pic": 0.0, "dpi": None, "rvpi": None, "tvpi": None}


def test_multiples_reject_negative_amounts():
    with pytest.raises(ValueError, match="positive"):
        multiples([-1], [], 0)


def test_commitment_figures():
    assert pic_to_commitment(40, 100) == 0.4
    assert pic_to_commitment(40, 0) is None
    assert unfunded(100, 40, 5) == {"undrawn": 60.0, "recallable": 5.0, "total": 65.0}
    assert unfunded(100, 110)["undrawn"] == 0.0


# --- PME ----------------------------------------------------------------------------------

INDEX = pd.Series(
    [100.0, 110.0, 95.0, 120.0, 130.0, 125.0],
    index=pd.to_datetime(["2015-01-01", "2016-01-01", "2017-01-01", "2018-01-01",
                          "2019-01-01", "2020-01-01"]),
)
FLOW_DATES = [dt.date(2015, 1, 1), dt.date(2016, 1, 1), dt.date(2017, 3, 15),
              dt.date(2018, 1, 1), dt.date(2019, 6, 30)]
CALLS = [100.0, 50.0, 0.0, 0.0, 0.0]
DISTS = [0.0, 0.0, 30.0, 40.0, 20.0]
NAV_DATE = dt.date(2020, 1, 1)


def _level(day):
    return float(INDEX[INDEX.index <= pd.Timestamp(day)].iloc[-1])


def _tracking_fund():
    """A fund whose value is exactly the index position its own flows buy and sell."""
    amounts = [d - c for c, d in zip(CALLS, DISTS, strict=True)]
    nav = sum(-a * _level(NAV_DATE) / _level(d) for d, a in zip(FLOW_DATES, amounts, strict=True))
    navs = {}
    for when in [*FLOW_DATES, NAV_DATE]:
        navs[when] = sum(-a * _level(when) / _level(d)
                         for d, a in zip(FLOW_DATES, amounts, strict=True) if d <= when)
    return amounts, nav, pd.Series(navs)


def test_tracking_fund_has_neutral_pme():
    """A fund that tracks the index: KS-PME = 1 (Kaplan & Schoar 2005), Direct Alpha = 0
    (Gredil, Griffiths & Stucke 2014), and LN-PME, PME+ and mPME all equal the fund's IRR
    (Long & Nickels 1996, Rouvinez 2003, Cambridge Associates 2013)."""
    amounts, nav, navs = _tracking_fund()
    assert nav > 0
    fund_irr = xirr([*FLOW_DATES, NAV_DATE], [*amounts, nav])
    assert ks_pme(FLOW_DATES, amounts, NAV_DATE, nav, INDEX) == pytest.approx(1.0, abs=1e-12)
    assert direct_alpha(FLOW_DATES, amounts, NAV_DATE, nav, INDEX) == pytest.approx(0, abs=1e-9)
    assert ln_pme(FLOW_DATES, amounts, NAV_DATE, nav, INDEX) == pytest.approx(fund_irr, abs=1e-9)
    assert pme_plus(FLOW_DATES, amounts, NAV_DATE, nav, INDEX) == pytest.approx(fund_irr,
                                                                               abs=1e-9)
    assert mpme(FLOW_DATES, amounts, NAV_DATE, nav, INDEX, navs) == pytest.approx(fund_irr,
                                                                                 abs=1e-9)


def test_ks_pme_by_hand():
    """One call of 100 at index 100, NAV 150 when the index is 125:
    KS-PME = (150 / 125) / (100 / 100) = 1.2."""
    assert ks_pme([dt.date(2015, 1, 1)], [-100], NAV_DATE, 150, INDEX) == pytest.approx(1.2)


def test_direct_alpha_by_hand():
    """Call 100 on 2015-01-01 (index 100), NAV 150 on 2016-01-01 (index 110), 365 days apart:
    compounded call = -100 * 110/100 = -110, so (1 + a) = 150/110 and a = 4/11."""
    alpha = direct_alpha([dt.date(2015, 1, 1)], [-100], dt.date(2016, 1, 1), 150, INDEX)
    assert alpha == pytest.approx(150 / 110 - 1, abs=1e-12)


def test_ln_pme_by_hand():
    """Call 100 (index 100), distribution 30 on 2017-01-01 (index 95), valued on 2018-01-01
    (index 120): PME NAV = 100 * 120/100 - 30 * 120/95; the LN-PME is the IRR of
    (-100, 30, PME NAV) at yearly steps of 365 days (2016 is a leap year: 366 days)."""
    dates = [dt.date(2015, 1, 1), dt.date(2017, 1, 1)]
    pme_nav = 100 * 1.2 - 30 * 120 / 95
    expected = xirr([*dates, dt.date(2018, 1, 1)], [-100, 30, pme_nav])
    assert ln_pme(dates, [-100, 30], dt.date(2018, 1, 1), 10, INDEX) == pytest.approx(expected)


def test_ln_pme_negative_nav_is_none():
    """Distributions far above what the index position could pay: the PME NAV is negative."""
    result = ln_pme_result([dt.date(2015, 1, 1), dt.date(2016, 1, 1)], [-100, 500],
                           NAV_DATE, 0, INDEX)
    assert result.value is None
    assert "negative" in result.reason


def test_pme_plus_lambda_by_hand():
    """Rouvinez: lambda = (100 * 125/100 - 60) / (50 * 125/110); PME+ is the IRR of
    (-100, lambda * 50, 60)."""
    dates = [dt.date(2015, 1, 1), dt.date(2016, 1, 1)]
    lam = (125 - 60) / (50 * 125 / 110)
    expected = xirr([*dates, NAV_DATE], [-100, lam * 50, 60])
    assert pme_plus(dates, [-100, 50], NAV_DATE, 60, INDEX) == pytest.approx(expected)


def test_index_before_first_level_gives_reason():
    result = ks_pme_result([dt.date(2014, 6, 1)], [-100], NAV_DATE, 150, INDEX)
    assert result.value is None
    assert "2014-06-01" in result.reason


def test_index_level_is_last_on_or_before():
    """A call on 2015-06-30 uses the 2015-01-01 level (100)."""
    assert ks_pme([dt.date(2015, 6, 30)], [-100], NAV_DATE, 125, INDEX) == pytest.approx(1.0)


def test_pme_results_together():
    amounts, nav, navs = _tracking_fund()
    results = pme_results(FLOW_DATES, amounts, NAV_DATE, nav, INDEX, navs)
    assert set(results) == {"ks_pme", "direct_alpha", "ln_pme", "pme_plus", "mpme"}
    assert all(r.reason is None for r in results.values())


def test_periodic_irr_used_for_pme_is_consistent():
    assert irr([-100, 110]) == pytest.approx(0.1)
    assert np.isfinite(irr([-100, 110]))


def test_long_nickels_published_example():
    """The worked example of the Wikipedia article "Public Market Equivalent" (Long–Nickels).

    Periods p1..p4 carry flows −100, −50, +60, +10 and p5 a valuation of 110; the index
    stands at 100, 105, 115, 117, 120. The article's theoretical index investment ends at
    104.28 and it reports IRR 6.43 % and PME (the IRR with the index value as the final
    flow) 5.30 %. Periods become dates 365 days apart, so ACT/365F years equal periods.
    """
    start = dt.date(2001, 1, 1)
    dates = [start + dt.timedelta(days=365 * k) for k in range(5)]
    index = pd.Series([100.0, 105.0, 115.0, 117.0, 120.0], index=pd.to_datetime(dates))
    flows = [-100.0, -50.0, 60.0, 10.0]
    assert round(xirr(dates, [*flows, 110.0]), 4) == 0.0643
    assert round(ln_pme(dates[:4], flows, dates[4], 110.0, index), 4) == 0.0530
