"""Call-next routing: the ranking a counter follows, with the clock always passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guichet.core.routing import Candidate, RoutingPolicy, next_priority_streak, queue_position, rank

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


def walk(id: int, waited_min: float, service: int = 1) -> Candidate:
    return Candidate(id=id, service_id=service, arrived_at=NOW - timedelta(minutes=waited_min))


def prio(id: int, waited_min: float, service: int = 1) -> Candidate:
    return Candidate(id, service, NOW - timedelta(minutes=waited_min), priority=True)


def appt(id: int, in_s: float, waited_min: float = 1) -> Candidate:
    """An appointment `in_s` seconds from NOW (negative: already past), checked in `waited_min` ago."""
    return Candidate(id, 1, NOW - timedelta(minutes=waited_min), appointment_at=NOW + timedelta(seconds=in_s))


P = RoutingPolicy  # short alias for the tables below


def ids(cands: list[Candidate]) -> list[int]:
    return [c.id for c in cands]


# (candidates, policy, priority streak, expected order of ids)
RANK_CASES = {
    "priority_before_a_walk_in_who_waited_longer": ([walk(1, 40), prio(2, 1)], P(), 0, [2, 1]),
    "priority_before_a_due_appointment": ([appt(1, 0), prio(2, 1)], P(), 0, [2, 1]),
    "priorities_among_themselves_by_arrival": ([prio(1, 5), prio(2, 10)], P(), 0, [2, 1]),
    "priority_streak_below_cap_keeps_priority_first": (
        [prio(1, 1), walk(2, 30)], P(priority_cap=3), 2, [1, 2]),
    "priority_cap_reached_lets_a_waiting_walk_in_go_first": (
        [prio(1, 30), walk(2, 1)], P(priority_cap=3), 3, [2, 1]),
    "priority_streak_beyond_cap_still_lets_the_walk_in_go_first": (
        [prio(1, 30), walk(2, 1)], P(priority_cap=3), 7, [2, 1]),
    "priority_cap_reached_with_no_walk_in_still_serves_priority": (
        [prio(1, 5), prio(2, 9)], P(priority_cap=1), 1, [2, 1]),
    "priority_cap_reached_with_only_early_appointments_serves_priority": (
        [appt(1, 3600), prio(2, 5)], P(priority_cap=1), 1, [2, 1]),
    "priority_cap_reached_lets_a_due_appointment_go_first": (
        [prio(1, 30), appt(2, 60)], P(priority_cap=2), 2, [2, 1]),
    "priority_cap_zero_means_no_cap": ([prio(1, 1), walk(2, 30)], P(priority_cap=0), 100, [1, 2]),
    "priority_cap_reached_orders_due_walk_in_priority_early": (
        [appt(1, 3600), prio(2, 20), walk(3, 10), appt(4, -60)], P(priority_cap=1), 1, [4, 3, 2, 1]),
    "due_appointment_before_a_walk_in_who_waited_longer": ([walk(1, 40), appt(2, 120)], P(), 0, [2, 1]),
    "late_appointment_is_due": ([walk(1, 40), appt(2, -1800)], P(), 0, [2, 1]),
    "appointment_exactly_early_window_before_its_time_is_due": (
        [walk(1, 40), appt(2, 300)], P(appointment_early_s=300), 0, [2, 1]),
    "appointment_one_second_before_its_early_window_is_not_due": (
        [walk(1, 40), appt(2, 301)], P(appointment_early_s=300), 0, [1, 2]),
    "early_window_zero_makes_a_future_appointment_not_due": (
        [walk(1, 1), appt(2, 60)], P(appointment_early_s=0), 0, [1, 2]),
    "wide_early_window_makes_an_appointment_due_sooner": (
        [walk(1, 40), appt(2, 1200)], P(appointment_early_s=1800), 0, [2, 1]),
    "not_yet_due_appointment_after_a_walk_in_who_just_arrived": (
        [appt(1, 3600, waited_min=50), walk(2, 0)], P(), 0, [2, 1]),
    "due_appointments_by_appointment_time_not_arrival": (
        [appt(1, 60, waited_min=30), appt(2, -60, waited_min=1)], P(), 0, [2, 1]),
    "early_appointments_by_appointment_time_not_arrival": (
        [appt(1, 7200, waited_min=30), appt(2, 3600, waited_min=1)], P(), 0, [2, 1]),
    "walk_ins_by_longest_wait": ([walk(1, 3), walk(2, 12), walk(3, 7)], P(), 0, [2, 3, 1]),
    "without_weights_longest_wait_wins_across_services": (
        [walk(1, 10, service=1), walk(2, 6, service=2)], P(), 0, [1, 2]),
    "weight_two_with_six_minutes_beats_weight_one_with_ten": (
        [walk(1, 10, service=1), walk(2, 6, service=2)], P(weights={2: 2.0}), 0, [2, 1]),
    "weight_below_one_pushes_a_service_back": (
        [walk(1, 10, service=1), walk(2, 6, service=2)], P(weights={1: 0.5}), 0, [2, 1]),
    "equal_weighted_wait_broken_by_earlier_arrival": (
        [walk(1, 5, service=2), walk(2, 10, service=1)], P(weights={2: 2.0}), 0, [2, 1]),
    "walk_ins_with_same_arrival_broken_by_id": ([walk(9, 5), walk(4, 5), walk(6, 5)], P(), 0, [4, 6, 9]),
    "priorities_with_same_arrival_broken_by_id": ([prio(8, 5), prio(3, 5)], P(), 0, [3, 8]),
    "due_appointments_with_same_time_broken_by_id": ([appt(7, 0), appt(5, 0)], P(), 0, [5, 7]),
    "full_order_priority_due_walk_in_early": (
        [appt(1, 3600), walk(2, 30), appt(3, 0), prio(4, 1), walk(5, 40)], P(), 0, [4, 3, 5, 2, 1]),
    "no_candidate_gives_an_empty_ranking": ([], P(), 5, []),
}  # fmt: skip


@pytest.mark.parametrize("cands,policy,streak,expected", RANK_CASES.values(), ids=RANK_CASES.keys())
def test_rank_orders_candidates(
    cands: list[Candidate], policy: RoutingPolicy, streak: int, expected: list[int]
) -> None:
    assert ids(rank(cands, NOW, policy, priority_streak=streak)) == expected


@pytest.mark.parametrize("streak", [0, 1, 2, 3, 10])
@pytest.mark.parametrize("cap", [0, 1, 3])
def test_rank_returns_every_candidate_exactly_once(streak: int, cap: int) -> None:
    cands = [
        prio(1, 3), prio(2, 3), walk(3, 8, service=2), walk(4, 8), walk(5, 0),
        appt(6, -600), appt(7, 200), appt(8, 5000), appt(9, 5000), walk(10, 2, service=3),
    ]  # fmt: skip
    policy = RoutingPolicy(priority_cap=cap, weights={2: 3.0, 3: 0.2})
    ranked = rank(cands, NOW, policy, priority_streak=streak)
    assert sorted(ids(ranked)) == list(range(1, 11))
    assert ranked[0].priority == (streak < cap or cap == 0)


def test_rank_does_not_depend_on_input_order() -> None:
    cands = [prio(1, 3), walk(2, 8), walk(3, 8), appt(4, -60), appt(5, 900), walk(6, 1, service=2)]
    policy = RoutingPolicy(weights={2: 10.0})
    expected = [1, 4, 6, 2, 3, 5]
    assert ids(rank(cands, NOW, policy)) == ids(rank(list(reversed(cands)), NOW, policy)) == expected


def test_an_appointment_becomes_due_as_the_clock_advances() -> None:
    cands = [walk(1, 20), appt(2, 600)]
    assert ids(rank(cands, NOW, RoutingPolicy())) == [1, 2]
    assert ids(rank(cands, NOW + timedelta(seconds=300), RoutingPolicy())) == [2, 1]


@pytest.mark.parametrize(
    "streak,chosen,expected",
    [
        (0, prio(1, 1), 1),
        (2, prio(1, 1), 3),
        (3, walk(1, 1), 0),
        (0, walk(1, 1), 0),
        (2, appt(1, 0), 0),
    ],
    ids=[
        "first_priority_starts_at_one",
        "priority_adds_one",
        "walk_in_resets",
        "walk_in_stays_zero",
        "appointment_resets",
    ],
)
def test_next_priority_streak_counts_consecutive_priority_calls(
    streak: int, chosen: Candidate, expected: int
) -> None:
    assert next_priority_streak(streak, chosen) == expected


def test_a_counter_calling_repeatedly_with_cap_two_lets_a_walk_in_through_every_third_call() -> None:
    waiting = [prio(1, 10), prio(2, 9), prio(3, 8), prio(4, 7), walk(5, 20), walk(6, 19)]
    policy, streak, calls = RoutingPolicy(priority_cap=2), 0, []
    while waiting:
        chosen = rank(waiting, NOW, policy, priority_streak=streak)[0]
        calls.append(chosen.id)
        streak = next_priority_streak(streak, chosen)
        waiting.remove(chosen)
    assert calls == [1, 2, 5, 3, 4, 6]


T0 = NOW - timedelta(minutes=30)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


QUEUE_CASES = {
    "alone_is_first": (10, False, at(5), [], 1),
    "only_itself_in_others_is_first": (10, False, at(5), [(10, False, at(5))], 1),
    "itself_with_stale_data_in_others_is_ignored": (10, False, at(5), [(10, True, at(0))], 1),
    "earlier_walk_ins_are_ahead": (
        10, False, at(5), [(1, False, at(1)), (2, False, at(2)), (3, False, at(9))], 3),
    "later_priority_is_ahead_of_a_walk_in": (10, False, at(5), [(11, True, at(20))], 2),
    "priority_is_ahead_of_earlier_walk_ins": (10, True, at(5), [(1, False, at(1)), (2, False, at(2))], 1),
    "priorities_between_themselves_by_arrival": (10, True, at(5), [(1, True, at(1)), (2, True, at(9))], 2),
    "same_arrival_lower_id_is_ahead": (10, False, at(5), [(9, False, at(5)), (11, False, at(5))], 2),
    "mixed_queue": (
        10, False, at(5),
        [(1, True, at(25)), (2, False, at(4)), (3, False, at(6)), (4, True, at(0)), (10, False, at(5))], 4),
}  # fmt: skip


@pytest.mark.parametrize("tid,priority,arrived,others,expected", QUEUE_CASES.values(), ids=QUEUE_CASES.keys())
def test_queue_position_is_one_based_priority_first_then_arrival(
    tid: int, priority: bool, arrived: datetime, others: list[tuple[int, bool, datetime]], expected: int
) -> None:
    assert queue_position(tid, priority, arrived, others) == expected


def test_a_ticket_placed_first_goes_before_older_walk_ins_but_not_before_priority() -> None:
    now = T0 + timedelta(hours=1)
    old = Candidate(1, 1, T0)
    placed = Candidate(2, 1, T0 + timedelta(minutes=50), placed_first=True)
    prio = Candidate(3, 1, T0 + timedelta(minutes=55), priority=True)
    due = Candidate(4, 1, T0, appointment_at=now)
    order = [c.id for c in rank([old, placed, prio, due], now, RoutingPolicy())]
    assert order == [3, 4, 2, 1]


def test_two_tickets_placed_first_keep_their_arrival_order() -> None:
    now = T0 + timedelta(hours=1)
    a = Candidate(1, 1, T0 + timedelta(minutes=30), placed_first=True)
    b = Candidate(2, 2, T0 + timedelta(minutes=10), placed_first=True)
    c = Candidate(3, 1, T0)
    assert [x.id for x in rank([a, b, c], now, RoutingPolicy(weights={1: 5.0}))] == [2, 1, 3]
