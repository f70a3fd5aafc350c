"""Annual performance evaluation (绩效评价): a weighted scorecard whose items are data.

The specification is a list of items `{indicator, weight, target, direction}`; values come as a
mapping indicator -> number (None when not available). Scoring rule, per item:

    direction "min" (more is better): full weight at or above target, falling linearly to 0 at 0
        score = weight × clamp(value / target, 0, 1)            (target > 0)
    direction "max" (less is better): full weight at or below target, falling linearly to 0 at
        twice the target
        score = weight × clamp(2 − value / target, 0, 1)        (target > 0)
    a target of 0 or below: full weight when the value is on the right side of it, else 0
    no value: 0, with the note "no value"

The total is out of 100: the sum of scores × 100 ÷ the sum of weights, so weights need not add
up to 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scorecard:
    """Per-item scores (`indicator, value, target, direction, weight, score, note`) and total."""

    items: pd.DataFrame
    total: float


def item_score(value, target: float, direction: str, weight: float) -> float:
    """Score of one item under the module's rule."""
    if value is None or pd.isna(value):
        return 0.0
    value, target, weight = float(value), float(target), float(weight)
    if direction == "min":
        if target <= 0:
            return weight if value >= target else 0.0
        fraction = value / target
    elif direction == "max":
        if target <= 0:
            return weight if value <= target else 0.0
        fraction = 2.0 - value / target
    else:
        raise ValueError("direction must be 'min' or 'max'")
    return weight * min(max(fraction, 0.0), 1.0)


def scorecard(values: Mapping, spec: Iterable[Mapping]) -> Scorecard:
    """Score `values` against the scorecard `spec`; see the module docstring for the rule."""
    rows = []
    for item in spec:
        name = item["indicator"]
        value = values.get(name)
        missing = value is None or pd.isna(value)
        rows.append({
            "indicator": name,
            "value": None if missing else float(value),
            "target": float(item["target"]),
            "direction": item["direction"],
            "weight": float(item["weight"]),
            "score": item_score(value, item["target"], item["direction"], item["weight"]),
            "note": "no value" if missing else None,
        })
    items = pd.DataFrame(rows, columns=["indicator", "value", "target", "direction", "weight",
                                        "score", "note"])
    weights = items["weight"].sum()
    total = float(items["score"].sum() * 100.0 / weights) if weights else 0.0
    return Scorecard(items, total)
