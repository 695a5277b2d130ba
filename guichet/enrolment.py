"""Device enrolment pages: a one-time link makes this browser a kiosk or a display (cookie)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from .api.auth import DEVICE_COOKIE, ctx, public
from .services import devices
from .services.errors import NotFound

bp = Blueprint("enrolment", __name__)
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


@bp.get("/enroll/<code>")
@public
def confirm(code: str):
    """Ask before using the code, so that a link preview or prefetch cannot consume it."""
    target = devices.enrolment_target(ctx(), code)
    if target is None:
        return render_template("enrol.html", invalid=True), 404
    kind, name = target
    return render_template("enrol.html", invalid=False, kind=kind, name=name, code=code)


@bp.post("/enroll/<code>")
@public
def enrol(code: str):
    # Public on purpose: the unguessable one-time code is the credential; no cookie is read here.
    try:
        done = devices.enrol(ctx(), code)
    except NotFound:
        return render_template("enrol.html", invalid=True), 404
    target = f"/kiosk/{done.site_slug}" if done.kind == "kiosk" else f"/display/{done.site_slug}"
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


__all__ = ["bp"]
