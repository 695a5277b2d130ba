"""The request form (/counter/requests/new): a level-1 agent records a request that came by phone,
e-mail, post, a social network, the web or the desk without a ticket, solved at once or passed to
level 2. A plain form (works without JavaScript); the rules are guichet.services.requests'."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from guichet.core.roles import STAFF
from guichet.core.tickets import ESCALATED
from guichet.services import accounts, board, requests
from guichet.web.auth import SLUG, actor, ctx, requires, sign_in_first
from guichet.web.csrf import csrf_token
from guichet.web.forms import field_errors, read_form, submit
from guichet.web.labels import channel_labels, with_outcome_labels

from .blueprint import bp

REQUEST_FORM = {
    "channel": "text",
    "services": "codes",
    "summary": "text",
    "contact_name": "text",
    "contact_email": "text",
    "contact_phone": "text",
    "consent": "bool",
    "resolution": "text",
    "resolved_outcome": "text",
    "expert": "int",
}


def _body(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields as the service's input (RequestIn), and what the form itself refuses."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "channel": data["channel"] or None,
        "services": data["services"],
        "summary": data["summary"],
        "consent": data["consent"],
    }
    if not data["channel"]:
        errors["channel"] = _("Choisissez le canal de la demande.")
    if not data["services"]:
        errors["services"] = _("Cochez au moins un service concerné.")
    given = {k: data[f"contact_{k}"].strip() for k in ("name", "email", "phone")}
    contact = {k: v for k, v in given.items() if v}
    if contact:
        body["contact"] = contact
        try:
            requests.Contact.model_validate(
                {"name": given["name"], **{k: v or None for k, v in contact.items()}}
            )
        except ValidationError as exc:
            errors.update({f"contact_{k}": v for k, v in field_errors(exc, given).items()})
    if data["resolution"] == "now":
        if not data["resolved_outcome"]:
            errors["resolved_outcome"] = _("Choisissez l'issue de la demande.")
        body["resolved_outcome"] = data["resolved_outcome"] or None
    elif data["resolution"] == "level2":
        if data.get("expert") is not None:
            body["expert"] = data["expert"]
    else:
        errors["resolution"] = _("Dites si la demande est résolue maintenant ou transmise au niveau 2.")
    return body, errors


def _recorded(result: dict[str, Any], zone: str) -> str:
    channel = channel_labels().get(result["channel"], result["channel"])
    if result["case"] is None:
        return _("Demande enregistrée (%(channel)s) : résolue.", channel=channel)
    due = datetime.fromisoformat(result["deadline_at"]).astimezone(ZoneInfo(zone))
    return _(
        "Demande enregistrée (%(channel)s) : dossier de niveau 2 %(reference)s ouvert, réponse attendue "
        "avant le %(due)s.",
        channel=channel,
        reference=result["reference"],
        due=due.strftime("%d/%m/%Y %H:%M"),
    )


def _record(slug: str, body: requests.RequestIn) -> dict[str, Any]:
    return requests.record_request(ctx(), actor(), slug, body.model_dump(exclude_none=True))


@bp.route("/counter/requests/new", methods=["GET", "POST"])
@sign_in_first
@requires(*STAFF)
def request_form() -> Any:
    a = actor()
    # An account of every site (admin) says which site it works at, as on the counter page.
    slug = str(accounts.me(ctx(), a)["site"] or request.args.get("site", ""))
    if not slug or not SLUG.match(slug):
        abort(404)
    config = with_outcome_labels(board.workstation(ctx(), a, slug))
    values: dict[str, Any] = {"services": [], "resolution": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(REQUEST_FORM)
        body, errors = _body(data)
        if not errors:
            result, errors = submit(
                requests.RequestIn,
                body,
                lambda b: requests.record_request(ctx(), a, slug, b.model_dump(exclude_none=True)),
            )
            if not errors and result is not None:
                flash(_recorded(result, config["site"]["timezone"]))
                return redirect(
                    url_for("counters.request_form", **({"site": slug} if a.site_id is None else {})), 303
                )
        errors = {
            ("contact_" + k[len("contact.") :] if k.startswith("contact.") else k): v
            for k, v in errors.items()
        }
        values = data
    html = render_template(
        "counters/request.html",
        config=config,
        channels=channel_labels(),
        outcome_options=[("", _("Choisissez…"))]
        + [(o["code"], o["label"]) for o in config["outcomes"] if o["code"] != ESCALATED],
        expert_options=[("", _("Aucun en particulier"))] + [(x["id"], x["name"]) for x in config["experts"]],
        values=values,
        errors=errors,
        csrf=csrf_token(),
        staff_role=a.role,
    )
    return html, 422 if errors else 200
