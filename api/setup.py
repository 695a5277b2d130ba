"""Setting a site up from scripts: its services, counters and accounts, and the audit log.

Managers (their own site) and admins (every site) only; each route parses, calls one service of
guichet/services (catalogue, counter_setup, people, audit), and formats. The admin pages call the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request

from guichet.core.errors import Invalid
from guichet.core.roles import MANAGERS
from guichet.services import audit, catalogue, counter_setup, device_setup, people
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
