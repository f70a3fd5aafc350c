"""Cash-flow forecast: the Takahashi–Alexander (Yale) model, parent liquidity and pacing.

Takahashi & Alexander (2002), "Illiquid Alternative Asset Fund Modeling", Journal of
Portfolio Management 28(2). For year t = 1, 2, … of a fund with commitment CC and life L:

    C_t   = RC_t × (CC − PIC_{t−1})                 capital called (RC_t: rate of contribution)
    RD_t  = max(Y, (t / L)^B)                       rate of distribution (Y: yield, B: bow)
    D_t   = RD_t × NAV_{t−1} × (1 + G)              distributions (G: growth)
    NAV_t = NAV_{t−1} × (1 + G) + C_t − D_t

A contribution does not grow in the period it is called. RD is capped at 1: at t = L all of
NAV_{L-1} is distributed and NAV_L is only that year's call (the formula as published).

Sub-annual steps (periods_per_year = p > 1; our choice, documented because the paper is
annual): growth per step (1 + G)^(1/p) − 1; contribution rate per step 1 − (1 − RC)^(1/p), so
p steps call the same share of the remaining commitment as one year at RC; the distribution
rate per step 1 − (1 − RD(τ))^(1/p) with RD evaluated at τ, the time in years at the end of
the step (so it still reaches 1 at τ = L). With p = 1 the annual formulas are used as written.
A fund already running starts from `nav0`, `paid_in0` and `age` (years elapsed); years count
from the fund's start. After the end of life a fund calls nothing (RC = 0) and, RD being 1,
pays out whatever it still holds in the next step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from fundtrack.analytics.dates import to_date, to_day


def _rate_for_year(rate_of_contribution, year: int) -> float:
    if isinstance(rate_of_contribution, Sequence | np.ndarray):
        rates = list(rate_of_contribution)
        if not rates:
            raise ValueError("rate_of_contribution is empty")
        return float(rates[min(year, len(rates)) - 1])  # the last value repeats
    return float(rate_of_contribution)


def takahashi_alexander(commitment, rate_of_contribution, growth, bow, life, yield_=0.0,
                        periods=None, periods_per_year=1, nav0=0, paid_in0=0,
                        age=0.0) -> pd.DataFrame:
    """Projected `contributions, distributions, nav`, one row per period (index `period` 1…).

    `rate_of_contribution` is a number or a per-year sequence whose last value repeats;
    `periods` defaults to the rest of the fund's life.
    """
    per_year = int(periods_per_year)
    if per_year < 1:
        raise ValueError("periods_per_year must be at least 1")
    life, age = float(life), float(age)
    if life <= 0:
        raise ValueError("life must be positive")
    if periods is None:
        periods = max(math.ceil(round((life - age) * per_year, 9)), 0)
    step_growth = (1.0 + float(growth)) ** (1.0 / per_year) - 1.0 if per_year > 1 else float(growth)
    commitment, nav, paid = float(commitment), float(nav0), float(paid_in0)
    rows = []
    for k in range(1, int(periods) + 1):
        years = age + k / per_year  # time at the end of this step
        year = math.ceil(round(years, 9))
        beyond = years > life + 1e-9
        annual_rc = 0.0 if beyond else _rate_for_year(rate_of_contribution, year)
        annual_rd = min(max(float(yield_), (years / life) ** float(bow)), 1.0)
        if per_year == 1:
            rc, rd = annual_rc, annual_rd
        else:
            rc = 1.0 - (1.0 - annual_rc) ** (1.0 / per_year)
            rd = 1.0 - (1.0 - annual_rd) ** (1.0 / per_year)
        called = rc * max(commitment - paid, 0.0)
        grown = nav * (1.0 + step_growth)
        distributed = rd * grown
        nav = grown + called - distributed
        paid += called
        rows.append((called, distributed, nav))
    frame = pd.DataFrame(rows, columns=["contributions", "distributions", "nav"])
    frame.index = pd.RangeIndex(1, len(rows) + 1, name="period")
    return frame


SUBFUND_COLUMNS = ("fund", "commitment", "paid_in", "nav", "stake", "rate_of_contribution",
                   "growth", "bow", "life", "age")


def _period_ends(as_of, periods: int, per_year: int) -> list:
    start = pd.Timestamp(to_date(to_day(as_of)))
    months = 12 // per_year if 12 % per_year == 0 else None
    if months is None:
        raise ValueError("periods_per_year must divide 12")
    return [(start + pd.DateOffset(months=months * k) + pd.offsets.MonthEnd(0)).date()
            for k in range(1, periods + 1)]


def subfund_forecasts(subfunds: pd.DataFrame, as_of, periods_per_year: int = 4,
                      years: float | None = None) -> pd.DataFrame:
    """Takahashi–Alexander forecast of each sub-fund from `as_of`, with the parent's share.

    `subfunds` columns: `fund, commitment` (the sub-fund's total commitments), `paid_in`,
    `nav` (both at as_of, whole fund), `stake` (parent's share, 0..1), `rate_of_contribution`,
    `growth, bow, life, age` (years since the fund started) and optionally `yield`.
    Returns columns `fund, period, date` (period end), `contributions, distributions, nav`
    (whole sub-fund) and `parent_contributions, parent_distributions, parent_nav` (× stake).
    `years` sets the horizon for every fund (default: the longest remaining life).
    """
    missing = [c for c in SUBFUND_COLUMNS if c not in subfunds.columns]
    if missing:
        raise ValueError(f"subfunds lack columns {missing}")
    if years is None:
        remaining = (subfunds["life"].astype(float) - subfunds["age"].astype(float)).max()
        years = max(float(remaining), 0.0) if len(subfunds) else 0.0
    periods = max(math.ceil(round(years * periods_per_year, 9)), 0)
    ends = _period_ends(as_of, periods, periods_per_year)
    parts = []
    for row in subfunds.itertuples(index=False):
        projected = takahashi_alexander(
            row.commitment, row.rate_of_contribution, row.growth, row.bow, row.life,
            yield_=getattr(row, "yield", 0.0) or 0.0, periods=periods,
            periods_per_year=periods_per_year, nav0=row.nav, paid_in0=row.paid_in, age=row.age,
        ).reset_index()
        projected.insert(0, "fund", row.fund)
        projected.insert(2, "date", ends)
        for column in ("contributions", "distributions", "nav"):
            projected[f"parent_{column}"] = projected[column] * float(row.stake)
        parts.append(projected)
    columns = ["fund", "period", "date", "contributions", "distributions", "nav",
               "parent_contributions", "parent_distributions", "parent_nav"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def parent_liquidity(forecasts: pd.DataFrame) -> pd.DataFrame:
    """The parent's liquidity needs per period, summed over sub-funds.

    Input: the output of `subfund_forecasts`. Columns `date, calls, distributions, net`
    (distributions − calls: negative means cash the parent must find), `cumulative_net`,
    `nav` (the parent's share of sub-fund NAVs).
    """
    grouped = forecasts.groupby("date", sort=True).agg(
        calls=("parent_contributions", "sum"),
        distributions=("parent_distributions", "sum"),
        nav=("parent_nav", "sum"),
    ).reset_index()
    grouped["net"] = grouped["distributions"] - grouped["calls"]
    grouped["cumulative_net"] = grouped["net"].cumsum()
    return grouped[["date", "calls", "distributions", "net", "cumulative_net", "nav"]]


def commitment_pacing(target_nav: float, years: int, rate_of_contribution, growth, bow, life,
                      yield_: float = 0.0, existing_nav: Sequence[float] | None = None
                      ) -> pd.DataFrame:
    """Equal yearly new commitments so that projected NAV reaches `target_nav` in `years`.

    Each year's commitment is a new vintage following the (annual) Takahashi–Alexander model
    with the given parameters. The model is linear in the commitment, so with n_k the NAV per
    unit committed k years after commitment, the NAV at year T of commitments c per year is
    c × (n_1 + … + n_T) and c = (target − existing NAV at T) ÷ (n_1 + … + n_T), not below 0.
    `existing_nav` is the current portfolio's projected NAV at each year end 1…T (default 0).
    Returns index `year` 1…T with columns `commitment, contributions, distributions,
    new_nav, existing_nav, projected_nav`.
    """
    years = int(years)
    if years < 1:
        raise ValueError("years must be at least 1")
    unit = takahashi_alexander(1.0, rate_of_contribution, growth, bow, life, yield_=yield_,
                               periods=years)
    existing = np.zeros(years) if existing_nav is None else np.asarray(existing_nav, float)
    if len(existing) != years:
        raise ValueError("existing_nav needs one value per year")
    per_unit = float(unit["nav"].sum())
    yearly = max((float(target_nav) - existing[-1]) / per_unit, 0.0) if per_unit > 0 else 0.0
    totals = {}
    for column in ("contributions", "distributions", "nav"):
        unit_path = unit[column].to_numpy()
        # Year y holds vintages 1..y, the vintage of year v being y - v + 1 years old.
        totals[column] = yearly * np.cumsum(unit_path)
    frame = pd.DataFrame({
        "commitment": np.full(years, yearly),
        "contributions": totals["contributions"],
        "distributions": totals["distributions"],
        "new_nav": totals["nav"],
        "existing_nav": existing,
    }, index=pd.RangeIndex(1, years + 1, name="year"))
    frame["projected_nav"] = frame["new_nav"] + frame["existing_nav"]
    return frame
