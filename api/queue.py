"""Tickets: the public service listing, issuing, a ticket's public status, call-next and counter actions."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from guichet.core.errors import NotFound
from guichet.core.roles import KIOSK, STAFF
from guichet.services import calling, satisfaction, sites, ticket_steps, tickets, tracking
from guichet.web.auth import actor, ctx, public, requires
from guichet.web.bodies import parse
from guichet.web.doors import ticket_door

from .blueprint import bp
from .schemas import ACTION_BODIES, Empty, IssueTicket, SatisfactionBody


@bp.get("/sites/<slug>/services")
@public
def site_services(slug: str) -> Any:
    return jsonify(sites.list_services(ctx(), slug))


@bp.post("/sites/<slug>/tickets")
@requires(KIOSK, *STAFF)
@ticket_door("issue")
def issue(slug: str) -> Any:
    body = parse(IssueTicket)
    result = tickets.issue_ticket(
        ctx(), actor(), slug, body.service, priority=body.priority, priority_reason=body.priority_reason
    )
    return jsonify(result), 201


@bp.get("/tickets/<token>")
@public
def ticket_status(token: str) -> Any:
    return jsonify(tracking.public_status(ctx(), token))


@bp.post("/tickets/<token>/satisfaction")
@public
def rate_visit(token: str) -> Any:
    body = parse(SatisfactionBody)
    return jsonify(satisfaction.answer(ctx(), token, body.satisfied, body.score)), 201


@bp.post("/counters/<int:counter_id>/call-next")
@requires(*STAFF)
def call_next(counter_id: int) -> Any:
    parse(Empty)
    result = calling.call_next(ctx(), actor(), counter_id)
    if result is None:
        return Response(status=204)
    return jsonify(result)


@bp.post("/tickets/<int:ticket_id>/<action>")
@requires(*STAFF)
def ticket_action(ticket_id: int, action: str) -> Any:
    model = ACTION_BODIES.get(action)
    if model is None:
        raise NotFound("unknown_action", action=action)
    body = parse(model)
    return jsonify(ticket_steps.act(ctx(), actor(), ticket_id, action, body.model_dump(exclude_none=True)))
