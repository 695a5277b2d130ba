"""Charts drawn on the server: bars and points sit where their values say on a round axis."""

from __future__ import annotations

import pytest

from reporting.charts import BOTTOM, HEIGHT, TOP, bar_chart, hbar_chart, line_chart, nice_step


@pytest.mark.parametrize(
    ("top", "step"), [(0, 1.0), (4, 1.0), (7, 2.0), (23, 5.0), (100, 20.0), (1234, 500.0), (0.3, 0.1)]
)
def test_grid_steps_are_round_and_at_most_five_reach_the_maximum(top: float, step: float) -> None:
    assert nice_step(top) == pytest.approx(step)
    assert step * 5 >= top


def test_bar_heights_are_proportional_and_a_missing_value_draws_no_bar() -> None:
    chart = bar_chart("t", "u", [("9 h", 10.0), ("10 h", None), ("11 h", 5.0)])
    plot = HEIGHT - TOP - BOTTOM
    tall, short = chart.bars
    assert [b.label for b in chart.bars] == ["9 h", "11 h"]
    assert tall.height == pytest.approx(plot * 10 / 10) and short.height == pytest.approx(tall.height / 2)
    assert tall.y + tall.height == pytest.approx(chart.baseline)  # bars stand on the axis
    assert [label for _x, label in chart.ticks] == ["0", "2", "4", "6", "8", "10"]


def test_shares_run_to_100_and_long_names_get_horizontal_bars() -> None:
    chart = hbar_chart("t", "%", [("Allocations familiales", 50.0), ("Retraite", 100.0)], top=100)
    assert chart.horizontal and chart.bars[1].width == pytest.approx(2 * chart.bars[0].width)
    assert chart.ticks[-1][1] == "100"


def test_each_series_keeps_its_own_style_and_skips_missing_points() -> None:
    chart = line_chart("t", "u", ["01/12", "02/12", "03/12"], {"a": [1, None, 3], "b": [2, 2, 2]})
    a, b = chart.series
    assert (a.style, b.style) == (0, 1)
    assert [v for _x, _y, v in a.points] == [1, 3] and len(b.points) == 3
    assert a.points[1][1] < b.points[1][1]  # 3 is drawn above 2 (SVG y grows downwards)
