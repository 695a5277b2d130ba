"""One error policy for the whole application: JSON with a stable `error` code and a French `message`
for the API and fetch() callers, a French page for browsers; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..core.errors import DomainError, Forbidden, Invalid, NotFound, Unprocessable
from .auth import Unauthenticated, WrongRole
from .bodies import InvalidJson
from .csrf import CsrfFailed
from .messages import word
from .ratelimit import RateLimited

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """API paths and fetch() calls get JSON; a browser navigating to a page gets a French page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def payload(
    code: str, status: int, params: dict[str, Any] | None = None, **extra: Any
) -> tuple[Response, int]:
    """The answer to a refusal, always a Response (headers such as Retry-After can be added to a page too)."""
    message = word(code, params) or code
    if not wants_json():
        page = make_response(render_template("error.html", status=status, code=code, message=message))
        return page, status
    body = {"error": code, "message": message, **extra}
    if params:
        body["details"] = {k: v for k, v in params.items() if isinstance(v, (str, int, float, list))}
    return jsonify(body), status


def http_status(exc: DomainError) -> int:
    """How a refusal is answered: unknown 404, not allowed 403, malformed 400, refused field 422,
    refused by a rule 409."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Unprocessable):
        return 422
    if isinstance(exc, Invalid):
        return 400
    return 409


def domain_error(exc: DomainError) -> ResponseReturnValue:
    return payload(exc.code, http_status(exc), exc.params)


def validation_error(exc: ValidationError) -> ResponseReturnValue:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    return payload("validation", 422, None, errors=errors)


def invalid_json(_exc: Exception) -> ResponseReturnValue:
    return payload("invalid_json", 400)


def unauthenticated(_exc: Exception) -> ResponseReturnValue:
    resp, status = payload("unauthenticated", 401)
    if wants_json():
        resp.headers["WWW-Authenticate"] = 'Bearer realm="guichet"'
    return resp, status


def rate_limited(exc: Exception) -> ResponseReturnValue:
    resp, status = payload("too_many_requests", 429)
    resp.headers["Retry-After"] = str(getattr(exc, "retry_after", 60))
    return resp, status


def wrong_role(_exc: Exception) -> ResponseReturnValue:
    return payload("role", 403)


def csrf_failed(_exc: Exception) -> ResponseReturnValue:
    return payload("csrf", 403)


def http_error(exc: HTTPException) -> ResponseReturnValue:
    """JSON for API and fetch callers, the French error page for browsers."""
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "bad_request"}.get(
        exc.code or 500, "http_error"
    )
    if not wants_json():
        words = {
            404: _("Page introuvable."),
            405: _("Méthode non autorisée."),
            413: _("Requête trop volumineuse."),
            400: _("Requête invalide."),
        }
        return render_template(
            "error.html", status=exc.code, code=code, message=words.get(exc.code or 500, exc.name)
        ), exc.code or 500
    return jsonify({"error": code, "message": exc.description or exc.name}), exc.code or 500


def unexpected_error(exc: Exception) -> ResponseReturnValue:
    log.exception("unexpected error on %s %s", request.method, request.path)
    if wants_json():
        return jsonify({"error": "internal", "message": _("Erreur interne, réessayez.")}), 500
    return render_template(
        "error.html", status=500, code="internal", message=_("Erreur interne, réessayez.")
    ), 500


def register_error_handlers(app: Flask) -> None:
    """One error policy for the whole application (API, kiosk, pages)."""
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(ValidationError, validation_error)
    app.register_error_handler(InvalidJson, invalid_json)
    app.register_error_handler(Unauthenticated, unauthenticated)
    app.register_error_handler(WrongRole, wrong_role)
    app.register_error_handler(CsrfFailed, csrf_failed)
    app.register_error_handler(RateLimited, rate_limited)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
