"""The dashboard's tables, defined once for the page and for the CSV export: a caption, columns
(label and kind) and rows of raw values. The page formats the values (durations in minutes and
seconds, French decimals); the CSV keeps them raw (seconds, dot decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from guichet.web.labels import channel_labels, weekday_names

TEXT, COUNT, SECONDS, PCT = "text", "count", "seconds", "pct"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str


@dataclass(frozen=True)
class Table:
    id: str  # the CSV's name: /manage/stats/<id>.csv
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""  # said under the table


# The columns only a histogram gives (medians, P90): kept per service, not per hour, weekday, agent or
# priority (guichet.services.stats.WITH_PERCENTILES).
PERCENTILE_COLUMNS = (8, 9, 13)  # places in a row, the group's name first


def _indicator_columns() -> list[Column]:
    return [
        Column(_("Tickets"), COUNT),
        Column(_("Servis"), COUNT),
        Column(_("Absents"), COUNT),
        Column(_("Annulés"), COUNT),
        Column(_("Transférés"), COUNT),
        Column(_("Réorientés"), COUNT),
        Column(_("Attente moyenne"), SECONDS),
        Column(_("Attente médiane"), SECONDS),
        Column(_("Attente P90"), SECONDS),
        Column(_("Attente maximale"), SECONDS),
        Column(_("Attente dans l'objectif (%)"), PCT),
        Column(_("Entretien moyen"), SECONDS),
        Column(_("Entretien médian"), SECONDS),
        Column(_("Écart moyen à l'attente annoncée"), SECONDS),
        Column(_("Attente annoncée à ±5 min près (%)"), PCT),
    ]


def indicator_cells(row: dict[str, Any]) -> list[Any]:
    w, sv, e = row["wait_s"], row["service_s"], row["estimate_error_s"]
    counts = [row[k] for k in ("issued", "served", "no_show", "cancelled", "transferred", "redirected")]
    return [*counts, w["mean"], w["median"], w["p90"], w["max"], row["within_target_pct"]] + [
        sv["mean"],
        sv["median"],
        e["mean_abs"],
        e["within_5min_pct"],
    ]


def _grouped(
    id_: str, caption: str, head: str, rows: list[tuple[str, dict[str, Any]]], percentiles: bool = True
) -> Table:
    columns = [Column(head, TEXT), *_indicator_columns()]
    cells = [[name, *indicator_cells(r)] for name, r in rows]
    if percentiles:
        return Table(id_, caption, columns, cells)

    def kept(values: list[Any]) -> list[Any]:
        return [v for i, v in enumerate(values) if i not in PERCENTILE_COLUMNS]

    note = _("Médianes et P90 : voir les tableaux par service et par partenaire.")
    return Table(id_, caption, kept(columns), [kept(c) for c in cells], note)


def hour_label(hour: int) -> str:
    return _("%(start)s h – %(end)s h", start=hour, end=hour + 1)


def tables(data: dict[str, Any]) -> list[Table]:
    """Every table of the dashboard, in the page's order."""
    days = weekday_names()
    none_partner = _("Sans partenaire")
    none_agent = _("Sans agent (non appelés, ou nom effacé au terme de sa conservation)")
    services = [(r["name"] or r["code"] or "?", r) for r in data["services"]]
    out = [
        _grouped(
            "services",
            _("Par service"),
            _("Service"),
            [*services, (_("Tous les services"), data["totals"])],
        ),
        _grouped(
            "partners",
            _("Par partenaire"),
            _("Partenaire"),
            [(r["name"] or none_partner, r) for r in data["partners"]],
        ),
        _grouped(
            "hours",
            _("Par heure d'arrivée (heure du site)"),
            _("Heure"),
            [(hour_label(r["key"]), r) for r in data["hours"]],
            percentiles=False,
        ),
        _grouped(
            "weekdays",
            _("Par jour de la semaine"),
            _("Jour"),
            [(days[r["key"]], r) for r in data["weekdays"]],
            percentiles=False,
        ),
        _grouped(
            "agents",
            _("Par agent (qui a reçu le visiteur)"),
            _("Agent"),
            [(r["name"] or none_agent, r) for r in data["agents"]],
            percentiles=False,
        ),
        _grouped(
            "priority",
            _("Tickets prioritaires et autres"),
            _("Tickets"),
            [(_("Prioritaires") if r["key"] else _("Non prioritaires"), r) for r in data["priority"]],
            percentiles=False,
        ),
        Table(
            "days",
            _("Jour par jour"),
            [
                Column(_("Jour"), TEXT),
                Column(_("Tickets"), COUNT),
                Column(_("Servis"), COUNT),
                Column(_("Attente moyenne"), SECONDS),
                Column(_("Attente dans l'objectif (%)"), PCT),
            ],
            [
                [date.fromisoformat(r["key"]).strftime("%d/%m/%Y"), r["issued"], r["served"]]
                + [r["wait_s"]["mean"], r["within_target_pct"]]
                for r in data["days"]
            ],
        ),
        Table(
            "arrivals",
            _("Arrivées par heure"),
            [
                Column(_("Heure"), TEXT),
                Column(_("Arrivées"), COUNT),
                Column(_("Arrivées par jour ouvert"), COUNT),
            ],
            [[hour_label(r["hour"]), r["arrivals"], r["per_day"]] for r in data["arrivals"]["by_hour"]],
        ),
    ]
    ap = data["appointments"]
    statuses = {
        "booked": _("À venir ou non clos"),
        "checked_in": _("Arrivés (enregistrés)"),
        "seen": _("Honorés"),
        "no_show": _("Absents"),
        "cancelled": _("Annulés"),
    }
    channels = {
        "online": _("En ligne"),
        "agent": _("Par un agent"),
        "escalation": _("Orientation niveau 2"),
        "import": _("Importés"),
    }
    out.append(
        Table(
            "appointments",
            _("Rendez-vous de la période"),
            [Column(_("Rendez-vous"), TEXT), Column(_("Nombre"), COUNT)],
            [[label, ap["by_status"].get(k, 0)] for k, label in statuses.items()]
            + [
                [_("Pris : %(channel)s", channel=label), ap["by_channel"].get(k, 0)]
                for k, label in channels.items()
            ],
        )
    )
    sat = data["satisfaction"]
    out.append(
        Table(
            "satisfaction",
            _("Satisfaction des usagers, par service et par mois"),
            [
                Column(_("Service"), TEXT),
                Column(_("Mois"), TEXT),
                Column(_("Avis"), COUNT),
                Column(_("Satisfaits (%)"), PCT),
                Column(_("Satisfaction nette (points)"), COUNT),
                Column(_("Note moyenne sur 10"), COUNT),
            ],
            [
                [r["name"], r["month"], r["answers"], r["satisfied_pct"], r["net"], r["mean_score"]]
                for r in sat["rows"]
            ],
        )
    )
    cs = data["cases"]
    out.append(
        Table(
            "cases",
            _("Dossiers de niveau 2 ouverts dans la période"),
            [Column(_("Dossiers"), TEXT), Column(_("Nombre"), COUNT)],
            [
                [_("Ouverts"), cs["opened"]],
                [_("Répondus"), cs["answered"]],
                [_("Répondus dans le délai"), cs["answered_in_time"]],
                [_("En retard (sans réponse, délai dépassé)"), cs["overdue"]],
            ],
        )
    )
    names = channel_labels()
    out.append(
        Table(
            "channels",
            _("Demandes reçues par d'autres canaux (téléphone, courriel, courrier…)"),
            [
                Column(_("Canal"), TEXT),
                Column(_("Demandes"), COUNT),
                Column(_("Résolues tout de suite"), COUNT),
                Column(_("Transmises au niveau 2"), COUNT),
                Column(_("Délai de réponse Services Publics+ (jours)"), COUNT),
                Column(_("Répondues dans ce délai (%)"), PCT),
            ],
            [
                [names.get(r["channel"], r["channel"]), r["requests"], r["resolved"], r["escalated"]]
                + [r["delay_days"], r["answered_in_delay_pct"]]
                for r in data["channels"]
            ],
        )
    )
    return out
