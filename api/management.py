"""Managers' settings: the services of counters and agents, the site's staff, kiosk printers and the
screens' message."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from guichet.core.roles import MANAGERS
from guichet.services import devices, display, staffing
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp
from .schemas import CounterServices, DisplayMessage, UserServices


@bp.put("/counters/<int:counter_id>/services")
@requires(*MANAGERS)
def counter_services(counter_id: int) -> Any:
    body = parse(CounterServices)
    pairs = [(x.code, x.weight) for x in body.services]
    return jsonify(staffing.set_counter_services(ctx(), actor(), counter_id, pairs))


@bp.put("/users/<int:user_id>/services")
@requires(*MANAGERS)
def user_services(user_id: int) -> Any:
    body = parse(UserServices)
    return jsonify(staffing.set_user_services(ctx(), actor(), user_id, body.services))


@bp.get("/sites/<slug>/staff")
@requires(*MANAGERS)
def site_staff(slug: str) -> Any:
    return jsonify({"users": staffing.staff(ctx(), actor(), slug)})


@bp.get("/printers")
@requires(*MANAGERS)
def printers() -> Any:
    return jsonify({"kiosks": devices.kiosk_printers(ctx(), actor())})


@bp.put("/sites/<slug>/display-message")
@requires(*MANAGERS)
def display_message(slug: str) -> Any:
    body = parse(DisplayMessage)
    return jsonify({"message": display.set_message(ctx(), actor(), slug, body.message)})
