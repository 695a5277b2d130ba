"""Who is calling: bearer tokens (agents, devices) or an agent's session, and the role checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request, session

from ..services import accounts
from ..services.context import Actor, Context

F = TypeVar("F", bound=Callable[..., Any])

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
DEVICE_COOKIE = "guichet_device"


class Unauthenticated(Exception):
    """No valid credentials (answered 401)."""


class WrongRole(Exception):
    """Valid credentials, insufficient role (answered 403)."""


class CsrfFailed(Exception):
    """A session-authenticated write without the session's CSRF token (answered 403)."""


def ctx() -> Context:
    return current_app.extensions["guichet"]


def csrf_token() -> str:
    """The session's CSRF token, created on first use; pages put it in forms and fetch headers."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def device_csrf_token(device_token: str) -> str:
    """CSRF token of a cookie-enrolled device: derived from its token, so nothing is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"device-csrf:" + device_token.encode(), hashlib.sha256).hexdigest()


def _check_csrf(expected: str) -> None:
    if request.method in UNSAFE:
        # Scripts send the header; plain HTML forms (sign-out) send the same token as a field.
        sent = request.headers.get("X-CSRF-Token", "") or (
            request.form.get("csrf", "") if request.form else ""
        )
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            raise CsrfFailed()


def current_actor() -> Actor | None:
    """Bearer token first, then an agent's session, then an enrolled device's cookie."""
    if "actor" in g:
        return g.actor
    actor = None
    header = request.headers.get("Authorization", "")
    device_cookie = request.cookies.get(DEVICE_COOKIE, "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            actor = accounts.resolve_token(ctx(), token.strip(), ctx().clock())
    elif session.get("user_id"):
        actor = accounts.actor_for_user(ctx(), int(session["user_id"]))
        if actor is not None:
            _check_csrf(session.get("csrf", ""))
    elif device_cookie:
        actor = accounts.resolve_token(ctx(), device_cookie, ctx().clock())
        if actor is not None:
            if actor.kind != "device":  # a user's token never works as a cookie
                actor = None
            else:
                _check_csrf(device_csrf_token(device_cookie))
    g.actor = actor
    return actor


def public(view: F) -> F:
    """Mark a view as open to anonymous callers (tests enumerate routes and check the rest)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def requires(*roles: str) -> Callable[[F], F]:
    """401 without credentials, 403 unless the caller's role (or device kind) is listed."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                raise Unauthenticated()
            if actor.role not in roles:
                raise WrongRole()
            return view(*args, **kwargs)

        wrapper.roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def actor() -> Actor:
    a = current_actor()
    assert a is not None  # guaranteed by @requires
    return a
