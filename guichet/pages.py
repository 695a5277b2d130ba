"""Plain pages of the core application: the home page listing what this installation serves."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from .api.auth import ctx, public
from .core.estimate import wait_range_minutes
from .models import Site
from .services import tickets
from .services.errors import NotFound

bp = Blueprint("pages", __name__)


@bp.get("/")
@public
def home():
    with ctx().db.session() as s:
        site_list = [(site.slug, site.name) for site in s.scalars(select(Site).order_by(Site.name))]
    return render_template("home.html", sites=site_list)


@bp.get("/t/<token>")
@public
def track(token: str):
    """Public tracking page of a ticket: what the QR code opens. No personal data, no login."""
    try:
        status = tickets.public_status(ctx(), token)
    except NotFound:
        return render_template("track_unknown.html"), 404
    low, high = wait_range_minutes(status["estimated_wait_s"]) if status["estimated_wait_s"] else (0, 0)
    return render_template("track.html", t=status, low=low, high=high)
