"""The snapshot's forecast: Takahashi–Alexander per sub-fund, the parent's liquidity, pacing.

The model's parameters are the published Yale defaults (Takahashi & Alexander
2002): rates of contribution 25 % / 33 % / 50 % of the remaining commitment in
years 1, 2 and 3 on, bow 2.5, a fund life equal to the term, and a growth rate
of 8 % a year (the sub-funds' hurdle). They are shown beside the forecast.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fundtrack import analytics as fa
from fundtrack.services.positions import money, ratio

PARAMETERS = {"rate_of_contribution": [0.25, 0.333, 0.5], "bow": 2.5, "growth": 0.08, "yield": 0.0}
HORIZON_YEARS = 5
PACING_YEARS = 5


def forecast_section(book, subfunds: list[dict]) -> dict:
    rows = []
    for s in subfunds:
        if not s["total_committed"] or not s["inception"]:
            continue
        age = max((book.as_of - s["inception"]).days / 365.0, 0.0)
        rows.append(
            {
                "fund": s["code"],
                "commitment": float(s["total_committed"]),
                "paid_in": float(s["total_paid_in"] or 0),
                "nav": float(s["fund_nav"] or 0),
                "stake": s["stake"] or 0.0,
                "rate_of_contribution": PARAMETERS["rate_of_contribution"],
                "growth": PARAMETERS["growth"],
                "bow": PARAMETERS["bow"],
                "life": float(s["term_years"] or 10),
                "age": age,
                "yield": PARAMETERS["yield"],
            }
        )
    if not rows:
        return {"quarters": [], "pacing": [], "parameters": PARAMETERS}
    per_fund = fa.subfund_forecasts(
        pd.DataFrame(rows), book.as_of, periods_per_year=4, years=HORIZON_YEARS
    )
    liquidity = fa.parent_liquidity(per_fund)
    quarters = [
        {
            "date": _date(r["date"]),
            "calls": money(r["calls"]),
            "distributions": money(r["distributions"]),
            "net": money(r["net"]),
            "cumulative_net": money(r["cumulative_net"]),
            "nav": money(r["nav"]),
        }
        for r in liquidity.to_dict("records")
    ]
    existing = [q["nav"] for q in quarters[3::4]][:PACING_YEARS]
    committed = float(book.commitments.amount[book.commitments.fund == book.parent["code"]].sum())
    pacing = []
    if len(existing) == PACING_YEARS and committed:
        table = fa.commitment_pacing(
            committed,
            PACING_YEARS,
            PARAMETERS["rate_of_contribution"],
            PARAMETERS["growth"],
            PARAMETERS["bow"],
            10.0,
            existing_nav=[float(v) for v in existing],
        )
        pacing = [
            {
                "year": int(year),
                "commitment": money(r["commitment"]),
                "projected_nav": money(r["projected_nav"]),
            }
            for year, r in table.iterrows()
        ]
    return {
        "quarters": quarters,
        "pacing": pacing,
        "pacing_target": money(committed),
        "parameters": PARAMETERS,
        "next_year_calls": money(sum(q["calls"] for q in quarters[:4])),
        "next_year_distributions": money(sum(q["distributions"] for q in quarters[:4])),
        "horizon_years": HORIZON_YEARS,
        "growth": ratio(PARAMETERS["growth"]),
    }


def _date(value) -> dt.date:
    return value.date() if isinstance(value, pd.Timestamp) else value
