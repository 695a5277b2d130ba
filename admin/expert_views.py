"""Experts' agendas from the browser: the site's experts (/admin/booking/experts), and one expert's
weekly opening ranges, absences and the free slots these give over the next 14 days
(/admin/booking/experts/<id>). Forms work without JavaScript; each POST calls one service of
guichet/services/booking (expert_agenda, range_setup, absence_setup), the same as the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import format_date

from guichet.core.roles import MANAGERS
from guichet.services.booking import absence_setup, range_setup
from guichet.services.booking import expert_agenda as agendas
from guichet.web.auth import actor, ctx, requires, sign_in_first
from guichet.web.forms import read_form, refusal, submit
from guichet.web.labels import weekday_names

from .pages import page, site_choice
from .views import bp

RANGE_FORM = {
    "place_id": "int",
    "weekday": "int",
    "start_time": "text",
    "end_time": "text",
    "valid_from": "text",
    "valid_until": "text",
    "every_weeks": "int",
    "motifs": "codes",
}
ABSENCE_FORM = {"starts_at": "text", "ends_at": "text", "label": "text"}


@bp.get("/admin/booking/experts")
@sign_in_first
@requires(*MANAGERS)
def experts_page() -> Any:
    slug, choices = site_choice()
    experts = agendas.list_experts(ctx(), actor(), slug)
    return page("admin/experts.html", slug, choices, experts=experts)


def _preview_days(preview: dict[str, Any]) -> list[dict[str, Any]]:
    """The preview's slots by local day, then by motif: what the table shows."""
    days: dict[str, dict[str, Any]] = {}
    for m in preview["motifs"]:
        for slot in m["slots"]:
            start = datetime.fromisoformat(slot["start"])
            day = days.setdefault(
                start.date().isoformat(), {"label": format_date(start.date(), "full"), "motifs": {}}
            )
            day["motifs"].setdefault(m["motif"]["label"], []).append(start.strftime("%H:%M"))
    return [days[k] for k in sorted(days)]


def _local(iso: str) -> str:
    """An instant already in the site's offset, as a French reader writes it."""
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")


def _range_values(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "place_id": r["place"]["id"], "valid_until": r["valid_until"] or ""}


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        abort(400)
    return int(raw)


def _post(slug: str, user_id: int) -> tuple[dict[str, Any], dict[str, str], dict[str, str], int | None]:
    """Run the posted action: (values typed, errors of the range form, of the absence form, range edited)."""
    action = request.form.get("action", "")
    values: dict[str, Any] = {}
    range_errors: dict[str, str] = {}
    absence_errors: dict[str, str] = {}
    editing = None
    if action in ("add-range", "edit-range"):
        values = read_form(RANGE_FORM)
        data = {**values, "valid_until": values["valid_until"] or None}
        if action == "add-range":
            _saved, range_errors = submit(
                range_setup.RangeIn,
                data,
                lambda body: range_setup.create_range(ctx(), actor(), slug, user_id, body),
            )
        else:
            editing = _int_field("range")
            _saved, range_errors = submit(
                range_setup.RangePatch,
                data,
                lambda body: range_setup.update_range(ctx(), actor(), slug, editing, body),
            )
    elif action == "add-absence":
        values = read_form(ABSENCE_FORM)
        _saved, absence_errors = submit(
            absence_setup.AbsenceIn,
            values,
            lambda body: absence_setup.add_absence(ctx(), actor(), slug, user_id, body),
        )
    elif action in ("delete-range", "delete-absence"):
        if action == "delete-range":
            number = _int_field("range")
            refused = refusal(lambda: range_setup.delete_range(ctx(), actor(), slug, number))
            range_errors.update(refused)
        else:
            number = _int_field("absence")
            refused = refusal(lambda: absence_setup.delete_absence(ctx(), actor(), slug, number))
            absence_errors.update(refused)
    else:
        abort(400)
    return values, range_errors, absence_errors, editing


@bp.route("/admin/booking/experts/<int:user_id>", methods=["GET", "POST"])
@sign_in_first
@requires(*MANAGERS)
def expert_agenda(user_id: int) -> Any:
    slug, choices = site_choice()
    experts = {e["id"]: e for e in agendas.list_experts(ctx(), actor(), slug)}
    if user_id not in experts:
        abort(404)
    ranges = range_setup.list_ranges(ctx(), actor(), slug, user_id)
    values: dict[str, Any] = {}
    absence_values: dict[str, Any] = {}
    range_errors: dict[str, str] = {}
    absence_errors: dict[str, str] = {}
    editing: int | None = None
    if request.method == "POST":
        typed, range_errors, absence_errors, editing = _post(slug, user_id)
        if not range_errors and not absence_errors:
            return redirect(url_for("admin.expert_agenda", user_id=user_id, site=slug, saved=1))
        values, absence_values = (typed, {}) if range_errors else ({}, typed)
    elif request.args.get("range", "").isdigit():
        editing = int(request.args["range"])
    by_id = {r["id"]: r for r in ranges}
    if editing is not None and editing not in by_id:
        abort(404)
    if editing is not None and not values:
        values = _range_values(by_id[editing])
    if not values:
        values = {"weekday": 0, "every_weeks": 1, "start_time": "09:00", "end_time": "12:00", "motifs": []}
    agenda = agendas.agenda_choices(ctx(), actor(), slug)
    preview = agendas.preview(ctx(), actor(), slug, user_id)
    return page(
        "admin/expert_agenda.html",
        slug,
        choices,
        bool(range_errors or absence_errors),
        expert=experts[user_id],
        ranges=ranges,
        absences=[
            {**a, "from": _local(a["starts_at"]), "until": _local(a["ends_at"])}
            for a in absence_setup.list_absences(ctx(), actor(), slug, user_id)
        ],
        values=values,
        absence_values=absence_values,
        range_errors=range_errors,
        absence_errors=absence_errors,
        editing=editing,
        places=agenda["places"],
        motifs=agenda["motifs"],
        timezone=agenda["timezone"],
        weekdays=weekday_names(),
        preview=preview,
        days=_preview_days(preview),
    )
