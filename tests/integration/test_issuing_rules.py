"""One rulebook: every issuing rule against every door through which a ticket enters a queue.

The doors are not listed here: the app tells them (views marked `@ticket_door`, guichet/web/doors.py),
and a view that reaches the ticket-numbering services without the mark fails the first test. Each rule
expects the same answer from every door it applies to: the same HTTP status, JSON code and French
message, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import guichet.services
from guichet.models import OpeningHours, Service, Site
from guichet.services import tickets
from guichet.web.doors import KINDS, door_kind, ticket_doors

from ..conftest import make_settings
from ..factories import World, add_appointment, build_world

NOW = datetime(2026, 11, 23, 13, 50, tzinfo=UTC)  # Monday, 14:50 in Paris
APPOINTMENT_AT = NOW + timedelta(minutes=10)
SERVICES_DIR = Path(guichet.services.__file__).parent


# --- the doors, as the app tells them ------------------------------------------------------------


NUMBERING = {"number_ticket", "issue_in_session"}


def issuing_entry_points() -> set[str]:
    """Names of the service functions that number a ticket (they call `number_ticket`, or
    `issue_in_session` which wraps it)."""
    names = set()
    for path in SERVICES_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name not in NUMBERING:
                called = {
                    c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", None)
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                }
                if called & NUMBERING:
                    names.add(node.name)
    return names


def calls_of(view: Callable[..., Any]) -> set[str]:
    """Attribute or plain names the view's own body calls (module.function -> function)."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(view)))
    return {
        c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
        for c in ast.walk(ast.parse(source))
        if isinstance(c, ast.Call)
    }


def test_every_view_that_numbers_a_ticket_is_a_marked_door_the_table_can_drive(app) -> None:
    entry_points = issuing_entry_points()
    assert {"issue_ticket", "walk_in", "check_in"} <= entry_points, entry_points
    unmarked = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and door_kind(view) is None and calls_of(view) & entry_points
    ]
    assert not unmarked, f"views that issue tickets without @ticket_door: {unmarked}"
    doors = list(ticket_doors(app))
    assert {kind for _, _, kind in doors} <= set(DRIVERS), doors
    # The four doors of today; a new one joins the table by its mark, not by editing this file.
    assert len(doors) >= 4 and {kind for _, _, kind in doors} == set(KINDS), doors


# --- driving a door ---------------------------------------------------------------------------------


@dataclass
class Door:
    endpoint: str
    rule: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind} {self.rule}"


@dataclass
class Case:
    """What one request asks: a service (or the booking of one), maybe a priority reason."""

    service: str = "CAF"
    priority_reason: str | None = None
    booking: str | None = None  # the booking code, for check-in doors


def headers(world: World, who: str) -> dict[str, str]:
    """As the kiosk page and API clients send them: JSON asked for, in French."""
    return {**world.auth(who), "Accept": "application/json", "Accept-Language": "fr"}


def drive_issue(client: Any, world: World, door: Door, case: Case) -> Any:
    body: dict[str, Any] = {"service": case.service}
    if case.priority_reason is not None:
        body["priority_reason"] = case.priority_reason
    path = door.rule.replace("<slug>", world.slug)
    return client.post(path, json=body, headers=headers(world, "kiosk"))


def drive_walk_in(client: Any, world: World, door: Door, case: Case) -> Any:
    path = door.rule.replace("<int:counter_id>", str(world.counters[1]))
    return client.post(path, json={"service": case.service}, headers=headers(world, "manager"))


def drive_check_in(client: Any, world: World, door: Door, case: Case) -> Any:
    path = door.rule.replace("<slug>", world.slug)
    return client.post(path, json={"code": case.booking}, headers=headers(world, "kiosk"))


DRIVERS = {"issue": drive_issue, "walk_in": drive_walk_in, "check_in": drive_check_in}


# --- the rules -------------------------------------------------------------------------------------

CLOSED = (409, "service_closed", "Ce service est fermé.")
OK = (201, None, None)


def site_hours(ctx: Any, world: World, service_code: str | None, opens: time, closes: time) -> None:
    """Hours on the day of NOW (Monday) that do not include 14:50 in Paris."""

    def work(s, _events):  # type: ignore[no-untyped-def]
        service_id = None
        if service_code:
            service_id = s.scalar(
                select(Service.id).where(Service.site_id == world.site_id, Service.code == service_code)
            )
        s.add(
            OpeningHours(site_id=world.site_id, service_id=service_id, weekday=0, opens=opens, closes=closes)
        )

    ctx.transact(work)


def set_service(ctx: Any, world: World, code: str, **values: Any) -> None:
    def work(s, _events):  # type: ignore[no-untyped-def]
        service = s.scalar(select(Service).where(Service.site_id == world.site_id, Service.code == code))
        for key, value in values.items():
            setattr(service, key, value)

    ctx.transact(work)


def set_site_settings(ctx: Any, world: World, **values: Any) -> None:
    def work(s, _events):  # type: ignore[no-untyped-def]
        site = s.get(Site, world.site_id)
        site.settings = {**(site.settings or {}), **values}

    ctx.transact(work)


def fill_quota(ctx: Any, world: World, code: str) -> None:
    quota = 3  # the ANTS quota of the test site (tests/factories.py)
    for _ in range(quota):
        tickets.issue_ticket(ctx, world.actors["kiosk"], world.slug, code)


# rule -> (what is set up, what is asked, expected answer per door kind; None: the rule does not
# concern that kind of door)
RULES: dict[str, tuple[Callable[[Any, World], None], dict[str, Any], dict[str, tuple | None]]] = {
    "open service": (lambda ctx, w: None, {}, {"issue": OK, "walk_in": OK, "check_in": OK}),
    "unknown service": (
        lambda ctx, w: None,
        {"service": "NOPE"},
        {
            "issue": (404, "service_not_found", "Service inconnu."),
            "walk_in": (404, "service_not_found", "Service inconnu."),
            "check_in": None,
        },
    ),
    "inactive service": (
        lambda ctx, w: None,
        {"service": "OLD"},
        {"issue": CLOSED, "walk_in": CLOSED, "check_in": CLOSED},
    ),
    "site closed now": (
        lambda ctx, w: site_hours(ctx, w, None, time(8, 30), time(12, 30)),
        {},
        {"issue": CLOSED, "walk_in": CLOSED, "check_in": CLOSED},
    ),
    "service's own hours over": (
        lambda ctx, w: site_hours(ctx, w, "CAF", time(8, 30), time(12, 0)),
        {},
        # A booking is honoured at its time: a service's own walk-in hours are not for it.
        {"issue": CLOSED, "walk_in": CLOSED, "check_in": OK},
    ),
    "daily quota reached": (
        lambda ctx, w: fill_quota(ctx, w, "ANTS"),
        {"service": "ANTS"},
        {
            "issue": (409, "quota_reached", "Le quota du jour pour ce service est atteint (3 tickets)."),
            "walk_in": (409, "quota_reached", "Le quota du jour pour ce service est atteint (3 tickets)."),
            "check_in": OK,  # booked places are not counted against walk-in tickets
        },
    ),
    "priority reason not allowed by the site": (
        lambda ctx, w: set_site_settings(ctx, w, priority_reasons=["pregnancy"]),
        {"priority_reason": "made-up"},
        {
            "issue": (409, "unknown_priority_reason", "Motif de priorité inconnu."),
            "walk_in": None,
            "check_in": None,
        },
    ),
    "CMI always allowed": (
        lambda ctx, w: set_site_settings(ctx, w, priority_reasons=["pregnancy"]),
        {"priority_reason": "cmi"},
        {"issue": OK, "walk_in": None, "check_in": None},
    ),
    "level-2 service from a kiosk": (
        lambda ctx, w: set_service(ctx, w, "CAF", level=2),
        {},
        {
            "issue": (
                409,
                "service_by_appointment",
                "Ce service reçoit sur rendez-vous : prenez rendez-vous en ligne ou à l'accueil.",
            ),
            "walk_in": OK,  # an agent may serve an expert's service at once
            "check_in": OK,  # a booking is how one reaches level 2
        },
    ),
}


@pytest.fixture
def door_app(database_url: str):  # type: ignore[no-untyped-def]
    from guichet.app import create_app
    from guichet.models import Base

    app = create_app(make_settings(database_url))
    context = app.extensions["guichet"]
    Base.metadata.create_all(context.db.engine)
    yield app
    # The kiosk door prints: let each print report reach the database before the schema goes.
    for thread in threading.enumerate():
        if "_report" in thread.name:
            thread.join(timeout=10)
    context.db.dispose()


@pytest.mark.parametrize("rule", list(RULES))
def test_every_door_gives_the_same_answer_to_each_rule(door_app, rule: str) -> None:  # type: ignore[no-untyped-def]
    setup, asked, expected_by_kind = RULES[rule]
    doors = [Door(*d) for d in ticket_doors(door_app)]
    answers: dict[str, tuple[int, str | None, str | None]] = {}
    for door in doors:
        expected = expected_by_kind[door.kind]
        if expected is None:
            continue
        # Each door meets the rule on a site of its own, in the state the rule describes.
        ctx = door_app.extensions["guichet"]
        ctx.clock = lambda: NOW
        slug = f"s{len(answers)}-{door.kind.replace('_', '')}"
        world = build_world(ctx, slug)
        setup(ctx, world)
        case = Case(**asked)
        if door.kind == "check_in":
            case.booking = add_appointment(ctx, world, case.service, APPOINTMENT_AT)
        resp = DRIVERS[door.kind](door_app.test_client(), world, door, case)
        body = resp.get_json(silent=True) or {}
        answer = (resp.status_code, body.get("error"), body.get("message"))
        if expected[0] == 201:
            assert resp.status_code in (200, 201), f"{door}: {resp.status_code} {body}"
            answer = OK
        answers[str(door)] = answer
    assert answers, f"no door concerned by {rule!r}"
    for door_name, answer in answers.items():
        kind = door_name.split(" ")[0]
        assert answer == expected_by_kind[kind], f"{rule}: {door_name} answered {answer}"
    refused = {a for d, a in answers.items() if a != OK}
    assert len(refused) <= 1, f"{rule}: doors refuse in different words: {answers}"


def test_staff_may_issue_a_level_two_ticket_through_the_api(client, ctx, world) -> None:  # type: ignore[no-untyped-def]
    """Level 1 only from kiosks: an agent at the desk may still put a visitor in an expert's queue."""
    set_service(ctx, world, "CAF", level=2)
    resp = client.post(
        f"/api/v1/sites/{world.slug}/tickets", json={"service": "CAF"}, headers=world.auth("agent")
    )
    assert resp.status_code == 201, resp.get_json()
    refused = client.post(
        f"/api/v1/sites/{world.slug}/tickets", json={"service": "CAF"}, headers=world.auth("kiosk")
    )
    assert refused.get_json()["error"] == "service_by_appointment"
