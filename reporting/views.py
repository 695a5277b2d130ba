"""The dashboard page and its CSV exports. A view reads the period, calls one service, formats."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _

from guichet.core.errors import DomainError, NotFound
from guichet.core.roles import MANAGERS
from guichet.services import dashboard, results, sites, stats_export
from guichet.web.auth import SLUG, actor, ctx, public, requires, sign_in_first
from guichet.web.bodies import date_arg
from guichet.web.csrf import csrf_token
from guichet.web.errors import http_status
from guichet.web.labels import weekday_names
from guichet.web.messages import word

from .charts import bar_chart, hbar_chart, line_chart
from .tables import COUNT, PCT, SECONDS, tables

bp = Blueprint(
    "reporting",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/reporting/static",
)
ALL = "all"


def _query() -> tuple[str | None, str, date | None, date | None]:
    """The site (None: every site the manager sees), the period's kind and its custom bounds."""
    site = request.args.get("site", "")
    slug = site if SLUG.match(site) and site != ALL else None
    kind = request.args.get("period", "")
    first, last = date_arg("from"), date_arg("to")
    if kind not in dashboard.PERIODS:
        kind = "custom" if first or last else "month"
    return slug, kind, first, last


@bp.get("/manage/stats")
@sign_in_first
@requires(*MANAGERS)
def page() -> Any:
    choices = sites.managed_sites(ctx(), actor())
    values: dict[str, Any] = {"sites": choices, "csrf": csrf_token(), "staff_role": actor().role}
    values["asked"] = {k: request.args.get(k, "") for k in ("site", "period", "from", "to")}
    try:
        slug, kind, first, last = _query()
        if slug is None and len(choices) == 1:
            slug = choices[0][0]
        data = dashboard.dashboard(ctx(), actor(), slug, kind, first, last)
    except DomainError as exc:
        values["error"] = word(exc.code, exc.params) or exc.code
        return render_template("reporting/dashboard.html", data=None, **values), http_status(exc)
    values["asked"].update(site=slug or ALL, period=kind, **{"from": data["from"], "to": data["to"]})
    return render_template(
        "reporting/dashboard.html",
        data=data,
        tables={t.id: t for t in tables(data)},
        charts=_charts(data),
        peaks=_hours_text(data["arrivals"]["peaks"]),
        quiet=_hours_text(data["arrivals"]["quiet"]),
        **values,
    )


@bp.get("/manage/stats/<name>.csv")
@requires(*MANAGERS)
def table_csv(name: str) -> Any:
    slug, kind, first, last = _query()
    if name == "france-services":
        rows = stats_export.france_services(ctx(), actor(), slug, kind, first, last)
        head = list(stats_export.COLUMNS)
        return _csv(f"france-services-{first or kind}", head, [[r[c] for c in head] for r in rows])
    data = dashboard.dashboard(ctx(), actor(), slug, kind, first, last)
    found = [t for t in tables(data) if t.id == name]
    if not found:
        abort(404)
    table = found[0]
    head = [c.label + (" (s)" if c.kind == SECONDS else "") for c in table.columns]
    return _csv(f"{name}-{data['from']}-{data['to']}", head, table.rows)


def _csv(stem: str, head: list[str], rows: list[list[Any]]) -> Response:
    """UTF-8 with a byte-order mark and semicolons: what a French spreadsheet opens as it is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(head)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"', "Cache-Control": "no-store"},
    )


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    """Each chart drawn from the rows of the table shown beside it."""
    arrivals = [(f"{r['hour']} h", r["per_day"]) for r in data["arrivals"]["by_hour"]]
    targets = [(r["name"] or r["code"] or "?", r["within_target_pct"]) for r in data["services"]]
    waits = [
        (f"{r['key']} h", None if r["wait_s"]["mean"] is None else round(r["wait_s"]["mean"] / 60, 1))
        for r in data["hours"]
    ]
    days = data["days"]
    return {
        "arrivals": bar_chart(_("Arrivées par heure (moyenne par jour ouvert)"), _("arrivées"), arrivals),
        "targets": hbar_chart(_("Attente dans l'objectif, par service"), "%", targets, top=100),
        "waits": bar_chart(_("Attente moyenne selon l'heure d'arrivée"), _("minutes"), waits),
        "days": line_chart(
            _("Tickets et visiteurs servis, jour par jour"),
            _("tickets"),
            [date.fromisoformat(r["key"]).strftime("%d/%m") for r in days],
            {_("Tickets"): [r["issued"] for r in days], _("Servis"): [r["served"] for r in days]},
        ),
    }


def _hours_text(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    names = weekday_names()
    return [(names[d["weekday"]], ", ".join(f"{h} h" for h in d["hours"])) for d in found if d["hours"]]


def duration(seconds: float | None) -> str:
    """12 min 05 s, 1 h 02 min, 45 s: what a manager reads at a glance."""
    if seconds is None:
        return "—"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)s h %(m)02d min", h=hours, m=minutes)
    if minutes:
        return _("%(m)s min %(s)02d s", m=minutes, s=secs)
    return _("%(s)s s", s=secs)


def cell(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == SECONDS:
        return duration(value)
    if kind == PCT:
        return f"{format_decimal(value, format='#,##0.0')} %"
    if kind == COUNT:
        return format_decimal(value, format="#,##0.#")
    return str(value)


def is_number(kind: str) -> bool:
    return kind in (COUNT, SECONDS, PCT)


bp.add_app_template_filter(duration, "duration")
bp.add_app_template_global(cell, "stat_cell")
bp.add_app_template_global(is_number, "stat_is_number")


@bp.get("/resultats/<slug>")
@public
def results_page(slug: str) -> Any:
    """The site's published results (also a waiting-room layout with ?ecran=1: larger, no links)."""
    if not SLUG.match(slug):
        abort(404)
    try:
        data = results.public_results(ctx(), slug)
    except NotFound:
        abort(404)
    return render_template(
        "reporting/results.html",
        r=data,
        days=weekday_names(),
        peaks=_hours_text(data["peaks"]),
        quiet=_hours_text(data["quiet"]),
        screen=request.args.get("ecran") == "1",
    )


@bp.get("/manage/live")
@sign_in_first
@requires(*MANAGERS)
def live_page() -> Any:
    """The queues now, kept live by live.js over the site's /counter room (events are hints)."""
    choices = sites.managed_sites(ctx(), actor())
    if not choices:
        abort(404)
    asked = request.args.get("site", "")
    slug = asked if asked in [c for c, _n in choices] else choices[0][0]
    return render_template(
        "reporting/live.html", site=slug, sites=choices, csrf=csrf_token(), staff_role=actor().role
    )
