"""SVG charts for the printed report and the web UI: pure functions returning SVG strings.

Each chart is a self-contained ``<svg>`` element (no JavaScript, no external
references, fonts by family name) sized in CSS pixels, so WeasyPrint lays it out
like an image and a browser shows the same picture. Labels are user text
(fund and company names) and are always escaped. Missing values (None, NaN) are
skipped, never drawn as zero. Money axes are scaled to 亿元 (zh) or CNY millions
(en); the caller passes exact Decimals or floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans', sans-serif"
INK = "#1f2933"
GRID = "#d9dee3"
MUTED = "#6b7580"
#: Print-safe colours that stay apart in greyscale too.
PALETTE = ["#1f5f8b", "#d9822b", "#3c8d5a", "#8e44ad", "#c0392b", "#7f8c8d", "#b7950b", "#2c3e50"]
PAID_IN = "#c0392b"
DISTRIBUTED = "#3c8d5a"
NAV = "#1f5f8b"


def _num(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value) if isinstance(value, (int, float, Decimal)) else None
    if number is None or not math.isfinite(number):
        return None
    return number


def _money_scale(lang: str) -> tuple[float, str]:
    return (1e8, "亿元") if lang == "zh" else (1e6, "CNY m")


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (always including zero when in range)."""
    if high == low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_label(value: float, suffix: str = "") -> str:
    if abs(value) >= 100 or value == int(value):
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + suffix


def _text(x, y, body, *, size=10, anchor="start", fill=INK, weight="normal", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}"{extra}>{escape(str(body))}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="{FONT}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _empty(width: int, height: int, title: str, lang: str) -> str:
    message = "暂无数据" if lang == "zh" else "no data yet"
    return _svg(width, height, title, [_text(width / 2, height / 2, message, anchor="middle",
                                              fill=MUTED, size=11)])


def _legend(entries: Sequence[tuple[str, str, str]], x: float, y: float) -> list[str]:
    """A one-line legend: (label, colour, 'bar'|'line') entries from (x, y)."""
    parts = []
    for label, colour, shape in entries:
        if shape == "line":
            parts.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 14:.1f}" y2="{y - 4:.1f}" '
                         f'stroke="{colour}" stroke-width="2.5"/>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="10" '
                         f'fill="{colour}"/>')
        parts.append(_text(x + 18, y, label, size=9.5))
        x += 34 + sum(10 if ord(c) > 0x2E80 else 5.6 for c in label)
    return parts


class _Frame:
    """A plot area with a linear y scale; x is by category index."""

    def __init__(self, width, height, left, right, top, bottom, low, high, ticks=5):
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = top, height - bottom
        self.ticks = _nice_ticks(min(low, 0.0), max(high, 0.0), ticks)
        self.low, self.high = self.ticks[0], self.ticks[-1]

    def y(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.y1 - (value - self.low) / span * (self.y1 - self.y0)

    def grid(self, suffix: str) -> list[str]:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            colour = MUTED if tick == 0 else GRID
            parts.append(f'<line x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" '
                         f'stroke="{colour}" stroke-width="{1 if tick == 0 else 0.6}"/>')
            parts.append(_text(self.x0 - 5, y + 3.5, _tick_label(tick, suffix), size=9,
                               anchor="end", fill=MUTED))
        return parts


def _x_labels(labels: Sequence[str], centres: Sequence[float], y: float, limit: int = 12):
    """Category labels under the axis, thinned so they never overlap."""
    every = max(1, math.ceil(len(labels) / limit))
    return [_text(cx, y, label, size=9, anchor="middle", fill=MUTED)
            for i, (label, cx) in enumerate(zip(labels, centres, strict=True))
            if i % every == 0 or (i == len(labels) - 1 and i % every >= every / 2 + 1)]


def j_curve(
    labels: Sequence[str],
    cumulative_net: Sequence,
    irr: Sequence | None = None,
    *,
    lang: str = "zh",
    width: int = 640,
    height: int = 250,
) -> str:
    """The J-curve: cumulative net cash flow (bars, money axis) with the IRR history (line, %).

    ``labels`` name the periods (e.g. ``2026Q3``); ``cumulative_net`` is distributions
    minus paid-in to date, in CNY (negative in the early years); ``irr`` the
    since-inception IRR at each period end (None where it is not defined).
    """
    title = "J 曲线与 IRR" if lang == "zh" else "J-curve and IRR"
    scale, unit = _money_scale(lang)
    values = [_num(v) for v in cumulative_net]
    rates = [_num(v) for v in (irr or [None] * len(labels))]
    known = [v / scale for v in values if v is not None]
    if not labels or not known:
        return _empty(width, height, title, lang)
    frame = _Frame(width, height, 58, 52, 28, 30, min(known), max(known))
    step = (frame.x1 - frame.x0) / len(labels)
    centres = [frame.x0 + step * (i + 0.5) for i in range(len(labels))]
    parts = frame.grid("")
    parts.append(_text(frame.x0 - 5, 14, unit, size=9, anchor="end", fill=MUTED))
    bar = step * 0.6
    for cx, value in zip(centres, values, strict=True):
        if value is None:
            continue
        top, base = frame.y(max(value / scale, 0)), frame.y(min(value / scale, 0))
        colour = PAID_IN if value < 0 else DISTRIBUTED
        parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                     f'height="{max(base - top, 0.5):.1f}" fill="{colour}" opacity="0.8"/>')
    known_rates = [r for r in rates if r is not None]
    if known_rates:
        r_ticks = _nice_ticks(min(min(known_rates), 0) * 100, max(max(known_rates), 0) * 100, 5)
        r_low, r_high = r_ticks[0], r_ticks[-1]

        def ry(rate: float) -> float:
            return frame.y1 - (rate * 100 - r_low) / ((r_high - r_low) or 1) * (frame.y1 - frame.y0)

        for tick in r_ticks:
            parts.append(_text(frame.x1 + 5, ry(tick / 100) + 3.5, _tick_label(tick, "%"),
                               size=9, fill=NAV))
        path, pen = [], "M"
        for cx, rate in zip(centres, rates, strict=True):
            if rate is None:
                pen = "M"
                continue
            path.append(f"{pen}{cx:.1f},{ry(rate):.1f}")
            pen = "L"
            parts.append(f'<circle cx="{cx:.1f}" cy="{ry(rate):.1f}" r="2.5" fill="{NAV}"/>')
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{NAV}" stroke-width="2"/>')
        parts.append(_text(frame.x1 + 5, 14, "IRR", size=9, fill=NAV))
    parts += _x_labels(labels, centres, frame.y1 + 14)
    legend = [("累计净现金流" if lang == "zh" else "Cumulative net cash flow", DISTRIBUTED, "bar"),
              ("IRR（成立以来）" if lang == "zh" else "Since-inception IRR", NAV, "line")]
    parts += _legend(legend, frame.x0, height - 4)
    return _svg(width, height, title, parts)


def cash_flow_bars(
    labels: Sequence[str],
    paid_in: Sequence,
    distributed: Sequence,
    *,
    net: Sequence | None = None,
    lang: str = "zh",
    width: int = 640,
    height: int = 230,
) -> str:
    """Quarterly cash flows: paid-in below the axis, distributions above, optional net line.

    ``paid_in`` and ``distributed`` are positive CNY amounts per period.
    """
    title = "季度现金流" if lang == "zh" else "Quarterly cash flows"
    scale, unit = _money_scale(lang)
    ins = [(_num(v) or 0.0) / scale for v in paid_in]
    outs = [(_num(v) or 0.0) / scale for v in distributed]
    nets = [None if _num(v) is None else _num(v) / scale for v in (net or [])]
    if not labels or not any(ins + outs):
        return _empty(width, height, title, lang)
    frame = _Frame(width, height, 58, 14, 24, 30, -max([*ins, 0]), max([*outs, 0]))
    step = (frame.x1 - frame.x0) / len(labels)
    centres = [frame.x0 + step * (i + 0.5) for i in range(len(labels))]
    parts = frame.grid("")
    parts.append(_text(frame.x0 - 5, 12, unit, size=9, anchor="end", fill=MUTED))
    bar = step * 0.6
    zero = frame.y(0)
    for cx, a, b in zip(centres, ins, outs, strict=True):
        if a:
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{zero:.1f}" width="{bar:.1f}" '
                         f'height="{frame.y(-a) - zero:.1f}" fill="{PAID_IN}" opacity="0.85"/>')
        if b:
            parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{frame.y(b):.1f}" width="{bar:.1f}" '
                         f'height="{zero - frame.y(b):.1f}" fill="{DISTRIBUTED}" opacity="0.85"/>')
    legend = [("实缴出资" if lang == "zh" else "Paid in", PAID_IN, "bar"),
              ("收益分配" if lang == "zh" else "Distributed", DISTRIBUTED, "bar")]
    if nets:
        points = [f"{cx:.1f},{frame.y(v):.1f}" for cx, v in zip(centres, nets, strict=False)
                  if v is not None]
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{INK}" '
                     f'stroke-width="1.5" stroke-dasharray="4 2"/>')
        legend.append(("净现金流" if lang == "zh" else "Net", INK, "line"))
    parts += _x_labels(labels, centres, frame.y1 + 14)
    parts += _legend(legend, frame.x0, height - 4)
    return _svg(width, height, title, parts)


def exposure_bars(
    items: Sequence[tuple[str, object]],
    *,
    title: str = "",
    value_format: Callable[[float], str] | None = None,
    width: int = 310,
    bar_height: int = 16,
    label_width: int = 120,
    colour: str = NAV,
) -> str:
    """Horizontal bars for shares (0–1 by default): ``[(label, share), ...]`` top to bottom."""
    fmt = value_format or (lambda v: f"{v * 100:.1f}%")
    rows = [(label, _num(v)) for label, v in items]
    height = 8 + len(rows) * (bar_height + 6) + 4
    if not rows:
        return _empty(width, 40, title, "zh")
    peak = max([v for _, v in rows if v is not None] + [1e-12])
    track = width - label_width - 56
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 8 + i * (bar_height + 6)
        shown = label if len(label) <= 14 else label[:13] + "…"
        parts.append(_text(label_width - 6, y + bar_height - 4, shown, size=9.5, anchor="end"))
        if value is None:
            parts.append(_text(label_width, y + bar_height - 4, "—", size=9.5, fill=MUTED))
            continue
        length = max(track * max(value, 0) / peak, 0.5)
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
                     f'height="{bar_height}" fill="{colour}" opacity="0.85"/>')
        parts.append(_text(label_width + length + 4, y + bar_height - 4, fmt(value), size=9))
    return _svg(width, height, title, parts)


#: Rows a donut's legend has room for: a longer list is best given as its largest slices
#: and one for the rest.
DONUT_LEGEND = 9


def donut(
    items: Sequence[tuple[str, object]],
    *,
    title: str = "",
    centre_label: str = "",
    width: int = 310,
    height: int = 170,
) -> str:
    """A donut of shares with a legend on the right: ``[(label, value), ...]``."""
    rows = [(label, _num(v)) for label, v in items]
    rows = [(label, v) for label, v in rows if v is not None and v > 0]
    total = sum(v for _, v in rows)
    if not rows or total <= 0:
        return _empty(width, height, title, "zh")
    cx, cy = height / 2, height / 2
    outer, inner = height / 2 - 6, height / 2 - 34
    parts, angle = [], -math.pi / 2
    for i, (_label, value) in enumerate(rows):
        sweep = 2 * math.pi * value / total
        colour = PALETTE[i % len(PALETTE)]
        if sweep >= 2 * math.pi - 1e-9:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{(outer + inner) / 2:.1f}" fill="none" '
                         f'stroke="{colour}" stroke-width="{outer - inner:.1f}"/>')
            break
        end = angle + sweep
        large = 1 if sweep > math.pi else 0
        p = [(cx + r * math.cos(a), cy + r * math.sin(a))
             for r, a in ((outer, angle), (outer, end), (inner, end), (inner, angle))]
        parts.append(
            f'<path d="M{p[0][0]:.2f},{p[0][1]:.2f} A{outer:.1f},{outer:.1f} 0 {large} 1 '
            f'{p[1][0]:.2f},{p[1][1]:.2f} L{p[2][0]:.2f},{p[2][1]:.2f} A{inner:.1f},{inner:.1f} '
            f'0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z" fill="{colour}" stroke="#fff" '
            f'stroke-width="1"/>'
        )
        angle = end
    if centre_label:
        parts.append(_text(cx, cy + 4, centre_label, size=11, anchor="middle", weight="bold"))
    x = height + 8
    for i, (label, value) in enumerate(rows[:DONUT_LEGEND]):
        y = 18 + i * 17
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        shown = label if len(label) <= 12 else label[:11] + "…"
        parts.append(_text(x + 15, y, f"{shown}  {value / total * 100:.1f}%", size=9.5))
    return _svg(width, height, title, parts)


def progress_bars(
    items: Sequence[tuple[str, object, object]],
    *,
    title: str = "",
    width: int = 640,
    bar_height: int = 14,
    label_width: int = 170,
) -> str:
    """Progress towards targets, e.g. 返投 completion: ``[(label, achieved, target), ...]``.

    ``achieved`` and ``target`` are in the same unit; the bar shows achieved ÷ target
    (capped at 150% so an over-achiever does not squash the others), with a tick at 100%.
    """
    rows = []
    for label, achieved, target in items:
        a, t = _num(achieved), _num(target)
        rows.append((label, None if a is None or not t else a / t))
    if not rows:
        return _empty(width, 40, title, "zh")
    height = 10 + len(rows) * (bar_height + 10)
    track = width - label_width - 60
    full = track / 1.5
    parts = []
    for i, (label, ratio) in enumerate(rows):
        y = 8 + i * (bar_height + 10)
        shown = label if len(label) <= 18 else label[:17] + "…"
        parts.append(_text(label_width - 6, y + bar_height - 3, shown, size=9.5, anchor="end"))
        parts.append(f'<rect x="{label_width}" y="{y}" width="{track:.1f}" height="{bar_height}" '
                     f'fill="#eef1f4"/>')
        if ratio is not None:
            length = full * min(max(ratio, 0), 1.5)
            colour = DISTRIBUTED if ratio >= 1 else "#d9822b"
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
                         f'height="{bar_height}" fill="{colour}"/>')
        parts.append(f'<line x1="{label_width + full:.1f}" y1="{y - 3}" '
                     f'x2="{label_width + full:.1f}" y2="{y + bar_height + 3}" stroke="{INK}" '
                     f'stroke-width="1.2"/>')
        text = "—" if ratio is None else f"{ratio * 100:.1f}%"
        parts.append(_text(label_width + track + 6, y + bar_height - 3, text, size=9.5))
    return _svg(width, height, title, parts)


def forecast_lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence]],
    *,
    lang: str = "zh",
    actual_until: int | None = None,
    width: int = 640,
    height: int = 240,
) -> str:
    """Money series over periods (e.g. forecast calls, distributions, NAV): ``[(name, values)]``.

    ``actual_until``: index of the last actual period; later points are drawn dashed
    and the forecast region is shaded.
    """
    title = "现金流预测" if lang == "zh" else "Cash-flow forecast"
    scale, unit = _money_scale(lang)
    scaled = [(name, [None if _num(v) is None else _num(v) / scale for v in values])
              for name, values in series]
    known = [v for _, values in scaled for v in values if v is not None]
    if not labels or not known:
        return _empty(width, height, title, lang)
    frame = _Frame(width, height, 58, 14, 24, 30, min(known), max(known))
    step = (frame.x1 - frame.x0) / max(len(labels) - 1, 1)
    xs = [frame.x0 + step * i for i in range(len(labels))]
    parts = []
    if actual_until is not None and actual_until < len(labels) - 1:
        start = xs[max(actual_until, 0)]
        parts.append(f'<rect x="{start:.1f}" y="{frame.y0}" width="{frame.x1 - start:.1f}" '
                     f'height="{frame.y1 - frame.y0}" fill="#f3f5f7"/>')
        parts.append(_text(start + 4, frame.y0 + 10, "预测" if lang == "zh" else "forecast",
                           size=9, fill=MUTED))
    parts += frame.grid("")
    parts.append(_text(frame.x0 - 5, 12, unit, size=9, anchor="end", fill=MUTED))
    legend = []
    for i, (name, values) in enumerate(scaled):
        colour = PALETTE[i % len(PALETTE)]
        points = [(x, v) for x, v in zip(xs, values, strict=False) if v is not None]
        if not points:
            continue
        dash = ' stroke-dasharray="5 3"' if actual_until is not None else ""
        line = " ".join(f"{x:.1f},{frame.y(v):.1f}" for x, v in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')
        if actual_until is not None:
            solid = " ".join(f"{x:.1f},{frame.y(v):.1f}" for x, v in points
                             if x <= xs[min(actual_until, len(xs) - 1)])
            if solid:
                parts.append(f'<polyline points="{solid}" fill="none" stroke="{colour}" '
                             f'stroke-width="2"/>')
        legend.append((name, colour, "line"))
    parts += _x_labels(labels, xs, frame.y1 + 14)
    parts += _legend(legend, frame.x0, height - 4)
    return _svg(width, height, title, parts)
