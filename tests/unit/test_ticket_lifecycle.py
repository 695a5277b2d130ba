"""Ticket lifecycle: every (state, action) pair, written out independently of TRANSITIONS."""

from __future__ import annotations

from itertools import product

import pytest

from guichet.core.errors import DomainError, InvalidTransition
from guichet.core.tickets import (
    DEFAULT_OUTCOMES,
    Action,
    State,
    check_no_show,
    check_outcome,
    next_state,
)

# The expected lifecycle, spelled with raw strings so a renamed enum value is caught too.
ALLOWED: dict[tuple[str, str], str] = {
    ("waiting", "call"): "called",
    ("waiting", "park"): "parked",
    ("waiting", "cancel"): "cancelled",
    ("called", "recall"): "called",
    ("called", "start"): "serving",
    ("called", "no-show"): "no_show",
    ("called", "requeue"): "waiting",
    ("called", "park"): "parked",
    ("called", "transfer"): "transferred",
    ("serving", "finish"): "done",
    ("serving", "requeue"): "waiting",
    ("serving", "transfer"): "transferred",
    ("serving", "park"): "parked",
    ("parked", "unpark"): "waiting",
    ("parked", "resume"): "serving",
}

ALL_PAIRS = list(product(State, Action))
FORBIDDEN = [(s, a) for s, a in ALL_PAIRS if (s.value, a.value) not in ALLOWED]


def _pair_id(pair: tuple[State, Action]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def test_the_expected_table_only_names_existing_states_and_actions() -> None:
    states = {s.value for s in State}
    actions = {a.value for a in Action}
    for (state, action), target in ALLOWED.items():
        assert state in states and action in actions and target in states


def test_allowed_and_forbidden_pairs_cover_every_state_action_pair() -> None:
    assert len(ALL_PAIRS) == len(State) * len(Action) == 88
    assert len(FORBIDDEN) == len(ALL_PAIRS) - len(ALLOWED)


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=lambda p: f"{p[0]}-{p[1]}")
def test_allowed_action_leads_to_the_expected_state(pair: tuple[str, str]) -> None:
    state, action = pair
    assert next_state(State(state), Action(action)) == State(ALLOWED[pair])


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=lambda p: f"{p[0]}-{p[1]}")
def test_allowed_action_also_accepts_plain_strings(pair: tuple[str, str]) -> None:
    state, action = pair
    result = next_state(state, action)
    assert isinstance(result, State) and result.value == ALLOWED[pair]


@pytest.mark.parametrize("pair", FORBIDDEN, ids=_pair_id)
def test_action_absent_from_the_table_raises_invalid_transition(pair: tuple[State, Action]) -> None:
    state, action = pair
    with pytest.raises(InvalidTransition) as info:
        next_state(state, action)
    assert info.value.code == "invalid_transition"
    assert info.value.params == {"state": state.value, "action": action.value}


@pytest.mark.parametrize(
    "state,action",
    [
        ("bogus", "call"),
        ("waiting", "bogus"),
        ("", ""),
        ("WAITING", "call"),  # values are lower case; no case folding
        ("waiting", "no_show"),  # the action is spelled "no-show"
        ("no-show", "call"),  # the state is spelled "no_show"
    ],
)
def test_unknown_state_or_action_string_raises_invalid_transition(state: str, action: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        next_state(state, action)
    assert info.value.params == {"state": state, "action": action}


def test_invalid_transition_is_a_domain_error() -> None:
    assert issubclass(InvalidTransition, DomainError)


@pytest.mark.parametrize("state", ["done", "no_show", "cancelled", "transferred"])
def test_terminal_state_allows_no_action_at_all(state: str) -> None:
    for action in Action:
        with pytest.raises(InvalidTransition):
            next_state(state, action)


@pytest.mark.parametrize(
    "recalls,min_recalls,allowed",
    [
        (0, 0, True),
        (0, 1, False),
        (1, 1, True),
        (2, 1, True),
        (1, 2, False),
        (2, 2, True),
    ],
)
def test_no_show_requires_at_least_the_minimum_number_of_recalls(
    recalls: int, min_recalls: int, allowed: bool
) -> None:
    if allowed:
        assert check_no_show(recalls, min_recalls) is None
    else:
        with pytest.raises(DomainError) as info:
            check_no_show(recalls, min_recalls)
        assert info.value.code == "recall_required"
        assert info.value.params == {"min_recalls": min_recalls, "recalls": recalls}


@pytest.mark.parametrize("outcome", DEFAULT_OUTCOMES)
def test_outcome_from_the_allowed_list_is_returned(outcome: str) -> None:
    assert check_outcome(outcome, DEFAULT_OUTCOMES) == outcome


@pytest.mark.parametrize("outcome", [None, ""])
def test_missing_outcome_is_refused_as_required(outcome: str | None) -> None:
    with pytest.raises(DomainError) as info:
        check_outcome(outcome, ["resolved"])
    assert info.value.code == "outcome_required"
    assert info.value.params == {"allowed": ["resolved"]}


@pytest.mark.parametrize("outcome", ["Resolved", "resolved ", "unknown", "done"])
def test_outcome_outside_the_site_list_is_refused(outcome: str) -> None:
    with pytest.raises(DomainError) as info:
        check_outcome(outcome, ("resolved", "redirected"))
    assert info.value.code == "unknown_outcome"
    assert info.value.params == {"outcome": outcome, "allowed": ["resolved", "redirected"]}


def test_outcome_list_is_the_site_list_not_the_default_list() -> None:
    assert check_outcome("rdv-pris", ["rdv-pris"]) == "rdv-pris"
    with pytest.raises(DomainError):
        check_outcome("resolved", ["rdv-pris"])
