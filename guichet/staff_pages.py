"""Agents' sign-in and managers' pages (sessions with CSRF; roles checked on every view)."""

from __future__ import annotations

import hmac
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from printer import virtual_printer

from .api.auth import actor, csrf_token, ctx, public, requires
from .services import accounts, devices
from .services.errors import Invalid

bp = Blueprint("staff", __name__)
MANAGERS = ("manager", "admin")


def _safe_next(target: str | None) -> str:
    """Only a local path: a crafted ?next= must not send an agent to another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("pages.home")


@bp.get("/login")
@public
def login_form():
    return render_template("login.html", csrf=csrf_token(), error=None, next=request.args.get("next", ""))


@bp.post("/login")
@public
def login():
    # Public by nature; the form still carries the session's CSRF token against login CSRF.
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        return render_template("login.html", csrf=csrf_token(), error="csrf", next=""), 403
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    try:
        who = accounts.verify_login(ctx(), username, password) if username and password else None
    except Invalid as exc:
        if exc.code == "account_locked":
            return render_template("login.html", csrf=csrf_token(), error="locked", next=""), 429
        raise
    if who is None:
        return render_template("login.html", csrf=csrf_token(), error="wrong", next=""), 401
    session.clear()  # a fresh session on sign-in: no fixation
    session["user_id"] = who.id
    csrf_token()
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/logout")
@requires("agent", "expert", "manager", "admin")
def logout():
    session.clear()
    return redirect(url_for("staff.login_form"), code=303)


@bp.get("/admin/printers")
@requires(*MANAGERS)
def printers():
    recent = list(enumerate(virtual_printer().recent()))[::-1]
    return render_template(
        "admin_printers.html",
        kiosks=devices.kiosk_printers(ctx(), actor()),
        recent=recent,
        csrf=csrf_token(),
        default_printer=current_app.extensions["guichet"].settings.printer_url,
    )


@bp.get("/admin/printers/virtual/<int:index>.png")
@requires(*MANAGERS)
def virtual_preview(index: int):
    tickets = virtual_printer().recent()
    if not 0 <= index < len(tickets) or not tickets[index].png:
        abort(404)
    return Response(tickets[index].png, mimetype="image/png", headers={"Cache-Control": "no-store"})
