"""API v1 routes. Each one: check the caller, parse the body, call one service, serialize."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from pydantic import BaseModel
from sqlalchemy import text

from ..services import accounts, cases, counters, devices, display, sites, tickets
from ..services.errors import NotFound
from . import bp
from .auth import actor, ctx, public, requires
from .errors import InvalidJson
from .labels import with_outcome_labels
from .openapi import document
from .schemas import (
    ACTION_BODIES,
    Answer,
    CaseIn,
    Contribution,
    CounterServices,
    CounterStatus,
    DisplayMessage,
    Empty,
    IssueTicket,
    UserServices,
    WalkIn,
)

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
    return jsonify({"counters": counters.list_counters(ctx(), actor(), slug)})


@bp.get("/me")
@requires(*STAFF)
def me():
    return jsonify(accounts.me(ctx(), actor()))


@bp.post("/counters/<int:counter_id>/occupy")
@requires(*STAFF)
def occupy(counter_id: int):
    parse(Empty)
    return jsonify(counters.occupy(ctx(), actor(), counter_id))


@bp.post("/counters/<int:counter_id>/status")
@requires(*STAFF)
def counter_status(counter_id: int):
    body = parse(CounterStatus)
    return jsonify(counters.set_status(ctx(), actor(), counter_id, body.status))


@bp.post("/counters/<int:counter_id>/walk-in")
@requires(*STAFF)
def walk_in(counter_id: int):
    body = parse(WalkIn)
    return jsonify(counters.walk_in(ctx(), actor(), counter_id, body.service)), 201


@bp.get("/counters/<int:counter_id>/current")
@requires(*STAFF)
def counter_current(counter_id: int):
    return jsonify(counters.current(ctx(), actor(), counter_id))


@bp.put("/counters/<int:counter_id>/services")
@requires("manager", "admin")
def counter_services(counter_id: int):
    body = parse(CounterServices)
    pairs = [(x.code, x.weight) for x in body.services]
    return jsonify(counters.set_counter_services(ctx(), actor(), counter_id, pairs))


@bp.put("/users/<int:user_id>/services")
@requires("manager", "admin")
def user_services(user_id: int):
    body = parse(UserServices)
    return jsonify(counters.set_user_services(ctx(), actor(), user_id, body.services))


@bp.get("/sites/<slug>/staff")
@requires("manager", "admin")
def site_staff(slug: str):
    return jsonify({"users": counters.staff(ctx(), actor(), slug)})


@bp.get("/sites/<slug>/parked")
@requires(*STAFF)
def site_parked(slug: str):
    return jsonify({"tickets": counters.parked(ctx(), actor(), slug)})


@bp.get("/sites/<slug>/board")
@requires(*STAFF)
def site_board(slug: str):
    return jsonify(counters.board(ctx(), actor(), slug))


@bp.get("/sites/<slug>/workstation")
@requires(*STAFF)
def site_workstation(slug: str):
    return jsonify(with_outcome_labels(counters.workstation(ctx(), actor(), slug)))


@bp.post("/sites/<slug>/cases")
@requires(*STAFF)
def open_case(slug: str):
    body = parse(CaseIn)
    return jsonify(cases.open_case(ctx(), actor(), slug, body.model_dump(exclude_none=True))), 201


@bp.get("/cases")
@requires(*STAFF)
def list_cases():
    status = request.args.get("status", "open")[:16]
    return jsonify({"cases": cases.list_cases(ctx(), actor(), status)})


@bp.get("/cases/<int:case_id>")
@requires(*STAFF)
def get_case(case_id: int):
    return jsonify(cases.get_case(ctx(), actor(), case_id))


@bp.post("/cases/<int:case_id>/contributions")
@requires(*STAFF)
def contribute(case_id: int):
    body = parse(Contribution)
    return jsonify(cases.contribute(ctx(), actor(), case_id, body.service, body.text))


@bp.post("/cases/<int:case_id>/answer")
@requires(*STAFF)
def answer_case(case_id: int):
    body = parse(Answer)
    return jsonify(cases.answer(ctx(), actor(), case_id, body.text))


@bp.get("/experts/me/day")
@requires(*STAFF)
def expert_day():
    return jsonify(cases.expert_day(ctx(), actor()))


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
