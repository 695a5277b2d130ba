"""The application's own pages: the home page, agents' sign-in and sign-out, and device enrolment
(a one-time link makes this browser a kiosk or a display, through a cookie)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..core.errors import Invalid, NotFound
from ..core.roles import KIOSK, STAFF
from ..services import accounts, devices, first_run, sites
from .auth import DEVICE_COOKIE, ctx, public, requires
from .csrf import csrf_token, form_token_ok

bp = Blueprint("pages", __name__)
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


@bp.get("/")
@public
def home() -> Any:
    if first_run.needs_setup(ctx()):
        return redirect(url_for("account.setup"))
    return render_template("home.html", sites=sites.site_names(ctx()))


def _safe_next(target: str | None) -> str:
    """Only a local path: a crafted ?next= must not send an agent to another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("pages.home")


@bp.get("/login")
@public
def login_form() -> Any:
    return render_template("login.html", csrf=csrf_token(), error=None, next=request.args.get("next", ""))


@bp.post("/login")
@public
def login() -> Any:
    # Public by nature; the form still carries the session's CSRF token against login CSRF.
    if not form_token_ok():
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
@requires(*STAFF)
def logout() -> Any:
    session.clear()
    return redirect(url_for("pages.login_form"), code=303)


@bp.get("/enroll/<code>")
@public
def enrol_confirm(code: str) -> Any:
    """Ask before using the code, so that a link preview or prefetch cannot consume it."""
    target = devices.enrolment_target(ctx(), code)
    if target is None:
        return render_template("enrol.html", invalid=True), 404
    kind, name = target
    return render_template("enrol.html", invalid=False, kind=kind, name=name, code=code)


@bp.post("/enroll/<code>")
@public
def enrol(code: str) -> Any:
    # Public on purpose: the unguessable one-time code is the credential; no cookie is read here.
    try:
        done = devices.enrol(ctx(), code)
    except NotFound:
        return render_template("enrol.html", invalid=True), 404
    target = f"/kiosk/{done.site_slug}" if done.kind == KIOSK else f"/display/{done.site_slug}"
    response = redirect(target, code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        done.token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=ctx().settings.production or request.is_secure,
        path="/",
    )
    return response
