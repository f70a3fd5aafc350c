"""Per-fund sums over a book's frames, each frame in one pass.

A dashboard shows a hundred sub-funds or more. Each frame is read once, over the few
columns a figure needs, instead of being split by fund and summed figure by figure.
Every sum adds the same Decimals in the same order as a sum from ``ZERO`` over the
fund's rows would, so every figure is the same, exponent included.
"""

from __future__ import annotations

from decimal import Decimal

from fundtrack.services.positions import ZERO

#: What no fund code equals, not even None: the fund "before" a frame's first row.
_NO_FUND = object()


def kind_sums(frame, first: str, second: str) -> dict[str, list[Decimal]]:
    """Per fund, ``[amounts of kind first, amounts of kind second]``, each summed as
    ``dsum`` would sum the fund's rows (in the frame's order, from ``ZERO``)."""
    sums: dict[str, list[Decimal]] = {}
    if frame.empty:
        return sums
    # A fund's rows mostly come together: look its sums up only when the fund changes.
    current, pair = _NO_FUND, None
    for fund, kind, amount in zip(
        frame["fund"].tolist(), frame["kind"].tolist(), frame["amount"].tolist(), strict=True
    ):
        if kind == first:
            at = 0
        elif kind == second:
            at = 1
        else:
            continue
        if fund != current:
            pair = sums.get(fund)
            if pair is None:
                pair = sums[fund] = [ZERO, ZERO]
            current = fund
        pair[at] += amount
    return sums


def column_sums(frame, column: str) -> dict[str, Decimal]:
    """Per fund, the ``dsum`` of its rows' ``column``."""
    sums: dict[str, Decimal] = {}
    if frame.empty:
        return sums
    for fund, amount in zip(frame["fund"].tolist(), frame[column].tolist(), strict=True):
        sums[fund] = sums.get(fund, ZERO) + amount
    return sums


def commitment_sums(frame, parent: str, private: set) -> dict[str, list[Decimal]]:
    """Per fund, ``[committed, by the parent, by private investors]``."""
    sums: dict[str, list[Decimal]] = {}
    if frame.empty:
        return sums
    for fund, investor, amount in zip(
        frame["fund"].tolist(), frame["investor"].tolist(), frame["amount"].tolist(), strict=True
    ):
        totals = sums.get(fund)
        if totals is None:
            totals = sums[fund] = [ZERO, ZERO, ZERO]
        totals[0] += amount
        if investor == parent:
            totals[1] += amount
        if investor in private:
            totals[2] += amount
    return sums


def holding_sums(frame, sectors: dict) -> dict[str, list]:
    """Per fund, ``[fair value, companies held at a value, invested by company, invested,
    proceeds]`` (the last two: its gross totals, every holding's flows summed).

    ``sectors`` (company → sector, from the entities) gains the sector in the holdings
    of each company the entities do not hold: a book read without the companies has
    their attributes in its holdings only.
    """
    sums: dict[str, list] = {}
    if frame.empty:
        return sums
    current, totals = _NO_FUND, None
    for fund, company, sector, invested, proceeds, value in zip(
        frame["fund"].tolist(),
        frame["company"].tolist(),
        frame["sector"].tolist(),
        frame["invested"].tolist(),
        frame["proceeds"].tolist(),
        frame["value"].tolist(),
        strict=True,
    ):
        if company not in sectors:
            sectors[company] = sector
        if fund != current:
            totals = sums.get(fund)
            if totals is None:
                totals = sums[fund] = [ZERO, 0, {}, ZERO, ZERO]
            current = fund
        totals[0] += value
        if value > ZERO:
            totals[1] += 1
        # One row per company in a fund's holdings, so this is the per-company invested.
        totals[2][company] = invested
        totals[3] += invested
        totals[4] += proceeds
    return sums


def by_fund(frame, names: tuple[str, ...]) -> dict[str, dict[str, list]]:
    """``frame``'s ``names`` columns split by fund, each fund's rows in the frame's order."""
    if frame.empty:
        return {}
    rows: dict[str, list[int]] = {}
    for i, fund in enumerate(frame["fund"].tolist()):
        at = rows.get(fund)
        if at is None:
            rows[fund] = [i]
        else:
            at.append(i)
    columns = [(name, frame[name].tolist()) for name in names]
    return {
        fund: {name: [values[i] for i in at] for name, values in columns}
        for fund, at in rows.items()
    }


def after_statement(flows: dict[str, list], statements: dict[str, list]) -> dict[str, list]:
    """The flows a sub-fund's NAV is rolled forward with: every investor's after its
    latest statement (all of them while it has none)."""
    if not statements["date"]:
        return flows
    last = statements["date"][-1]
    keep = [i for i, day in enumerate(flows["date"]) if day > last]
    if len(keep) == len(flows["date"]):
        return flows
    return {name: [values[i] for i in keep] for name, values in flows.items()}
