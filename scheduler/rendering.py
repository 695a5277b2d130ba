"""Page plumbing shared by the booking and manage pages: language, who is booking, CSRF, error pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import render_template, request, session

from guichet.services import accounts
from guichet.services.context import Actor
from guichet.web.auth import ctx, current_actor
from guichet.web.csrf import csrf_token
from guichet.web.i18n import in_language

F = TypeVar("F", bound=Callable[..., Any])


def localized(view: F) -> F:
    """French unless ?lang= asks otherwise: the pages' words are French first, and a page must never
    declare a language its text is not in (the browser's own language is not enough until catalogs
    translate these pages)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with in_language(request.args.get("lang")):
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def page(template: str, http_status: int = 200, **values: Any) -> tuple[str, int]:
    return render_template(f"scheduler/{template}", csrf=csrf_token(), **values), http_status


def error_page(status: int, message: str, back: str | None = None, back_label: str | None = None):
    return page("error.html", status, status=status, message=message, back=back, back_label=back_label)


def viewer() -> Actor | None:
    """Who looks at the page: a signed-in agent sees agents-only motifs and books for a citizen."""
    return current_actor()


def poster() -> Actor | None:
    """Who posts a form already checked by form_token_ok(): the session's agent, if any.

    current_actor() expects the X-CSRF-Token header of fetch() calls; a plain form carries the same
    token as a field, checked by form_token_ok() before this is called."""
    user_id = session.get("user_id")
    if not user_id:
        return None
    return accounts.actor_for_user(ctx(), int(user_id))


# Holds live in the session (never in a URL): "site|motif|start|place|persons" -> {hold, expires_at}.
HOLDS = "rdv_holds"
MAX_HOLDS_KEPT = 4


def hold_key(site: str, motif: str, start: str, place: int | None, persons: int) -> str:
    return f"{site}|{motif}|{start}|{place or ''}|{persons}"


def remember_hold(key: str, held: dict[str, Any]) -> None:
    holds = dict(session.get(HOLDS) or {})
    holds.pop(key, None)
    holds[key] = held
    session[HOLDS] = dict(list(holds.items())[-MAX_HOLDS_KEPT:])


def held_slot(key: str) -> dict[str, Any] | None:
    return (session.get(HOLDS) or {}).get(key)


def forget_hold(key: str) -> None:
    holds = dict(session.get(HOLDS) or {})
    if holds.pop(key, None) is not None:
        session[HOLDS] = holds
