"""The installation itself: health, this API's description, and who is calling."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from guichet.core.roles import STAFF
from guichet.services import accounts
from guichet.services import health as health_service
from guichet.web.auth import actor, ctx, public, requires

from .blueprint import bp
from .openapi import document


@bp.get("/health")
@public
def health() -> Any:
    return jsonify(health_service.check(ctx()))


@bp.get("/openapi.json")
@public
def openapi() -> Any:
    return jsonify(document())


@bp.get("/me")
@requires(*STAFF)
def me() -> Any:
    return jsonify(accounts.me(ctx(), actor()))
