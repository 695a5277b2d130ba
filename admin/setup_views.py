"""Managers set their site up from the browser: services, counters, accounts, and read the audit log.

Server-rendered forms that work without JavaScript (the scheduler's habit): each POST reads the form
into the same validated input the REST API takes, calls one service, and either redirects (saved)
or shows the form again with a French message next to each refused field (nothing saved).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from guichet.core.roles import MANAGERS, ROLES
from guichet.services import (
    audit,
    catalogue,
    categories,
    counter_setup,
    device_setup,
    partners,
    people,
    sites,
)
from guichet.web.auth import actor, ctx, requires, sign_in_first
from guichet.web.forms import read_form, submit
from guichet.web.i18n import LANGUAGES
from guichet.web.qr import qr_svg

from .pages import page, site_choice
from .views import bp

SERVICE_FORM = {
    "code": "text",
    "prefix": "text",
    "label": "text",
    "labels": "labels",
    "partner": "text",
    "category": "text",
    "level": "int",
    "daily_quota": "int",
    "target_wait_min": "int",
    "sla_hours": "int",
    "active": "bool",
}
COUNTER_FORM = {"number": "int", "name": "text", "services": "weights"}
ACCOUNT_FORM = {
    "username": "text",
    "display_name": "text",
    "email": "text",
    "role": "text",
    "services": "codes",
    "active": "bool",
}


def _optional(data: dict[str, Any]) -> dict[str, Any]:
    """An empty optional text (partner, e-mail) means none."""
    return {k: (None if k in ("partner", "email") and v == "" else v) for k, v in data.items()}


@bp.get("/admin")
@sign_in_first
@requires(*MANAGERS)
def index() -> Any:
    slug, choices = site_choice()
    return page("admin/index.html", slug, choices)


# --- services ---------------------------------------------------------------------------------------


@bp.get("/admin/services")
@sign_in_first
@requires(*MANAGERS)
def services_page() -> Any:
    slug, choices = site_choice()
    return page("admin/services.html", slug, choices, services=catalogue.list_services(ctx(), actor(), slug))


@bp.route("/admin/services/new", methods=["GET", "POST"])
@bp.route("/admin/services/<code>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def service_form(code: str | None = None) -> Any:
    slug, choices = site_choice()
    existing = {sv["code"]: sv for sv in catalogue.list_services(ctx(), actor(), slug)}
    if code is not None and code not in existing:
        abort(404)
    fresh = {"level": 1, "target_wait_min": 15, "sla_hours": 72, "active": True}
    values: dict[str, Any] = existing[code] if code else fresh
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _optional(read_form(SERVICE_FORM))
        if code is None:
            saved, errors = submit(
                catalogue.ServiceIn, data, lambda body: catalogue.create_service(ctx(), actor(), slug, body)
            )
        else:
            saved, errors = submit(
                catalogue.ServicePatch,
                data,
                lambda body: catalogue.update_service(ctx(), actor(), slug, code, body),
            )
        if not errors:
            return redirect(url_for("admin.services_page", site=slug, saved=saved["code"] if saved else ""))
        values = {**values, **data}
    return page(
        "admin/service_form.html",
        slug,
        choices,
        code=code,
        values=values,
        errors=errors,
        languages=LANGUAGES,
        partners=[(p["code"], f"{p['name']} ({p['code']})") for p in partners.list_partners(ctx(), actor())],
        categories=[(c["code"], c["label"]) for c in categories.list_categories(ctx(), actor(), slug)],
    )


# --- counters ---------------------------------------------------------------------------------------


@bp.get("/admin/counters")
@sign_in_first
@requires(*MANAGERS)
def counters_page() -> Any:
    slug, choices = site_choice()
    return page(
        "admin/counters.html", slug, choices, counters=counter_setup.list_counters(ctx(), actor(), slug)
    )


@bp.route("/admin/counters/new", methods=["GET", "POST"])
@bp.route("/admin/counters/<int:number>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def counter_form(number: int | None = None) -> Any:
    slug, choices = site_choice()
    existing = {c["number"]: c for c in counter_setup.list_counters(ctx(), actor(), slug)}
    if number is not None and number not in existing:
        abort(404)
    values: dict[str, Any] = existing[number] if number else {"services": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(COUNTER_FORM)
        if number is None:
            saved, errors = submit(
                counter_setup.CounterIn,
                data,
                lambda body: counter_setup.create_counter(ctx(), actor(), slug, body),
            )
        else:
            saved, errors = submit(
                counter_setup.CounterPatch,
                data,
                lambda body: counter_setup.update_counter(ctx(), actor(), slug, number, body),
            )
        if not errors:
            return redirect(url_for("admin.counters_page", site=slug))
        values = {**values, **data}
    services = catalogue.list_services(ctx(), actor(), slug)
    weights = {s["code"]: s["weight"] for s in values.get("services") or []}
    return page(
        "admin/counter_form.html",
        slug,
        choices,
        number=number,
        values=values,
        errors=errors,
        services=services,
        weights=weights,
    )


# --- accounts ---------------------------------------------------------------------------------------


@bp.get("/admin/accounts")
@sign_in_first
@requires(*MANAGERS)
def accounts_page() -> Any:
    slug, choices = site_choice()
    return page("admin/accounts.html", slug, choices, users=people.list_users(ctx(), actor(), slug))


@bp.route("/admin/accounts/new", methods=["GET", "POST"])
@bp.route("/admin/accounts/<int:user_id>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def account_form(user_id: int | None = None) -> Any:
    slug, choices = site_choice()
    existing = {u["id"]: u for u in people.list_users(ctx(), actor(), slug)}
    if user_id is not None and user_id not in existing:
        abort(404)
    fresh = {"role": "agent", "active": True, "services": []}
    values: dict[str, Any] = existing[user_id] if user_id else fresh
    errors: dict[str, str] = {}
    link = None
    if request.method == "POST" and request.form.get("action") == "password-link" and user_id is not None:
        link = people.password_link(ctx(), actor(), user_id)
    elif request.method == "POST":
        data = _optional(read_form(ACCOUNT_FORM))
        if user_id is None:
            saved, errors = submit(
                people.UserIn, data, lambda body: people.create_user(ctx(), actor(), slug, body)
            )
            if not errors and saved:
                # Shown once, here: the manager hands it to the person (nobody ever sees a password).
                link = saved["password_link"]
                values, user_id = saved, saved["id"]
        else:
            saved, errors = submit(
                people.UserPatch, data, lambda body: people.update_user(ctx(), actor(), user_id, body)
            )
            if not errors:
                return redirect(url_for("admin.accounts_page", site=slug))
        if errors:
            values = {**values, **data}
    roles = [r for r in ROLES if r != "admin" or actor().role == "admin"]
    return page(
        "admin/account_form.html",
        slug,
        choices,
        user_id=user_id,
        values=values,
        errors=errors,
        link=link,
        roles=roles,
        services=catalogue.list_services(ctx(), actor(), slug),
    )


# --- devices ----------------------------------------------------------------------------------------

DEVICE_FORM = {"kind": "text", "name": "text", "printer_url": "text"}


@bp.route("/admin/devices", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def devices_page() -> Any:
    slug, choices = site_choice()
    values: dict[str, Any] = {"kind": "kiosk"}
    errors: dict[str, str] = {}
    link: dict[str, Any] | None = None
    if request.method == "POST" and request.form.get("action") in ("link", "revoke"):
        raw = request.form.get("device", "")
        if not raw.isdigit():
            abort(400)
        if request.form["action"] == "link":
            link = {
                **device_setup.new_enrolment(ctx(), actor(), int(raw)),
                "device": request.form.get("name", ""),
            }
        else:
            device_setup.revoke_device(ctx(), actor(), int(raw))
            return redirect(url_for("admin.devices_page", site=slug))
    elif request.method == "POST":
        data = {k: (v or None) if k == "printer_url" else v for k, v in read_form(DEVICE_FORM).items()}
        saved, errors = submit(
            device_setup.DeviceIn, data, lambda body: device_setup.create_device(ctx(), actor(), slug, body)
        )
        if saved:
            link = {**saved["enrolment"], "device": saved["name"]}
        else:
            values = data
    if link is not None:
        link["qr"] = qr_svg(link["url"])
    return page(
        "admin/devices.html",
        slug,
        choices,
        devices=device_setup.list_devices(ctx(), actor(), slug),
        values=values,
        errors=errors,
        link=link,
    )


KIOSK_FORM = {"name": "text", "printer_url": "text"}
DISPLAY_FORM = {
    "name": "text",
    "services": "codes",
    "counters": "codes",
    "languages": "codes",
    "max_calls": "int",
}
PRINTER_STATES = {"ok": _l("Prête"), "error": _l("En erreur"), "unknown": _l("Inconnue (jamais vérifiée)")}


@bp.route("/admin/devices/<int:device_id>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def device_form(device_id: int) -> Any:
    slug, choices = site_choice()
    device = device_setup.get_device(ctx(), actor(), device_id)
    if device["site"] != slug:
        return redirect(url_for("admin.device_form", device_id=device_id, site=device["site"]))
    values: dict[str, Any] = {**device, **(device["display"] or {})}
    errors: dict[str, str] = {}
    printed: dict[str, Any] | None = None
    if request.method == "POST" and request.form.get("action") == "test-print":
        printed = device_setup.test_print(
            ctx(),
            current_app.extensions["guichet_spooler"],
            actor(),
            device_id,
            title=_("Test d'impression"),
            privacy=_("Ce ticket ne contient aucune donnée personnelle."),
        )
        device = device_setup.get_device(ctx(), actor(), device_id)
        values = {**device, **(device["display"] or {})}
    elif request.method == "POST":
        data = read_form(KIOSK_FORM if device["kind"] == "kiosk" else DISPLAY_FORM)
        if "printer_url" in data:
            data["printer_url"] = data["printer_url"].strip() or None
        _saved, errors = submit(
            device_setup.DevicePatch,
            data,
            lambda body: device_setup.update_device(ctx(), actor(), device_id, body),
        )
        if not errors:
            return redirect(url_for("admin.devices_page", site=slug, saved=data["name"]))
        values = {**values, **data}
    zone = ZoneInfo(sites.timezone_of(ctx(), actor(), slug) or "Europe/Paris")
    checked = device["printer_checked_at"]
    return page(
        "admin/device_form.html",
        slug,
        choices,
        device=device,
        values=values,
        errors=errors,
        printed=printed,
        printer_state=PRINTER_STATES.get(device["printer_state"], device["printer_state"]),
        checked_local=datetime.fromisoformat(checked).astimezone(zone).strftime("%d/%m/%Y %H:%M")
        if checked
        else None,
        default_printer=ctx().settings.printer_url,
        services=catalogue.list_services(ctx(), actor(), slug) if device["kind"] == "display" else [],
        counters=counter_setup.list_counters(ctx(), actor(), slug) if device["kind"] == "display" else [],
        languages=LANGUAGES,
    )


# --- audit ------------------------------------------------------------------------------------------


@bp.get("/admin/audit")
@sign_in_first
@requires(*MANAGERS)
def audit_page() -> Any:
    slug, choices = site_choice()
    kind = request.args.get("kind", "")[:64] or None
    entries = audit.entries(ctx(), actor(), site=slug, kind=kind, limit=200)
    zone = ZoneInfo(sites.timezone_of(ctx(), actor(), slug) or "Europe/Paris")
    for e in entries:
        e["local"] = datetime.fromisoformat(e["at"]).astimezone(zone).strftime("%d/%m/%Y %H:%M:%S")
        before, after = e["before"] or {}, e["after"] or {}
        keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        e["changes"] = [(k, (before.get(k), after.get(k))) for k in keys]
    return page("admin/audit.html", slug, choices, entries=entries, kind=kind or "")
