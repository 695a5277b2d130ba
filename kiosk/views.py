"""Kiosk pages and their JSON endpoints. Each endpoint calls one guichet service, then prints."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request
from markupsafe import Markup
from pydantic import Field

from guichet.core.errors import NotFound
from guichet.core.roles import KIOSK_USERS
from guichet.services import categories as site_categories
from guichet.services import checkin, printing, sites, tickets
from guichet.web.auth import DEVICE_COOKIE, actor, ctx, requires
from guichet.web.bodies import Body, parse
from guichet.web.csrf import device_csrf_token
from guichet.web.doors import ticket_door
from guichet.web.i18n import LANGUAGES, RTL, in_language, language_or_french

from . import texts

bp = Blueprint(
    "kiosk", __name__, template_folder="templates", static_folder="static", static_url_path="/kiosk/static"
)


class IssueBody(Body):
    service: str = Field(min_length=1, max_length=32)
    priority_reason: str | None = Field(None, max_length=32)
    lang: str = Field("fr", max_length=5)


class CheckinBody(Body):
    code: str = Field(min_length=1, max_length=300)
    lang: str = Field("fr", max_length=5)


def spooler() -> Any:
    return current_app.extensions["guichet_spooler"]


def _offer(slug: str, lang: str) -> dict[str, Any]:
    """What the kiosk offers now (call inside in_language(lang)): the site and its services by category.

    Deactivated services are left out: the kiosk offers them no more, as if they had never been.
    """
    state = sites.list_services(ctx(), slug, level=1, actor=actor())
    site = state["site"]
    # The site's categories in their order, labelled in the kiosk's language; a code the site does not
    # manage keeps the kiosk's own words, and services without one go under "Autres", last.
    managed = {c["code"]: c for c in site_categories.kiosk_categories(ctx(), site["id"])}
    rank = {code: i for i, code in enumerate(managed)}
    categories: dict[str, dict[str, Any]] = {}
    for sv in sorted(
        state["services"], key=lambda sv: rank.get(sv["category"], len(rank) + (not sv["category"]))
    ):
        code = sv["category"] or "autres"
        known = managed.get(code)
        cat = categories.setdefault(
            code,
            {
                "code": code,
                "label": (known["labels"].get(lang) or known["label"])
                if known
                else texts.category_label(code),
                "icon": texts.ICONS.get(code, "other"),
                "services": [],
            },
        )
        cat["services"].append(
            {
                "code": sv["code"],
                "label": sv["labels"].get(lang) or sv["label"],
                "partner": sv["partner_name"],
                "open": sv["open"],
                "waiting": sv["waiting"],
                "wait_text": texts.wait_text(sv["estimated_wait_s"]),
                "closed_text": ""
                if sv["open"]
                else texts.next_opening_text(sv["next_opening"], site["timezone"]),
            }
        )
    # The legal CMI first, then the site's own categories (the same list the service accepts).
    priority = [{"code": r, "label": texts.priority_label(r)} for r in site["priority_reasons"]]
    return {"site": site, "categories": list(categories.values()), "priority": priority}


def _offer_screens(offer: dict[str, Any]) -> tuple[Markup, str]:
    """The screens a change can alter (home, categories, priority) and a version to compare them by."""
    html = render_template("kiosk/offer.html", **offer) if offer["site"]["open"] else ""
    return Markup(html), hashlib.sha256(html.encode()).hexdigest()[:16]


@bp.get("/kiosk/<slug>")
@requires(*KIOSK_USERS)
def page(slug: str):
    lang = language_or_french(request.args.get("lang"))
    settings = ctx().settings
    with in_language(lang):
        offer = _offer(slug, lang)
        site = offer["site"]
        screens, version = _offer_screens(offer)
        closed_text = "" if site["open"] else texts.next_opening_text(site["next_opening"], site["timezone"])
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        return render_template(
            "kiosk/page.html",
            lang=lang,
            rtl=lang in RTL,
            languages=LANGUAGES,
            site=site,
            offer_screens=screens,
            offer_version=version,
            closed_text=closed_text,
            csrf=device_csrf_token(cookie) if cookie else "",
            idle_s=settings.kiosk_idle_s,
            server_time=ctx().clock().isoformat(),
        )


@bp.get("/kiosk/<slug>/offer")
@requires(*KIOSK_USERS)
def offer(slug: str):
    """The offer's screens again, for a kiosk told (or, offline from the socket, asking) that they changed."""
    lang = language_or_french(request.args.get("lang"))
    with in_language(lang):
        current = _offer(slug, lang)
        screens, version = _offer_screens(current)
    site = current["site"]
    return jsonify(
        {"open": site["open"], "site_name": site["name"], "version": version, "html": str(screens)}
    )


def _ticket_response(slug: str, ticket: dict[str, Any], lang: str, extra: dict[str, Any]):
    """The ticket as the kiosk shows and prints it, in the visitor's language."""
    heading = sites.ticket_heading(ctx(), actor(), slug, ticket["service"], lang)
    site = heading["site"]
    with in_language(lang):
        label = heading["label"] or ticket["service_label"]
        job = printing.submit(ctx(), spooler(), actor(), texts.ticket_print(ticket, label, site, lang))
        body = {
            "ticket": {
                k: ticket[k]
                for k in ("id", "number", "service", "status", "position", "estimated_wait_s", "tracking_url")
            },
            "service_label": label,
            "spoken_number": texts.spoken_number(ticket["number"]),
            "position_text": texts.position_text(ticket["position"]),
            "wait_text": texts.wait_text(ticket["estimated_wait_s"]),
            "print": {"job": job.id, "state": job.state} if job else None,
            **extra,
        }
    return jsonify(body), 201


@bp.post("/kiosk/<slug>/tickets")
@requires(*KIOSK_USERS)
@ticket_door("issue")
def issue(slug: str):
    body = parse(IssueBody)
    ticket = tickets.issue_ticket(ctx(), actor(), slug, body.service, priority_reason=body.priority_reason)
    return _ticket_response(slug, ticket, language_or_french(body.lang), {})


@bp.post("/kiosk/<slug>/checkin")
@requires(*KIOSK_USERS)
@ticket_door("check_in")
def check_in(slug: str):
    body = parse(CheckinBody)
    result = checkin.check_in(ctx(), actor(), slug, body.code)
    extra = {"late": result["late"], "again": result["again"]}
    return _ticket_response(slug, result["ticket"], language_or_french(body.lang), extra)


@bp.get("/kiosk/<slug>/print-jobs/<job_id>")
@requires(*KIOSK_USERS)
def print_job(slug: str, job_id: str):
    status = printing.job_status(ctx(), spooler(), actor(), job_id)
    if status is None:
        raise NotFound("print_job_not_found")
    return jsonify(status)
