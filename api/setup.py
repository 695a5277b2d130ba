"""Setting a site up from scripts: its services, counters, accounts, devices, partners and categories,
and the audit log.

Managers (their own site) and admins (every site) only; each route parses, calls one service of
guichet/services (catalogue, counter_setup, people, device_setup, partners, categories, audit), and
formats. The admin pages call the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from guichet.core.errors import Invalid
from guichet.core.roles import MANAGERS
from guichet.services import audit, catalogue, categories, counter_setup, device_setup, partners, people
from guichet.web.auth import actor, ctx, requires
from guichet.web.bodies import parse

from .blueprint import bp

# --- services ---------------------------------------------------------------------------------------


@bp.post("/sites/<slug>/services")
@requires(*MANAGERS)
def create_service(slug: str) -> Any:
    return jsonify(catalogue.create_service(ctx(), actor(), slug, parse(catalogue.ServiceIn))), 201


@bp.patch("/sites/<slug>/services/<code>")
@requires(*MANAGERS)
def update_service(slug: str, code: str) -> Any:
    return jsonify(catalogue.update_service(ctx(), actor(), slug, code[:32], parse(catalogue.ServicePatch)))


@bp.delete("/sites/<slug>/services/<code>")
@requires(*MANAGERS)
def delete_service(slug: str, code: str) -> Any:
    catalogue.delete_service(ctx(), actor(), slug, code[:32])
    return Response(status=204)


# --- counters ---------------------------------------------------------------------------------------


@bp.post("/sites/<slug>/counters")
@requires(*MANAGERS)
def create_counter(slug: str) -> Any:
    return jsonify(counter_setup.create_counter(ctx(), actor(), slug, parse(counter_setup.CounterIn))), 201


@bp.patch("/sites/<slug>/counters/<int:number>")
@requires(*MANAGERS)
def update_counter(slug: str, number: int) -> Any:
    body = parse(counter_setup.CounterPatch)
    return jsonify(counter_setup.update_counter(ctx(), actor(), slug, number, body))


@bp.delete("/sites/<slug>/counters/<int:number>")
@requires(*MANAGERS)
def delete_counter(slug: str, number: int) -> Any:
    counter_setup.delete_counter(ctx(), actor(), slug, number)
    return Response(status=204)


# --- accounts ---------------------------------------------------------------------------------------


@bp.get("/sites/<slug>/users")
@requires(*MANAGERS)
def list_users(slug: str) -> Any:
    return jsonify({"users": people.list_users(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/users")
@requires(*MANAGERS)
def create_user(slug: str) -> Any:
    return jsonify(people.create_user(ctx(), actor(), slug, parse(people.UserIn))), 201


@bp.patch("/users/<int:user_id>")
@requires(*MANAGERS)
def update_user(user_id: int) -> Any:
    return jsonify(people.update_user(ctx(), actor(), user_id, parse(people.UserPatch)))


@bp.post("/users/<int:user_id>/password-link")
@requires(*MANAGERS)
def password_link(user_id: int) -> Any:
    return jsonify(people.password_link(ctx(), actor(), user_id)), 201


# --- devices ----------------------------------------------------------------------------------------


@bp.get("/sites/<slug>/devices")
@requires(*MANAGERS)
def list_devices(slug: str) -> Any:
    return jsonify({"devices": device_setup.list_devices(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/devices")
@requires(*MANAGERS)
def create_device(slug: str) -> Any:
    return jsonify(device_setup.create_device(ctx(), actor(), slug, parse(device_setup.DeviceIn))), 201


@bp.post("/devices/<int:device_id>/enrolment")
@requires(*MANAGERS)
def device_enrolment(device_id: int) -> Any:
    return jsonify(device_setup.new_enrolment(ctx(), actor(), device_id)), 201


@bp.post("/devices/<int:device_id>/revoke")
@requires(*MANAGERS)
def revoke_device(device_id: int) -> Any:
    return jsonify(device_setup.revoke_device(ctx(), actor(), device_id))


@bp.patch("/devices/<int:device_id>")
@requires(*MANAGERS)
def update_device(device_id: int) -> Any:
    return jsonify(device_setup.update_device(ctx(), actor(), device_id, parse(device_setup.DevicePatch)))


@bp.post("/devices/<int:device_id>/test-print")
@requires(*MANAGERS)
def test_print(device_id: int) -> Any:
    result = device_setup.test_print(
        ctx(),
        current_app.extensions["guichet_spooler"],
        actor(),
        device_id,
        title=_("Test d'impression"),
        privacy=_("Ce ticket ne contient aucune donnée personnelle."),
    )
    return jsonify(result)


# --- partners (installation-wide) and categories (per site) ----------------------------------------


@bp.get("/partners")
@requires(*MANAGERS)
def list_partners() -> Any:
    return jsonify({"partners": partners.list_partners(ctx(), actor())})


@bp.post("/partners")
@requires(*MANAGERS)
def create_partner() -> Any:
    return jsonify(partners.create_partner(ctx(), actor(), parse(partners.PartnerIn))), 201


@bp.patch("/partners/<partner_code>")
@requires(*MANAGERS)
def update_partner(partner_code: str) -> Any:
    body = parse(partners.PartnerPatch)
    return jsonify(partners.update_partner(ctx(), actor(), partner_code[:32], body))


@bp.delete("/partners/<partner_code>")
@requires(*MANAGERS)
def delete_partner(partner_code: str) -> Any:
    partners.delete_partner(ctx(), actor(), partner_code[:32])
    return Response(status=204)


@bp.get("/sites/<slug>/categories")
@requires(*MANAGERS)
def list_categories(slug: str) -> Any:
    return jsonify({"categories": categories.list_categories(ctx(), actor(), slug)})


@bp.post("/sites/<slug>/categories")
@requires(*MANAGERS)
def create_category(slug: str) -> Any:
    return jsonify(categories.create_category(ctx(), actor(), slug, parse(categories.CategoryIn))), 201


@bp.patch("/sites/<slug>/categories/<category>")
@requires(*MANAGERS)
def update_category(slug: str, category: str) -> Any:
    body = parse(categories.CategoryPatch)
    return jsonify(categories.update_category(ctx(), actor(), slug, category[:64], body))


@bp.delete("/sites/<slug>/categories/<category>")
@requires(*MANAGERS)
def delete_category(slug: str, category: str) -> Any:
    categories.delete_category(ctx(), actor(), slug, category[:64])
    return Response(status=204)


# --- audit ------------------------------------------------------------------------------------------


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name, "")[:40]
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid("invalid_date", field=name) from exc
    if value.tzinfo is None:
        raise Invalid("invalid_date", field=name)
    return value


@bp.get("/audit")
@requires(*MANAGERS)
def audit_log() -> Any:
    raw_actor = request.args.get("actor", "")
    if raw_actor and not raw_actor.isdigit():
        raise Invalid("invalid_actor", field="actor")
    entries = audit.entries(
        ctx(),
        actor(),
        site=request.args.get("site", "")[:64] or None,
        actor_id=int(raw_actor[:12]) if raw_actor else None,
        kind=request.args.get("kind", "")[:64] or None,
        since=_moment("from"),
        until=_moment("to"),
    )
    return jsonify({"entries": entries})
