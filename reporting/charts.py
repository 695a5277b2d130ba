"""Charts drawn on the server as SVG geometry (no script, nothing to download, readable without
JavaScript): a bar chart and a line chart of up to three series. Each chart is drawn from the same
rows its table shows, and every mark carries its value (data-value) so a test can compare them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class Series:
    name: str
    points: list[tuple[float, float, float]]  # x, y, value
    style: int  # 0, 1, 2: a line pattern and a marker shape, so series differ without colour

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in self.points)


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    ticks: list[tuple[float, str]]  # y, label
    labels: list[tuple[float, str]]  # x, label (every label the axis has room for)
    bars: list[Bar] = field(default_factory=list)
    horizontal: bool = False
    series: list[Series] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return float(self.height - BOTTOM)


def nice_step(top: float, most: int = 5) -> float:
    """A round gap between grid lines (1, 2 or 5 times a power of ten) giving at most `most` of them
    up to the data's maximum."""
    if top <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(top / most))
    for step in (1, 2, 5, 10):
        if step * power * most >= top:
            return float(step * power)
    return float(10 * power)


def _scale(
    values: list[float], plot: float, start: float, top: float | None = None
) -> tuple[float, list[tuple[float, str]]]:
    """The axis maximum (`top` when given: 100 for shares) and its grid lines [(position, label)]
    along `plot` pixels from `start`."""
    step = nice_step(top or max(values, default=0))
    top = top or max(step, math.ceil(max(values, default=0) / step) * step)
    count = round(top / step)
    return top, [(start - plot * i / count, _number(step * i)) for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


def _every(n: int) -> int:
    """Show one axis label in `every` so labels never overlap (about 16 fit)."""
    return max(1, math.ceil(n / 16))


def bar_chart(title: str, unit: str, rows: list[tuple[str, float | None]]) -> Chart:
    """One bar per row (label, value); rows without a value get no bar but keep their place."""
    plot = HEIGHT - TOP - BOTTOM
    top, ticks = _scale([v or 0 for _l, v in rows], plot, TOP + plot)
    inner = WIDTH - LEFT - RIGHT
    slot = inner / max(len(rows), 1)
    bars, labels = [], []
    step = _every(len(rows))
    for i, (label, value) in enumerate(rows):
        x = LEFT + i * slot
        if i % step == 0:
            labels.append((x + slot / 2, label))
        if value is None:
            continue
        h = plot * value / top
        bars.append(Bar(x + slot * 0.15, TOP + plot - h, slot * 0.7, h, label, value))
    return Chart(title, unit, ticks, labels, bars=bars)


def line_chart(title: str, unit: str, labels: list[str], series: dict[str, list[float | None]]) -> Chart:
    """One line per series over the same labels (days); a missing value breaks nothing, it is skipped."""
    values = [v for vs in series.values() for v in vs if v is not None]
    plot = HEIGHT - TOP - BOTTOM
    top, ticks = _scale(values, plot, TOP + plot)
    inner = WIDTH - LEFT - RIGHT
    gap = inner / max(len(labels) - 1, 1)
    xs = [LEFT + (i * gap if len(labels) > 1 else inner / 2) for i in range(len(labels))]
    lines = []
    for n, (name, vs) in enumerate(series.items()):
        points = [(xs[i], TOP + plot - plot * v / top, v) for i, v in enumerate(vs) if v is not None]
        lines.append(Series(name, points, n % 3))
    step = _every(len(labels))
    shown = [(xs[i], label) for i, label in enumerate(labels) if i % step == 0]
    return Chart(title, unit, ticks, shown, series=lines)


ROW, LABELS = 26, 260  # a horizontal bar's height, and the room left of the bars for their labels


def hbar_chart(
    title: str, unit: str, rows: list[tuple[str, float | None]], top: float | None = None
) -> Chart:
    """One horizontal bar per row, its label on its left: for long names (services, partners)."""
    height = TOP + ROW * max(len(rows), 1) + BOTTOM
    plot = WIDTH - LABELS - RIGHT
    top, ticks = _scale([v or 0 for _l, v in rows], -plot, LABELS, top)  # grid lines left to right
    bars, labels = [], []
    for i, (label, value) in enumerate(rows):
        y = TOP + i * ROW
        labels.append((y + ROW / 2 + 4, label))
        if value is not None:
            bars.append(Bar(LABELS, y + ROW * 0.15, plot * value / top, ROW * 0.7, label, value))
    return Chart(title, unit, ticks, labels, bars=bars, height=height, horizontal=True)
