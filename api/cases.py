"""Level-2 cases (opened by a ticket's escalation or a request: api/requests.py): list and read
them, a service's contribution, the grouped answer, and the expert's day."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from guichet.core.roles import STAFF
from guichet.services import case_alerts, cases
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp
from .schemas import Answer, Contribution


@bp.get("/cases")
@requires(*STAFF)
def list_cases() -> Any:
    status = request.args.get("status", "open")[:16]
    return jsonify({"cases": cases.list_cases(ctx(), actor(), status)})


@bp.get("/cases/due")
@requires(*STAFF)
def cases_due() -> Any:
    # Its own endpoint, read once per staff page: the workstation reads /me on every refresh.
    return jsonify(case_alerts.due_soon(ctx(), actor()))


@bp.get("/cases/<int:case_id>")
@requires(*STAFF)
def get_case(case_id: int) -> Any:
    return jsonify(cases.get_case(ctx(), actor(), case_id))


@bp.post("/cases/<int:case_id>/contributions")
@requires(*STAFF)
def contribute(case_id: int) -> Any:
    body = parse(Contribution)
    return jsonify(cases.contribute(ctx(), actor(), case_id, body.service, body.text))


@bp.post("/cases/<int:case_id>/answer")
@requires(*STAFF)
def answer_case(case_id: int) -> Any:
    body = parse(Answer)
    return jsonify(cases.answer(ctx(), actor(), case_id, body.text))


@bp.get("/experts/me/day")
@requires(*STAFF)
def expert_day() -> Any:
    return jsonify(cases.expert_day(ctx(), actor()))
