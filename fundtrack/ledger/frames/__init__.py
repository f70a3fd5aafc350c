"""Ledger → DataFrames: the inputs of the analytics layer, as of any date.

Cash flows are signed from the investor's side (negative = paid in, positive =
received), amounts are exact ``Decimal`` objects in CNY. Reversed entries and
their reversals are left out: a corrected entry never happened. Filtering and
grouping happen in SQL, so a page reads only the rows it needs.
"""

from fundtrack.ledger.frames.common import (
    FAR_FUTURE,
    FLOW_COLUMNS,
    FLOW_FIELDS,
    FLOW_TOTAL_COLUMNS,
    LEVELS,
)
from fundtrack.ledger.frames.flows import (
    cash_flows,
    daily_flows,
    entity_kinds,
    fee_totals_of,
    fees,
    flow_totals,
    level_totals,
    structure_flows,
)
from fundtrack.ledger.frames.journal import journal_entry, journal_page
from fundtrack.ledger.frames.register import (
    ENTITY_FIELDS,
    commitments,
    entities,
    entity,
    recognitions,
    terms,
)
from fundtrack.ledger.frames.valuations import (
    HOLDING_COLUMNS,
    holdings,
    index_codes,
    index_series,
    latest_navs,
    nav_history,
)

__all__ = [
    "ENTITY_FIELDS",
    "FAR_FUTURE",
    "FLOW_COLUMNS",
    "FLOW_FIELDS",
    "FLOW_TOTAL_COLUMNS",
    "HOLDING_COLUMNS",
    "LEVELS",
    "cash_flows",
    "commitments",
    "daily_flows",
    "entities",
    "entity",
    "entity_kinds",
    "fee_totals_of",
    "fees",
    "flow_totals",
    "holdings",
    "index_codes",
    "index_series",
    "journal_entry",
    "journal_page",
    "latest_navs",
    "level_totals",
    "nav_history",
    "recognitions",
    "structure_flows",
    "terms",
]
