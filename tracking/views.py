"""The public tracking page of a ticket: what the QR code opens. It works without JavaScript (it reloads
itself); track.js keeps it live over the /track namespace instead."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from guichet.core.errors import NotFound
from guichet.core.estimate import wait_range_minutes
from guichet.services import tracking
from guichet.web.auth import ctx, public

bp = Blueprint(
    "tracking",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/tracking/static",
)


@bp.get("/t/<token>")
@public
def track(token: str) -> Any:
    try:
        status = tracking.tracking_page(ctx(), token)
    except NotFound:
        return render_template("tracking/unknown.html"), 404
    low, high = wait_range_minutes(status["estimated_wait_s"]) if status["estimated_wait_s"] else (0, 0)
    return render_template("tracking/track.html", t=status, low=low, high=high)
