"""Managers set their site itself up from the browser: its settings (/admin/site), its weekly hours,
services' own hours, dated exceptions and the year's public holidays (/admin/hours); admins create
sites (/admin/sites/new).

Server-rendered forms that work without JavaScript: each POST reads the form into the input the REST
API takes, calls one service (site_setup, hours), and redirects when saved or shows the form again,
answered 422, with a French message next to each refused field (nothing saved).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from guichet.core.roles import ADMIN, MANAGERS
from guichet.services import catalogue, hours, site_setup
from guichet.web.auth import actor, ctx, requires, sign_in_first
from guichet.web.forms import field_errors, read_form, submit
from guichet.web.labels import outcome_labels, priority_labels, weekday_names
from guichet.web.messages import messages

from .pages import page, site_choice
from .views import bp

RANGES_A_DAY = 3
OUTCOME_ROWS_FREE = 2
SITE_FORM = {
    "name": "text",
    "address": "text",
    "timezone": "text",
    "holiday_subdivision": "text",
    "priority_reasons": "codes",
    "priority_cap": "int",
    "min_recalls_before_no_show": "int",
    "appointment_early_min": "int",
    "display_message": "text",
}
NEW_SITE_FORM = {
    "slug": "text",
    "name": "text",
    "address": "text",
    "timezone": "text",
    "holiday_subdivision": "text",
}


def _subdivisions() -> list[tuple[str, str]]:
    aliases = {code: name for name, code in site_setup.France.subdivisions_aliases.items()}
    return [("", _("France métropolitaine (sans zone particulière)"))] + [
        (code, f"{code} — {aliases[code]}" if code in aliases else code) for code in site_setup.SUBDIVISIONS
    ]


def _read_site_form() -> dict[str, Any]:
    data = read_form(SITE_FORM)
    data["holiday_subdivision"] = data["holiday_subdivision"] or None
    data["worked_holidays"] = [
        line.strip() for line in request.form.get("worked_holidays", "").splitlines() if line.strip()
    ]
    outcomes, labels = [], {}
    for i in range(len(request.form.getlist("outcome"))):
        code = request.form.getlist("outcome")[i].strip()
        label = (request.form.getlist("outcome_label")[i : i + 1] or [""])[0].strip()
        if code:
            outcomes.append(code)
            if label:
                labels[code] = label
    data["outcomes"], data["outcome_labels"] = outcomes, labels
    return data


# --- the site's settings ----------------------------------------------------------------------------


@bp.route("/admin/site", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def site_page() -> Any:
    slug, choices = site_choice()
    values = site_setup.get_settings(ctx(), actor(), slug)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _read_site_form()
        saved, errors = submit(
            site_setup.SitePatch, data, lambda body: site_setup.update_site(ctx(), actor(), slug, body)
        )
        if not errors:
            return redirect(url_for("admin.site_page", site=slug, saved="1"))
        values = {**values, **data}
    labels = values.get("outcome_labels") or {}
    rows = [(code, labels.get(code, "")) for code in values.get("outcomes") or []]
    rows += [("", "")] * OUTCOME_ROWS_FREE
    return page(
        "admin/site.html",
        slug,
        choices,
        values=values,
        errors=errors,
        subdivisions=_subdivisions(),
        priority_labels=priority_labels(),
        outcome_rows=rows,
        outcome_names=outcome_labels(),
        is_admin=actor().role == ADMIN,
    )


@bp.route("/admin/sites/new", methods=["GET", "POST"])
@sign_in_first
@requires(ADMIN)
def new_site_page() -> Any:
    slug, choices = site_choice()
    values: dict[str, Any] = {"timezone": "Europe/Paris"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = read_form(NEW_SITE_FORM)
        data["holiday_subdivision"] = data["holiday_subdivision"] or None
        saved, errors = submit(
            site_setup.SiteIn, data, lambda body: site_setup.create_site(ctx(), actor(), body)
        )
        if saved is not None:
            return redirect(url_for("admin.site_page", site=saved["slug"], saved="1"))
        values = data
    return page(
        "admin/site_new.html", slug, choices, values=values, errors=errors, subdivisions=_subdivisions()
    )


# --- hours, exceptions and holidays -----------------------------------------------------------------


def _grid(weekly: list[dict[str, Any]]) -> dict[str, str]:
    """Form values of the weekly grid: opens.<weekday>.<n>, closes.<weekday>.<n>."""
    values: dict[str, str] = {}
    count: dict[int, int] = {}
    for r in weekly:
        n = count.get(r["weekday"], 0)
        count[r["weekday"]] = n + 1
        values[f"opens.{r['weekday']}.{n}"] = r["opens"]
        values[f"closes.{r['weekday']}.{n}"] = r["closes"]
    return values


def _save_grid(slug: str, service: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Read the grid, refuse each bad row next to it, then save the week as a whole."""
    grid: dict[str, str] = {}
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for day in range(7):
        for n in range(RANGES_A_DAY):
            opens = request.form.get(f"opens.{day}.{n}", "").strip()[:8]
            closes = request.form.get(f"closes.{day}.{n}", "").strip()[:8]
            grid[f"opens.{day}.{n}"], grid[f"closes.{day}.{n}"] = opens, closes
            if not opens and not closes:
                continue
            if not (opens and closes):
                errors[f"opens.{day}.{n}"] = messages()["closure_hours_incomplete"]
                continue
            row = {"weekday": day, "opens": opens, "closes": closes}
            try:
                hours.RangeIn.model_validate(row)
            except ValidationError as exc:
                errors[f"opens.{day}.{n}"] = next(iter(field_errors(exc, row).values()))
                continue
            rows.append(row)
    if errors:
        return grid, errors
    try:
        body = hours.WeeklyIn.model_validate({"weekly": rows})
    except ValidationError as exc:
        for e in exc.errors(include_url=False, include_input=False):
            day = (e.get("ctx") or {}).get("weekday", 0)
            errors[f"opens.{day}.0"] = messages().get(e["type"], _("Valeur invalide."))
        return grid, errors
    hours.set_hours(ctx(), actor(), slug, body, service)
    return grid, {}


def _closure_form() -> dict[str, Any]:
    data = read_form({"day": "text", "opens": "text", "closes": "text", "label": "text"})
    for name in ("opens", "closes"):
        data[name] = data[name] or None
    return data


@bp.route("/admin/hours", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def hours_page() -> Any:
    slug, choices = site_choice()
    services = catalogue.list_services(ctx(), actor(), slug)
    asked = request.args.get("service", "")[:32]
    service = asked if asked in {sv["code"] for sv in services} else None
    grid_errors: dict[str, str] = {}
    errors: dict[str, str] = {}
    grid: dict[str, str] | None = None
    closure: dict[str, Any] = {}
    action = request.form.get("action", "")
    if request.method == "POST" and action == "weekly":
        grid, grid_errors = _save_grid(slug, service)
        if not grid_errors:
            return redirect(url_for("admin.hours_page", site=slug, service=service or None, saved="weekly"))
    elif request.method == "POST" and action == "delete":
        raw = request.form.get("closure", "")
        if not raw.isdigit() or len(raw) > 12:
            abort(400)
        hours.delete_closure(ctx(), actor(), slug, int(raw))
        return redirect(url_for("admin.hours_page", site=slug, service=service or None, saved="deleted"))
    elif request.method == "POST" and action == "closure":
        closure = _closure_form()
        saved, errors = submit(
            hours.ClosureIn, closure, lambda body: hours.add_closure(ctx(), actor(), slug, body)
        )
        if not errors:
            return redirect(url_for("admin.hours_page", site=slug, service=service or None, saved="closure"))
    elif request.method == "POST":
        abort(400)
    if grid is None:
        grid = _grid(hours.get_hours(ctx(), actor(), slug, service)["weekly"])
    closures = hours.list_closures(ctx(), actor(), slug)
    for c in closures:
        c["local"] = date.fromisoformat(c["day"]).strftime("%d/%m/%Y")
    holidays = site_setup.upcoming_holidays(ctx(), actor(), slug)
    for h in holidays:
        h["local"] = date.fromisoformat(h["day"]).strftime("%d/%m/%Y")
    return page(
        "admin/hours.html",
        slug,
        choices,
        services=services,
        service=service,
        grid=grid,
        grid_errors=grid_errors,
        ranges=RANGES_A_DAY,
        weekdays=weekday_names(),
        closures=closures,
        closure=closure,
        errors={**grid_errors, **errors},
        closure_errors=errors,
        holidays=holidays,
    )
