"""Pages of the online request form. A view parses, calls one service (guichet.services.web_requests),
formats; the rules (services, contact with consent, the case and its delay) are the services'."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _

from guichet.core.errors import NotFound
from guichet.services import web_requests
from guichet.web.auth import SLUG, ctx, public
from guichet.web.csrf import csrf_token, form_token_ok
from guichet.web.forms import read_form, submit
from guichet.web.ratelimit import limited

bp = Blueprint(
    "webform",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/webform/static",
)

FORM = {
    "services": "codes",
    "summary": "text",
    "name": "text",
    "email": "text",
    "phone": "text",
    "consent": "bool",
}


def _site(slug: str) -> dict[str, Any]:
    if not SLUG.match(slug):
        raise NotFound("site_not_found", site=slug[:64])
    return web_requests.form_of(ctx(), slug)


def _form_page(
    form: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Any:
    html = render_template("webform/form.html", form=form, values=values, errors=errors, csrf=csrf_token())
    return html, status


@bp.get("/demande/<slug>")
@public
def form_page(slug: str) -> Any:
    return _form_page(_site(slug), {"services": []}, {})


@bp.post("/demande/<slug>")
@public
@limited("web_request")
def send(slug: str) -> Any:
    form = _site(slug)
    data = read_form(FORM)
    data["phone"] = data["phone"].strip() or None
    if not form_token_ok():
        return _form_page(form, data, {"form": _("Le formulaire a expiré : envoyez-le à nouveau.")}, 403)
    errors: dict[str, str] = {}
    if not data["consent"]:
        errors["consent"] = _("Cochez cette case pour que nous puissions vous répondre.")
    if not data["services"]:
        errors["services"] = _("Cochez au moins un service.")
    if not errors:
        sent, errors = submit(
            web_requests.WebRequestIn, data, lambda body: web_requests.submit(ctx(), slug, body)
        )
        if sent is not None and not errors:
            return redirect(sent["path"] + "?envoyee=1", 303)
    return _form_page(form, data, errors, 422)


def _follow_page(
    case_id: int, sig: str, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Any:
    case = web_requests.follow(ctx(), case_id, sig)
    zone = ZoneInfo(case["site"]["timezone"])

    def local(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(zone).strftime("%d/%m/%Y %H:%M") if iso else ""

    html = render_template(
        "webform/follow.html",
        case=case,
        sent=request.args.get("envoyee") == "1",
        replied=request.args.get("reponse") == "1",
        due=local(case["due_at"]),
        opened=local(case["opened_at"]),
        answered=local(case["answered_at"]),
        messages=[{**m, "when": local(m["at"])} for m in case["messages"]],
        values=values,
        errors=errors,
        csrf=csrf_token(),
    )
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/demande/suivi/<int:case_id>/<sig>")
@public
@limited("public_appointment")
def follow(case_id: int, sig: str) -> Any:
    return _follow_page(case_id, sig[:64], {}, {})


@bp.post("/demande/suivi/<int:case_id>/<sig>")
@public
@limited("web_request")
def reply(case_id: int, sig: str) -> Any:
    sig = sig[:64]
    data = read_form({"text": "text"})
    if not form_token_ok():
        return _follow_page(
            case_id, sig, data, {"form": _("Le formulaire a expiré : envoyez-le à nouveau.")}, 403
        )
    done, errors = submit(
        web_requests.ReplyIn, data, lambda body: web_requests.reply(ctx(), case_id, sig, body)
    )
    if done is not None and not errors:
        return redirect(f"{request.path}?reponse=1", 303)
    return _follow_page(case_id, sig, data, errors, 422)
