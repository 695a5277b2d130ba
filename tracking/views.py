"""The public tracking page of a ticket: what the QR code opens. It works without JavaScript (it reloads
itself); track.js keeps it live over the /track namespace instead. Once the visit is over it asks
"Globalement satisfait ?" (a plain form, CSRF-protected)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from guichet.core.errors import DomainError, NotFound
from guichet.core.estimate import wait_range_minutes
from guichet.services import satisfaction, tracking
from guichet.web.auth import ctx, public
from guichet.web.csrf import csrf_token, form_token_ok
from guichet.web.errors import http_status
from guichet.web.messages import word

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
    return _page(token)


def _page(token: str, error: str | None = None, status_code: int = 200) -> Any:
    try:
        status = tracking.tracking_page(ctx(), token)
    except NotFound:
        return render_template("tracking/unknown.html"), 404
    low, high = wait_range_minutes(status["estimated_wait_s"]) if status["estimated_wait_s"] else (0, 0)
    html = render_template(
        "tracking/track.html",
        t=status,
        low=low,
        high=high,
        csrf=csrf_token(),
        error=error,
        thanks=request.args.get("merci") == "1",
    )
    return html, status_code


@bp.post("/t/<token>/satisfaction")
@public
def rate(token: str) -> Any:
    """The visit's rating, from the form on the tracking page (it works without JavaScript)."""
    if not form_token_ok():
        return _page(token, _("Le formulaire a expiré : réessayez."), 403)
    satisfied = {"oui": True, "non": False}.get(request.form.get("satisfied", ""))
    raw = request.form.get("score", "")
    if satisfied is None or (raw and not raw.isdigit()):
        return _page(token, _("Répondez par oui ou par non ; la note est facultative."), 400)
    try:
        satisfaction.answer(ctx(), token, satisfied, int(raw) if raw else None)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return render_template("tracking/unknown.html"), 404
        return _page(token, word(exc.code, exc.params) or exc.code, http_status(exc))
    return redirect(url_for(".track", token=token, merci="1"), 303)
