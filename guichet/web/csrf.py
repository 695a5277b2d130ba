"""CSRF tokens: a session's (agents' pages, forms), or derived from an enrolled device's token (kiosks)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request, session

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(Exception):
    """A cookie-authenticated write without the matching CSRF token (answered 403)."""


def csrf_token() -> str:
    """The session's CSRF token, created on first use; pages put it in forms and fetch headers."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def device_csrf_token(device_token: str) -> str:
    """CSRF token of a cookie-enrolled device: derived from its token, so nothing is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"device-csrf:" + device_token.encode(), hashlib.sha256).hexdigest()


def form_token_ok() -> bool:
    """A plain HTML form carries the session's token as its `csrf` field."""
    sent = request.form.get("csrf", "")
    expected = session.get("csrf", "")
    return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)


def check_csrf(expected: str) -> None:
    """Refuse a write that carries neither the X-CSRF-Token header nor the `csrf` form field."""
    if request.method in UNSAFE:
        sent = request.headers.get("X-CSRF-Token", "") or (
            request.form.get("csrf", "") if request.form else ""
        )
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            raise CsrfFailed()
