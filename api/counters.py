"""The workstation: counters (occupy, open / pause / close, walk-in, what it holds), the live board,
parked tickets and the choices the workstation's dialogs offer."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from guichet.core.roles import STAFF
from guichet.services import board, calling, counters
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse
from guichet.web.doors import ticket_door
from guichet.web.labels import with_outcome_labels

from .blueprint import bp
from .schemas import CounterStatus, Empty, WalkIn


@bp.get("/sites/<slug>/counters")
@requires(*STAFF)
def site_counters(slug: str) -> Any:
    return jsonify({"counters": counters.list_counters(ctx(), actor(), slug)})


@bp.post("/counters/<int:counter_id>/occupy")
@requires(*STAFF)
def occupy(counter_id: int) -> Any:
    parse(Empty)
    return jsonify(counters.occupy(ctx(), actor(), counter_id))


@bp.post("/counters/<int:counter_id>/status")
@requires(*STAFF)
def counter_status(counter_id: int) -> Any:
    body = parse(CounterStatus)
    return jsonify(counters.set_status(ctx(), actor(), counter_id, body.status))


@bp.post("/counters/<int:counter_id>/walk-in")
@requires(*STAFF)
@ticket_door("walk_in")
def walk_in(counter_id: int) -> Any:
    body = parse(WalkIn)
    return jsonify(calling.walk_in(ctx(), actor(), counter_id, body.service)), 201


@bp.get("/counters/<int:counter_id>/current")
@requires(*STAFF)
def counter_current(counter_id: int) -> Any:
    return jsonify(counters.current(ctx(), actor(), counter_id))


@bp.get("/sites/<slug>/parked")
@requires(*STAFF)
def site_parked(slug: str) -> Any:
    return jsonify({"tickets": board.parked(ctx(), actor(), slug)})


@bp.get("/sites/<slug>/board")
@requires(*STAFF)
def site_board(slug: str) -> Any:
    return jsonify(board.board(ctx(), actor(), slug))


@bp.get("/sites/<slug>/workstation")
@requires(*STAFF)
def site_workstation(slug: str) -> Any:
    return jsonify(with_outcome_labels(board.workstation(ctx(), actor(), slug)))
