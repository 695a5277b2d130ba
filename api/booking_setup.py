"""Setting online booking up from scripts: a site's places, their closures, and its motifs.

Managers (their own site) and admins only; each route parses, calls one service of
guichet/services/booking (place_setup, motif_setup), and formats. The admin pages call the same.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from guichet.core.roles import MANAGERS
from guichet.services.booking import motif_setup, place_setup
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp

# --- places and their closures ----------------------------------------------------------------------


@bp.get("/sites/<slug>/places")
@requires(*MANAGERS)
def list_places(slug: str) -> Any:
    return jsonify({"places": place_setup.list_places(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/places")
@requires(*MANAGERS)
def create_place(slug: str) -> Any:
    return jsonify(place_setup.create_place(ctx(), actor(), slug, parse(place_setup.PlaceIn))), 201


@bp.patch("/sites/<slug>/places/<int:place_id>")
@requires(*MANAGERS)
def update_place(slug: str, place_id: int) -> Any:
    body = parse(place_setup.PlacePatch)
    return jsonify(place_setup.update_place(ctx(), actor(), slug, place_id, body))


@bp.delete("/sites/<slug>/places/<int:place_id>")
@requires(*MANAGERS)
def delete_place(slug: str, place_id: int) -> Any:
    place_setup.delete_place(ctx(), actor(), slug, place_id)
    return Response(status=204)


@bp.get("/sites/<slug>/places/<int:place_id>/closures")
@requires(*MANAGERS)
def list_place_closures(slug: str, place_id: int) -> Any:
    return jsonify({"closures": place_setup.list_closures(ctx(), actor(), slug, place_id)})


@bp.post("/sites/<slug>/places/<int:place_id>/closures")
@requires(*MANAGERS)
def add_place_closure(slug: str, place_id: int) -> Any:
    body = parse(place_setup.ClosureIn)
    return jsonify(place_setup.add_closure(ctx(), actor(), slug, place_id, body)), 201


@bp.delete("/sites/<slug>/places/<int:place_id>/closures/<int:closure_id>")
@requires(*MANAGERS)
def delete_place_closure(slug: str, place_id: int, closure_id: int) -> Any:
    place_setup.delete_closure(ctx(), actor(), slug, place_id, closure_id)
    return Response(status=204)


# --- motifs -----------------------------------------------------------------------------------------
# The public GET /sites/<slug>/motifs (api/booking.py) lists what citizens may book; managers read
# every motif, inactive ones included and with the set-up fields, at /motifs/all.


@bp.get("/sites/<slug>/motifs/all")
@requires(*MANAGERS)
def list_all_motifs(slug: str) -> Any:
    return jsonify({"motifs": motif_setup.list_motifs(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/motifs")
@requires(*MANAGERS)
def create_motif(slug: str) -> Any:
    return jsonify(motif_setup.create_motif(ctx(), actor(), slug, parse(motif_setup.MotifIn))), 201


@bp.patch("/sites/<slug>/motifs/<code>")
@requires(*MANAGERS)
def update_motif(slug: str, code: str) -> Any:
    body = parse(motif_setup.MotifPatch)
    return jsonify(motif_setup.update_motif(ctx(), actor(), slug, code[:32], body))


@bp.delete("/sites/<slug>/motifs/<code>")
@requires(*MANAGERS)
def delete_motif(slug: str, code: str) -> Any:
    motif_setup.delete_motif(ctx(), actor(), slug, code[:32])
    return Response(status=204)
