"""Charts drawn on the server as SVG: no script, no external library, fine under a strict CSP
(colours come from CSS classes s0…s8, never from style attributes). Each bar has a <title>,
which browsers show on hover and screen readers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Literal

Kind = Literal["stacked", "grouped", "hbar"]
PALETTE = 9
W, H = 520, 230
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 10, 34


@dataclass
class Chart:
    """Labels along one axis, one value per label in each series."""

    key: str
    title: str
    labels: list[str]
    series: dict[str, list[float]] = field(default_factory=dict)
    kind: Kind = "stacked"
    unit: str = ""  # "%" for rates
    note: str = ""

    def drop_empty_series(self) -> Chart:
        """Series without any value add nothing to the picture or the legend."""
        self.series = {k: v for k, v in self.series.items() if any(v)}
        return self

    @property
    def empty(self) -> bool:
        return not self.labels or not any(any(v for v in s) for s in self.series.values())

    def csv_rows(self) -> tuple[list[str], list[list[str]]]:
        header = ["label", *self.series]
        rows = [
            [label, *(_num(values[i]) for values in self.series.values())]
            for i, label in enumerate(self.labels)
        ]
        return header, rows

    def svg(self) -> str:
        if self.kind == "hbar":
            return _hbar(self)
        return _bars(self)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _fmt(value: float, unit: str) -> str:
    return f"{_num(value)}{unit}"


def _nice_max(value: float, unit: str) -> float:
    if unit == "%":
        return 100.0
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _open(chart: Chart, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-label="{escape(chart.title)}" data-chart="{escape(chart.key)}">'
    ]


def _bars(chart: Chart) -> str:
    names = list(chart.series)
    n = len(chart.labels)
    stacked = chart.kind == "stacked"
    totals = [
        sum(chart.series[s][i] for s in names)
        if stacked
        else max((chart.series[s][i] for s in names), default=0)
        for i in range(n)
    ]
    top = _nice_max(max(totals, default=0), chart.unit)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = _open(chart, H)
    for frac in (0, 0.5, 1):
        y = TOP + plot_h * (1 - frac)
        out.append(f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_fmt(top * frac, chart.unit)}</text>"
        )
    band = plot_w / max(n, 1)
    bar = band * 0.72
    every = max(1, -(-n // 8))  # at most ~8 labels along the bottom
    for i, label in enumerate(chart.labels):
        x0 = LEFT + band * i + (band - bar) / 2
        base: float = TOP + plot_h
        for k, name in enumerate(names):
            value = chart.series[name][i]
            if value <= 0:
                continue
            h = plot_h * value / top
            if stacked:
                x, w, y = x0, bar, base - h
                base -= h
            else:
                w = bar / len(names)
                x, y = x0 + w * k, TOP + plot_h - h
            tip = escape(f"{label} · {name}: {_fmt(value, chart.unit)}")
            out.append(
                f'<rect class="s{k % PALETTE}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" '
                f'height="{h:.1f}"><title>{tip}</title></rect>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x0 + bar / 2:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _hbar(chart: Chart) -> str:
    """One series, one row per label, longest first (top topics)."""
    name = next(iter(chart.series), "")
    values = chart.series.get(name, [])
    row = 22
    height = TOP + row * max(len(chart.labels), 1) + 8
    top = max(values, default=0) or 1
    label_w = 200
    plot_w = W - label_w - 40
    out = _open(chart, height)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        y = TOP + row * i
        w = plot_w * value / top
        short = label if len(label) <= 28 else label[:27] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(short)}</text>')
        out.append(
            f'<rect class="s{i % PALETTE}" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" '
            f'height="{row - 6}"><title>{escape(label)}: {_fmt(value, chart.unit)}</title></rect>'
        )
        out.append(
            f'<text class="value" x="{label_w + w + 4:.1f}" y="{y + 14}">'
            f"{_fmt(value, chart.unit)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
