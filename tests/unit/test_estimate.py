"""Wait estimate: smoothed service time, position x time / counters, and the buckets citizens see."""

from __future__ import annotations

import pytest

from guichet.core.estimate import estimate_wait_s, smoothed_service_time, wait_range_minutes


@pytest.mark.parametrize("samples", [[], [0], [0, -5, -0.1]], ids=["none", "zero", "non_positive"])
def test_smoothed_time_is_the_default_when_no_sample_is_usable(samples: list[float]) -> None:
    result = smoothed_service_time(samples, 420)
    assert result == 420.0 and isinstance(result, float)


@pytest.mark.parametrize(
    "sample,expected",
    [
        (1, 30),
        (29.9, 30),
        (30, 30),
        (31, 31),
        (600, 600),
        (7199, 7199),
        (7200, 7200),
        (7201, 7200),
        (36000, 7200),
    ],
)
def test_a_single_sample_is_clamped_to_between_30_seconds_and_2_hours(sample: float, expected: float) -> None:
    assert smoothed_service_time([sample], 999) == pytest.approx(expected)


def test_samples_are_clamped_before_smoothing() -> None:
    # 10 s counts as 30 s and 10 h as 2 h; weights 0.7 (older) and 1 (newer), normalised.
    assert smoothed_service_time([10, 36000], 999) == pytest.approx((0.7 * 30 + 7200) / 1.7)


def test_non_positive_samples_are_dropped_not_clamped() -> None:
    assert smoothed_service_time([0, 600, -3], 999) == pytest.approx(600)


def test_identical_samples_smooth_to_that_same_time() -> None:
    assert smoothed_service_time([300, 300, 300, 300], 999) == pytest.approx(300)


def test_after_a_long_steady_run_the_newest_sample_weighs_0_3() -> None:
    # 20 samples at 300 s then one at 400 s: the estimate moves 30 % of the way, 30 s.
    assert smoothed_service_time([300] * 20 + [400], 999) == pytest.approx(330, abs=0.5)


def test_recent_change_moves_the_estimate_more_than_a_plain_mean_would() -> None:
    samples = [60] * 10 + [600] * 3
    assert smoothed_service_time(samples, 999) > 2 * sum(samples) / len(samples)


@pytest.mark.parametrize("n", range(3, 9))
def test_each_sample_after_the_first_weighs_more_than_the_one_before_it(n: int) -> None:
    base = smoothed_service_time([300] * n, 999)
    effects = []
    for i in range(1, n):
        bumped = [300] * n
        bumped[i] = 400
        effects.append(smoothed_service_time(bumped, 999) - base)
    assert effects == sorted(effects) and len(set(effects)) == len(effects)


@pytest.mark.parametrize("n", range(2, 9))
def test_newest_sample_weighs_more_than_the_oldest(n: int) -> None:
    # The same two values, swapped between the oldest and the newest place, the rest in between.
    middle = [300] * (n - 2)
    newest_long = smoothed_service_time([100, *middle, 900], 999)
    oldest_long = smoothed_service_time([900, *middle, 100], 999)
    assert newest_long > oldest_long


@pytest.mark.parametrize(
    "position,samples,counters,expected",
    [
        (1, [], 1, 300),
        (3, [], 1, 900),
        (3, [], 2, 450),
        (3, [], 3, 300),
        (3, [], 0, 900),
        (3, [], -2, 900),
        (2, [100, 200, 400], 1, 538),  # 2 x (0.49 x 100 + 0.7 x 200 + 400) / 2.19
        (1, [100], 3, 33),
        (2, [100], 3, 67),
    ],
    ids=[
        "first_in_line_waits_one_service_time",
        "third_waits_three_service_times",
        "two_counters_halve_the_wait",
        "three_counters_divide_by_three",
        "no_counter_open_counts_as_one",
        "negative_counters_count_as_one",
        "uses_the_smoothed_time_of_the_samples",
        "rounds_down_below_half",
        "rounds_up_above_half",
    ],
)
def test_wait_is_position_times_service_time_over_counters(
    position: int, samples: list[float], counters: int, expected: int
) -> None:
    result = estimate_wait_s(position, samples, counters, 300)
    assert result == expected and isinstance(result, int)


@pytest.mark.parametrize("position", [0, -1])
def test_position_below_one_is_refused(position: int) -> None:
    with pytest.raises(ValueError, match="1-based"):
        estimate_wait_s(position, [], 1, 300)


@pytest.mark.parametrize(
    "seconds,expected",
    [
        (0, (0, 5)),
        (299, (0, 5)),
        (300, (5, 15)),
        (899, (5, 15)),
        (900, (15, 30)),
        (1799, (15, 30)),
        (1800, (30, 45)),
        (2699, (30, 45)),
        (2700, (45, 60)),
        (3599, (45, 60)),
        (3600, (60, 90)),
        (5399, (60, 90)),
        (5400, (90, 120)),
        (7199, (90, 120)),
        (7200, (120, None)),
        (100_000, (120, None)),
    ],
)
def test_wait_range_buckets_include_the_low_bound_and_exclude_the_high(
    seconds: int, expected: tuple[int, int | None]
) -> None:
    assert wait_range_minutes(seconds) == expected


def test_every_wait_falls_in_the_bucket_around_it() -> None:
    for seconds in range(0, 9000, 7):
        low, high = wait_range_minutes(seconds)
        assert low * 60 <= seconds and (high is None or seconds < high * 60), seconds
