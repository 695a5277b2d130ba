"""Who is calling: bearer tokens (agents' scripts, devices), an agent's session, or an enrolled
device's cookie; and the decorators every view carries (`@public` or `@requires(roles...)`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for

from ..services import accounts
from ..services.context import Actor, Context
from .csrf import check_csrf, device_csrf_token

F = TypeVar("F", bound=Callable[..., Any])

DEVICE_COOKIE = "guichet_device"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class Unauthenticated(Exception):
    """No valid credentials (answered 401)."""


class WrongRole(Exception):
    """Valid credentials, insufficient role (answered 403)."""


def ctx() -> Context:
    """The application's service context (database, settings, hub, clock)."""
    context: Context = current_app.extensions["guichet"]
    return context


def current_actor() -> Actor | None:
    """Bearer token first, then an agent's session, then an enrolled device's cookie."""
    if "actor" in g:
        return g.actor  # type: ignore[no-any-return]
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
            check_csrf(session.get("csrf", ""))
    elif device_cookie:
        actor = accounts.resolve_token(ctx(), device_cookie, ctx().clock())
        if actor is not None:
            if actor.kind != "device":  # a user's token never works as a cookie
                actor = None
            else:
                check_csrf(device_csrf_token(device_cookie))
    g.actor = actor
    return actor


def socket_actor(auth: Any) -> Actor | None:
    """Who opens a Socket.IO connection, as for the pages: the token given in `auth` first, then a
    staff session, then an enrolled device's cookie (a user's token never works as a cookie)."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return accounts.resolve_token(ctx(), auth["token"], ctx().clock())
    if session.get("user_id"):
        return accounts.actor_for_user(ctx(), int(session["user_id"]))
    cookie = request.cookies.get(DEVICE_COOKIE)
    actor = accounts.resolve_token(ctx(), cookie, ctx().clock()) if cookie else None
    return actor if actor is not None and actor.kind == "device" else None


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
    """The caller of a view guarded by @requires."""
    a = current_actor()
    assert a is not None  # guaranteed by @requires
    return a


def sign_in_first(view: F) -> F:
    """A browser opening a staff page without a session goes to the sign-in form, then comes back;
    scripts and API clients (no HTML in Accept) keep the plain 401 of @requires."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None and request.method == "GET" and request.accept_mimetypes.accept_html:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("pages.login_form", next=target))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def watched_site() -> str | None:
    """The site an all-sites account (admin) looks at, from ?site=; others always see their own."""
    if actor().site_id is not None:
        return None
    asked = request.args.get("site", "")
    return asked if SLUG.match(asked) else None
