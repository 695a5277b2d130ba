"""Managers' pages. /admin/staff holds no data: admin.js loads the counters, staff and services through
the REST API and saves one row at a time (PUT /api/v1/counters/<id>/services, /users/<id>/services)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template

from guichet.core.roles import MANAGERS
from guichet.services import devices
from guichet.web.auth import actor, ctx, requires, sign_in_first, watched_site
from guichet.web.csrf import csrf_token
from printer import virtual_printer

bp = Blueprint(
    "admin", __name__, template_folder="templates", static_folder="static", static_url_path="/admin/static"
)


@bp.get("/admin/staff")
@sign_in_first
@requires(*MANAGERS)
def staff_page() -> Any:
    a = actor()
    data = {"role": a.role, "user_id": a.id, "manager": True, "site": watched_site()}
    return render_template("admin/staff.html", data=data, csrf=csrf_token(), staff_role=a.role)


@bp.get("/admin/printers")
@requires(*MANAGERS)
def printers() -> Any:
    recent = list(enumerate(virtual_printer().recent()))[::-1]
    return render_template(
        "admin/printers.html",
        kiosks=devices.kiosk_printers(ctx(), actor()),
        recent=recent,
        csrf=csrf_token(),
        default_printer=ctx().settings.printer_url,
    )


@bp.get("/admin/printers/virtual/<int:index>.png")
@requires(*MANAGERS)
def virtual_preview(index: int) -> Any:
    tickets = virtual_printer().recent()
    if not 0 <= index < len(tickets) or not tickets[index].png:
        abort(404)
    return Response(tickets[index].png, mimetype="image/png", headers={"Cache-Control": "no-store"})
