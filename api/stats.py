"""Managers' figures: the site's quality indicators over a period, and its queues live."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from guichet.core.roles import MANAGERS
from guichet.services import live, stats
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import date_arg

from .blueprint import bp


@bp.get("/sites/<slug>/stats")
@requires(*MANAGERS)
def site_stats(slug: str) -> Any:
    return jsonify(stats.site_stats(ctx(), actor(), slug, date_arg("from"), date_arg("to")))


@bp.get("/sites/<slug>/live")
@requires(*MANAGERS)
def site_live(slug: str) -> Any:
    return jsonify(live.live_now(ctx(), actor(), slug))
