"""The display page. Its data arrive over Socket.IO (guichet/display_socket.py), never by polling."""

from __future__ import annotations

from flask import Blueprint, render_template

from guichet.api.auth import actor, ctx, requires
from guichet.services import accounts, sites
from guichet.services.errors import Forbidden

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/display/static",
)

DISPLAY_ROLES = ("display", "agent", "expert", "manager", "admin")
ANNOUNCE_LANGUAGES = ("fr", "en", "ar", "es", "pt")


@bp.get("/display/<slug>")
@requires(*DISPLAY_ROLES)
def page(slug: str):
    listing = sites.list_services(ctx(), slug)
    a = actor()
    if a.site_id is not None and listing["site"]["id"] != a.site_id:
        raise Forbidden("other_site")
    config = accounts.device_config(ctx(), a.id) if a.kind == "device" else {}
    languages = [lang for lang in config.get("languages", ["fr"]) if lang in ANNOUNCE_LANGUAGES] or ["fr"]
    data = {
        "site": slug,
        "lang": "fr",
        "languages": languages,
        "max_calls": min(int(config.get("max_calls", 6)), 20),
        "highlight_s": 8,
    }
    return render_template("display/page.html", data=data, site_name=listing["site"]["name"])
