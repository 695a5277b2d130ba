"""API v1 routes. Each one: check the caller, parse the body, call one service, serialize."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from pydantic import BaseModel
from sqlalchemy import text

from ..services import devices, display, sites, tickets
from ..services.errors import NotFound
from . import bp
from .auth import actor, ctx, public, requires
from .errors import InvalidJson
from .openapi import document
from .schemas import ACTION_BODIES, DisplayMessage, Empty, IssueTicket

STAFF = ("agent", "expert", "manager", "admin")


def parse(model: type[BaseModel]) -> Any:
    """An absent body counts as {}; anything but a JSON object is a 400."""
    raw = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(raw, dict):
        raise InvalidJson()
    return model.model_validate(raw)


@bp.get("/health")
@public
def health():
    with ctx().db.session() as s:
        s.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "database": ctx().db.dialect})


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())


@bp.get("/sites/<slug>/services")
@public
def site_services(slug: str):
    return jsonify(sites.list_services(ctx(), slug))


@bp.get("/sites/<slug>/counters")
@requires(*STAFF)
def site_counters(slug: str):
    return jsonify({"counters": sites.list_counters(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/tickets")
@requires("kiosk", *STAFF)
def issue(slug: str):
    body = parse(IssueTicket)
    result = tickets.issue_ticket(
        ctx(), actor(), slug, body.service, priority=body.priority, priority_reason=body.priority_reason
    )
    return jsonify(result), 201


@bp.get("/tickets/<token>")
@public
def ticket_status(token: str):
    return jsonify(tickets.public_status(ctx(), token))


@bp.post("/counters/<int:counter_id>/call-next")
@requires(*STAFF)
def call_next(counter_id: int):
    parse(Empty)
    result = tickets.call_next(ctx(), actor(), counter_id)
    if result is None:
        return Response(status=204)
    return jsonify(result)


@bp.post("/tickets/<int:ticket_id>/<action>")
@requires(*STAFF)
def ticket_action(ticket_id: int, action: str):
    model = ACTION_BODIES.get(action)
    if model is None:
        raise NotFound("unknown_action", action=action)
    body = parse(model)
    return jsonify(tickets.act(ctx(), actor(), ticket_id, action, body.model_dump(exclude_none=True)))


@bp.get("/printers")
@requires("manager", "admin")
def printers():
    return jsonify({"kiosks": devices.kiosk_printers(ctx(), actor())})


@bp.put("/sites/<slug>/display-message")
@requires("manager", "admin")
def display_message(slug: str):
    body = parse(DisplayMessage)
    return jsonify({"message": display.set_message(ctx(), actor(), slug, body.message)})
