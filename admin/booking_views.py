"""Managers set online booking up from the browser: places and their closures, and motifs.

Server-rendered forms that work without JavaScript, like admin/setup_views.py: each POST reads the
form into the validated input the REST API takes (guichet/services/booking place_setup, motif_setup),
calls one service, and either redirects (saved) or shows the form again, 422, with a French message
next to each refused field (nothing saved).
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for

from guichet.core.roles import MANAGERS
from guichet.services import catalogue
from guichet.services.booking import motif_setup, place_setup
from guichet.web.auth import actor, ctx, requires, sign_in_first
from guichet.web.dates import french_day
from guichet.web.forms import read_form, refusal, submit

from .pages import page, site_choice
from .views import bp

PLACE_FORM = {"name": "text", "address": "text", "active": "bool"}
CLOSURE_FORM = {"first_day": "text", "last_day": "text", "label": "text"}
MOTIF_FORM = {
    "code": "text",
    "label": "text",
    "service": "text",
    "duration_min": "int",
    "extra_per_person_min": "int",
    "max_persons": "int",
    "min_delay_min": "int",
    "max_delay_days": "int",
    "buffer_min": "int",
    "bookable_by": "text",
    "instructions": "text",
    "requires_ants": "bool",
    "max_per_contact": "int",
    "active": "bool",
}
NEW_MOTIF = {
    "duration_min": 30,
    "extra_per_person_min": 0,
    "max_persons": 1,
    "min_delay_min": 60,
    "max_delay_days": 60,
    "buffer_min": 0,
    "bookable_by": "everyone",
    "max_per_contact": 2,
    "active": True,
}


# --- places -----------------------------------------------------------------------------------------


@bp.route("/admin/booking/places", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def booking_places() -> Any:
    slug, choices = site_choice()
    values: dict[str, Any] = {"active": True}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(PLACE_FORM)
        saved, errors = submit(
            place_setup.PlaceIn, data, lambda body: place_setup.create_place(ctx(), actor(), slug, body)
        )
        if saved:
            return redirect(url_for("admin.booking_places", site=slug, saved=saved["name"]))
        values = data
    places = place_setup.list_places(ctx(), actor(), slug)
    return page(
        "admin/booking_places.html", slug, choices, bool(errors), places=places, values=values, errors=errors
    )


@bp.route("/admin/booking/places/<int:place_id>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def booking_place(place_id: int) -> Any:
    slug, choices = site_choice()
    existing = {p["id"]: p for p in place_setup.list_places(ctx(), actor(), slug)}
    if place_id not in existing:
        abort(404)
    values: dict[str, Any] = existing[place_id]
    closure: dict[str, Any] = {}
    errors: dict[str, str] = {}
    closure_errors: dict[str, str] = {}
    here = url_for("admin.booking_place", place_id=place_id, site=slug)
    action = request.form.get("action", "save") if request.method == "POST" else None
    if action == "save":
        data = read_form(PLACE_FORM)
        _saved, errors = submit(
            place_setup.PlacePatch,
            data,
            lambda body: place_setup.update_place(ctx(), actor(), slug, place_id, body),
        )
        if not errors:
            return redirect(url_for("admin.booking_places", site=slug, saved=data["name"]))
        values = {**values, **data}
    elif action == "delete":
        errors = refusal(lambda: place_setup.delete_place(ctx(), actor(), slug, place_id))
        if not errors:
            return redirect(url_for("admin.booking_places", site=slug, deleted=values["name"]))
    elif action == "closure":
        # An empty date is a missing one ("required"), not a malformed one.
        closure = {k: v for k, v in read_form(CLOSURE_FORM).items() if v != "" or k == "label"}
        _saved, closure_errors = submit(
            place_setup.ClosureIn,
            closure,
            lambda body: place_setup.add_closure(ctx(), actor(), slug, place_id, body),
        )
        if not closure_errors:
            return redirect(here)
    elif action == "delete-closure":
        raw = request.form.get("closure", "")
        if not raw.isdigit() or len(raw) > 12:
            abort(400)
        place_setup.delete_closure(ctx(), actor(), slug, place_id, int(raw))
        return redirect(here)
    elif action is not None:
        abort(400)
    closures = [
        {**c, "first": french_day(c["first_day"]), "last": french_day(c["last_day"])}
        for c in place_setup.list_closures(ctx(), actor(), slug, place_id)
    ]
    return page(
        "admin/booking_place_form.html",
        slug,
        choices,
        bool(errors or closure_errors),
        place_id=place_id,
        values=values,
        errors=errors,
        closure=closure,
        closure_errors=closure_errors,
        closures=closures,
    )


# --- motifs -----------------------------------------------------------------------------------------


@bp.get("/admin/booking/motifs")
@sign_in_first
@requires(*MANAGERS)
def booking_motifs() -> Any:
    slug, choices = site_choice()
    motifs = motif_setup.list_motifs(ctx(), actor(), slug)
    return page("admin/booking_motifs.html", slug, choices, False, motifs=motifs)


@bp.route("/admin/booking/motifs/new", methods=["GET", "POST"])
@bp.route("/admin/booking/motifs/<code>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def booking_motif(code: str | None = None) -> Any:
    slug, choices = site_choice()
    existing = {m["code"]: m for m in motif_setup.list_motifs(ctx(), actor(), slug)}
    if code is not None and code not in existing:
        abort(404)
    values: dict[str, Any] = existing[code] if code else dict(NEW_MOTIF)
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get("action") == "delete" and code is not None:
        errors = refusal(lambda: motif_setup.delete_motif(ctx(), actor(), slug, code))
        if not errors:
            return redirect(url_for("admin.booking_motifs", site=slug, deleted=code))
    elif request.method == "POST":
        data = read_form(MOTIF_FORM)
        if code is None:
            saved, errors = submit(
                motif_setup.MotifIn, data, lambda body: motif_setup.create_motif(ctx(), actor(), slug, body)
            )
        else:
            saved, errors = submit(
                motif_setup.MotifPatch,
                data,
                lambda body: motif_setup.update_motif(ctx(), actor(), slug, code, body),
            )
        if not errors and saved:
            return redirect(url_for("admin.booking_motifs", site=slug, saved=saved["code"]))
        values = {**values, **data}
    services = catalogue.list_services(ctx(), actor(), slug)
    # Motifs are booked with experts: level-2 services first.
    services.sort(key=lambda sv: (sv["level"] != 2, sv["label"]))
    return page(
        "admin/booking_motif_form.html",
        slug,
        choices,
        bool(errors),
        code=code,
        values=values,
        errors=errors,
        services=services,
    )
