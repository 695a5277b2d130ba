"""Requests from every channel (phone, e-mail, post, social networks, web, desk without ticket):
solved at once or escalated to a level-2 case."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from guichet.core.roles import STAFF
from guichet.services import requests
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp


@bp.post("/sites/<slug>/requests")
@requires(*STAFF)
def record_request(slug: str) -> Any:
    body = parse(requests.RequestIn)
    return jsonify(requests.record_request(ctx(), actor(), slug, body.model_dump(exclude_none=True))), 201
