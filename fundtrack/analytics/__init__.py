"""Pure analytics for fundtrack: returns, multiples, PME, exposure, indicators and forecasts.

Nothing here touches the database, Flask or the clock: inputs are plain sequences, numpy
arrays or DataFrames with documented columns, and every date that matters (`as_of`) is a
parameter. Signs follow DESIGN §4: negative = paid in by the investor, positive = received;
day count ACT/365F. A figure that does not exist is None (with a reason where it helps), never
NaN. Dates may be `datetime.date`, `datetime.datetime`, numpy `datetime64` or ISO strings.

Modules: `returns` (xirr, xnpv, irr), `batch` (xirr_many), `multiples`, `pme`, `horizons`
(roll-forward, horizon IRRs, J-curve history), `exposure`, `indicators`, `scorecard`,
`forecast` (Takahashi–Alexander, liquidity, pacing), `dates`, `rootfinding`.
"""

from fundtrack.analytics.batch import xirr_many, xirr_many_result
from fundtrack.analytics.dates import quarter_ends
from fundtrack.analytics.exposure import (
    concentration,
    exposure_by,
    exposure_summary,
    look_through,
    shared_companies,
    unknown_stakes,
)
from fundtrack.analytics.forecast import (
    commitment_pacing,
    parent_liquidity,
    subfund_forecasts,
    takahashi_alexander,
)
from fundtrack.analytics.horizons import (
    RolledNav,
    horizon_irrs,
    performance_history,
    roll_forward,
    roll_forward_nav,
)
from fundtrack.analytics.indicators import (
    IndicatorCheck,
    core_sector_share,
    guidance_indicators,
    guidance_table,
    idle_cash_share,
    investment_progress,
    leverage,
    paid_in_ratio,
    private_capital_share,
    reinvestment_completion,
    single_project_share,
)
from fundtrack.analytics.multiples import multiples, pic_to_commitment, unfunded
from fundtrack.analytics.pme import (
    PmeResult,
    direct_alpha,
    direct_alpha_result,
    ks_pme,
    ks_pme_result,
    ln_pme,
    ln_pme_result,
    mpme,
    mpme_result,
    pme_plus,
    pme_plus_result,
    pme_results,
)
from fundtrack.analytics.returns import XirrResult, irr, irr_result, xirr, xirr_result, xnpv
from fundtrack.analytics.scorecard import Scorecard, item_score, scorecard

__all__ = [
    "IndicatorCheck",
    "PmeResult",
    "RolledNav",
    "Scorecard",
    "XirrResult",
    "commitment_pacing",
    "concentration",
    "core_sector_share",
    "direct_alpha",
    "direct_alpha_result",
    "exposure_by",
    "exposure_summary",
    "guidance_indicators",
    "guidance_table",
    "horizon_irrs",
    "idle_cash_share",
    "investment_progress",
    "irr",
    "irr_result",
    "item_score",
    "ks_pme",
    "ks_pme_result",
    "leverage",
    "ln_pme",
    "ln_pme_result",
    "look_through",
    "mpme",
    "mpme_result",
    "multiples",
    "paid_in_ratio",
    "parent_liquidity",
    "performance_history",
    "pic_to_commitment",
    "pme_plus",
    "pme_plus_result",
    "pme_results",
    "private_capital_share",
    "quarter_ends",
    "reinvestment_completion",
    "roll_forward",
    "roll_forward_nav",
    "scorecard",
    "shared_companies",
    "single_project_share",
    "subfund_forecasts",
    "takahashi_alexander",
    "unfunded",
    "unknown_stakes",
    "xirr",
    "xirr_many",
    "xirr_many_result",
    "xirr_result",
    "xnpv",
]
