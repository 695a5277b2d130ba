"""Doors: the endpoints through which a ticket comes into a queue.

Every door parses, calls the one service that numbers tickets (`services.tickets`, reached through
`tickets.issue_ticket`, `calling.walk_in` or `checkin.check_in`) and formats. Marking a view with
`@ticket_door(kind)` lets the app itself list its doors: the rule table in
tests/integration/test_issuing_rules.py runs every issuing rule against each one it finds, and fails
on an unmarked view that reaches those services or a door it cannot drive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable[..., Any])
DoorKind = Literal["issue", "walk_in", "check_in"]
KINDS: tuple[DoorKind, ...] = ("issue", "walk_in", "check_in")
ATTRIBUTE = "guichet_ticket_door"


def ticket_door(kind: DoorKind) -> Callable[[F], F]:
    """Mark a view as a door: `issue` (a service code), `walk_in` (served at once), `check_in` (a booking)."""
    if kind not in KINDS:
        raise ValueError(f"unknown door kind {kind!r}")

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, kind)
        return view

    return mark


def door_kind(view: Callable[..., Any]) -> DoorKind | None:
    """The kind a view was marked with, through the decorators that wrap it (functools.wraps)."""
    while view is not None:
        kind = getattr(view, ATTRIBUTE, None)
        if kind is not None:
            return kind  # type: ignore[no-any-return]
        view = getattr(view, "__wrapped__", None)  # type: ignore[assignment]
    return None


def ticket_doors(app: Flask) -> Iterator[tuple[str, str, DoorKind]]:
    """(endpoint, URL rule, kind) of every marked door the app serves."""
    for rule in app.url_map.iter_rules():
        kind = door_kind(app.view_functions[rule.endpoint])
        if kind is not None:
            yield rule.endpoint, rule.rule, kind
