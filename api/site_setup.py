"""A site's own settings, weekly hours, services' own hours and dated closures, from scripts.

Managers of the site and admins; creating a site is for admins only. Each route parses, calls one
service of guichet/services (site_setup, hours) and formats; the admin pages call the same.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from guichet.core.roles import ADMIN, MANAGERS
from guichet.services import hours, site_setup
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp


@bp.post("/sites")
@requires(ADMIN)
def create_site() -> Any:
    return jsonify(site_setup.create_site(ctx(), actor(), parse(site_setup.SiteIn))), 201


@bp.get("/sites/<slug>/settings")
@requires(*MANAGERS)
def site_settings(slug: str) -> Any:
    return jsonify(site_setup.get_settings(ctx(), actor(), slug))


@bp.patch("/sites/<slug>")
@requires(*MANAGERS)
def update_site(slug: str) -> Any:
    return jsonify(site_setup.update_site(ctx(), actor(), slug, parse(site_setup.SitePatch)))


@bp.get("/sites/<slug>/hours")
@requires(*MANAGERS)
def site_hours(slug: str) -> Any:
    return jsonify(hours.get_hours(ctx(), actor(), slug))


@bp.put("/sites/<slug>/hours")
@requires(*MANAGERS)
def set_site_hours(slug: str) -> Any:
    return jsonify(hours.set_hours(ctx(), actor(), slug, parse(hours.WeeklyIn)))


@bp.get("/sites/<slug>/services/<code>/hours")
@requires(*MANAGERS)
def service_hours(slug: str, code: str) -> Any:
    return jsonify(hours.get_hours(ctx(), actor(), slug, code[:32]))


@bp.put("/sites/<slug>/services/<code>/hours")
@requires(*MANAGERS)
def set_service_hours(slug: str, code: str) -> Any:
    return jsonify(hours.set_hours(ctx(), actor(), slug, parse(hours.WeeklyIn), code[:32]))


@bp.get("/sites/<slug>/closures")
@requires(*MANAGERS)
def closures(slug: str) -> Any:
    return jsonify({"closures": hours.list_closures(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/closures")
@requires(*MANAGERS)
def add_closure(slug: str) -> Any:
    return jsonify(hours.add_closure(ctx(), actor(), slug, parse(hours.ClosureIn))), 201


@bp.delete("/sites/<slug>/closures/<int:closure_id>")
@requires(*MANAGERS)
def delete_closure(slug: str, closure_id: int) -> Any:
    hours.delete_closure(ctx(), actor(), slug, closure_id)
    return Response(status=204)
