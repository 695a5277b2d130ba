"""Experts' agendas from scripts: the site's experts, their weekly opening ranges and absences, and a
preview of the free slots these give. Managers (their own site) and admins only; each route parses,
calls one service of guichet/services/booking (expert_agenda, range_setup, absence_setup), and formats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify, request
from pydantic import Field

from guichet.core.roles import MANAGERS
from guichet.services.booking import absence_setup, expert_agenda, range_setup
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import Body, parse

from .blueprint import bp


class PreviewQuery(Body):
    from_: date | None = Field(None, alias="from", description="First day, YYYY-MM-DD (default today)")
    to: date | None = Field(None, description="Last day, YYYY-MM-DD (default from + 13, at most 62 days on)")
    motif: str | None = Field(None, min_length=1, max_length=32, description="Only this motif's code")


@bp.get("/sites/<slug>/experts")
@requires(*MANAGERS)
def list_experts(slug: str) -> Any:
    return jsonify({"experts": expert_agenda.list_experts(ctx(), actor(), slug)})


# --- weekly opening ranges --------------------------------------------------------------------------


@bp.get("/sites/<slug>/experts/<int:user_id>/ranges")
@requires(*MANAGERS)
def list_ranges(slug: str, user_id: int) -> Any:
    return jsonify({"ranges": range_setup.list_ranges(ctx(), actor(), slug, user_id)})


@bp.post("/sites/<slug>/experts/<int:user_id>/ranges")
@requires(*MANAGERS)
def create_range(slug: str, user_id: int) -> Any:
    body = parse(range_setup.RangeIn)
    return jsonify(range_setup.create_range(ctx(), actor(), slug, user_id, body)), 201


@bp.patch("/sites/<slug>/ranges/<int:range_id>")
@requires(*MANAGERS)
def update_range(slug: str, range_id: int) -> Any:
    body = parse(range_setup.RangePatch)
    return jsonify(range_setup.update_range(ctx(), actor(), slug, range_id, body))


@bp.delete("/sites/<slug>/ranges/<int:range_id>")
@requires(*MANAGERS)
def delete_range(slug: str, range_id: int) -> Any:
    range_setup.delete_range(ctx(), actor(), slug, range_id)
    return Response(status=204)


# --- absences ---------------------------------------------------------------------------------------


@bp.get("/sites/<slug>/experts/<int:user_id>/absences")
@requires(*MANAGERS)
def list_absences(slug: str, user_id: int) -> Any:
    return jsonify({"absences": absence_setup.list_absences(ctx(), actor(), slug, user_id)})


@bp.post("/sites/<slug>/experts/<int:user_id>/absences")
@requires(*MANAGERS)
def add_absence(slug: str, user_id: int) -> Any:
    body = parse(absence_setup.AbsenceIn)
    return jsonify(absence_setup.add_absence(ctx(), actor(), slug, user_id, body)), 201


@bp.delete("/sites/<slug>/absences/<int:absence_id>")
@requires(*MANAGERS)
def delete_absence(slug: str, absence_id: int) -> Any:
    absence_setup.delete_absence(ctx(), actor(), slug, absence_id)
    return Response(status=204)


# --- preview ----------------------------------------------------------------------------------------


@bp.get("/sites/<slug>/experts/<int:user_id>/preview")
@requires(*MANAGERS)
def preview(slug: str, user_id: int) -> Any:
    query = PreviewQuery.model_validate({k: v[:40] for k, v in request.args.items()})
    return jsonify(expert_agenda.preview(ctx(), actor(), slug, user_id, query.from_, query.to, query.motif))
