"""The display page. Its data arrive over Socket.IO (display/socket.py), never by polling."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from guichet.core.roles import DISPLAY_USERS
from guichet.services import accounts, sites
from guichet.services.guards import check_site
from guichet.web.auth import actor, ctx, requires
from guichet.web.i18n import LANGUAGES

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/display/static",
)


@bp.get("/display/<slug>")
@requires(*DISPLAY_USERS)
def page(slug: str) -> Any:
    listing = sites.list_services(ctx(), slug)
    a = actor()
    check_site(a, listing["site"]["id"])
    config = accounts.device_config(ctx(), a.id) if a.kind == "device" else {}
    languages = [lang for lang in config.get("languages", ["fr"]) if lang in LANGUAGES] or ["fr"]
    data = {
        "site": slug,
        "lang": "fr",
        "languages": languages,
        "max_calls": min(int(config.get("max_calls", 6)), 20),
        # This screen's device: it reloads itself when its own configuration changes.
        "device": a.id if a.kind == "device" else None,
        "highlight_s": 8,
    }
    return render_template("display/page.html", data=data, site_name=listing["site"]["name"])
