"""Level-2 expert page (/expert): cases with their deadline, the day's appointments, answering.

The page holds no business rule and no case data: expert.js loads everything through the REST API
(docs/contracts/counter.md) and reloads it on the Socket.IO `/counter` hints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import redirect, render_template, request, url_for

from guichet.api.auth import actor, csrf_token, current_actor, requires

from . import bp

F = TypeVar("F", bound=Callable[..., Any])

EXPERT_ROLES = ("expert", "manager", "admin")
MANAGERS = ("manager", "admin")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _navigating() -> bool:
    """A browser opening the page asks for text/html by name; scripts and API clients do not."""
    return any(value == "text/html" and quality > 0 for value, quality in request.accept_mimetypes)


def staff_page(*roles: str) -> Callable[[F], F]:
    """`@requires(roles)`, except that a browser without a session is sent to sign in first.

    Other anonymous callers still get the 401 of `@requires` (the route audit relies on it).
    """

    def decorate(view: F) -> F:
        guarded = requires(*roles)(view)

        @wraps(guarded)
        def page(*args: Any, **kwargs: Any) -> Any:
            if current_actor() is None and request.method == "GET" and _navigating():
                target = request.full_path.rstrip("?")
                return redirect(url_for("staff.login_form", next=target), code=303)
            return guarded(*args, **kwargs)

        return page  # type: ignore[return-value]

    return decorate


def watched_site() -> str | None:
    """The site an all-sites account (admin) looks at, from ?site=; others always see their own."""
    if actor().site_id is not None:
        return None
    asked = request.args.get("site", "")
    return asked if SLUG.match(asked) else None


@bp.get("/expert")
@staff_page(*EXPERT_ROLES)
def expert_page():
    a = actor()
    data = {
        "role": a.role,
        "user_id": a.id,
        "manager": a.role in MANAGERS,
        "site": watched_site(),
    }
    return render_template("counters/expert.html", data=data, csrf=csrf_token(), staff_role=a.role)
