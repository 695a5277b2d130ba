"""What every set-up page shares: the site it sets up, and how it is answered."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from guichet.services import sites
from guichet.web.auth import SLUG, actor, ctx
from guichet.web.csrf import csrf_token


def site_choice() -> tuple[str, list[tuple[str, str]]]:
    """The site the page sets up (a manager's own; an admin picks with ?site=) and the choices."""
    choices = sites.managed_sites(ctx(), actor())
    if not choices:
        abort(404)
    asked = request.args.get("site", "")
    slugs = [slug for slug, _name in choices]
    return (asked if SLUG.match(asked) and asked in slugs else slugs[0]), choices


def page(
    template: str, slug: str, choices: list[tuple[str, str]], refused: bool | None = None, **values: Any
) -> Any:
    """The page, answered 422 when it shows a refused form or action (nothing was saved)."""
    html = render_template(
        template, site=slug, sites=choices, csrf=csrf_token(), staff_role=actor().role, **values
    )
    if refused is None:
        refused = bool(values.get("errors"))
    return html, 422 if refused else 200
