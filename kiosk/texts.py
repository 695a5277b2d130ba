"""Words the kiosk shows, speaks and prints, in the visitor's language (gettext, French first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.dates import format_datetime as babel_format_datetime
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _

from guichet.core.estimate import wait_range_minutes
from guichet.web.i18n import RTL
from guichet.web.labels import priority_labels
from printer import TicketPrint

# Category code -> icon name; the words come from category_label().
ICONS = {
    "papiers": "id",
    "famille": "family",
    "sante": "health",
    "emploi-retraite": "work",
    "budget": "tax",
    "courrier": "mail",
    "justice": "justice",
    "mairie": "townhall",
}


def category_label(code: str) -> str:
    labels = {
        "papiers": _("Papiers d'identité, permis, carte grise"),
        "famille": _("Famille, logement, allocations"),
        "sante": _("Santé, assurance maladie"),
        "emploi-retraite": _("Emploi et retraite"),
        "budget": _("Impôts et argent"),
        "courrier": _("Courrier et colis"),
        "justice": _("Justice et droits"),
        "mairie": _("Mairie : état civil, élections, école"),
        "autres": _("Autres services"),
    }
    return labels.get(code) or code.replace("-", " ").capitalize()


def priority_label(reason: str) -> str:
    return priority_labels().get(reason, reason)


def wait_text(seconds: int | None) -> str:
    """A range, never a precise promise ("entre 5 et 15 minutes")."""
    if seconds is None:
        return ""
    low, high = wait_range_minutes(seconds)
    if high is None:
        return _("Attente estimée : plus de %(low)s minutes", low=low)
    if low == 0:
        return _("Attente estimée : moins de %(high)s minutes", high=high)
    return _("Attente estimée : entre %(low)s et %(high)s minutes", low=low, high=high)


def position_text(position: int | None) -> str:
    if not position:
        return ""
    if position == 1:
        return _("Vous êtes le prochain dans la file.")
    return ngettext("%(num)s personne avant vous.", "%(num)s personnes avant vous.", position - 1)


def spoken_number(number: str) -> str:
    """ "A007" read as "A 7", as the displays announce it."""
    letters = number.rstrip("0123456789")
    digits = number[len(letters) :]
    return f"{letters} {int(digits)}" if digits else number


def local_time_text(moment: datetime, timezone: str) -> str:
    return babel_format_datetime(moment, "dd/MM/yyyy HH:mm", tzinfo=ZoneInfo(timezone), locale=get_locale())


def next_opening_text(iso: str | None, timezone: str) -> str:
    """ "Ouvre mardi 24 novembre à 08:30", in the site's time zone and the visitor's language."""
    if not iso:
        return _("Fermé aujourd'hui")
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone))
    day = format_date(moment, "EEEE d MMMM", locale=get_locale())
    return _("Ouvre %(day)s à %(time)s", day=day, time=format_time(moment, "HH:mm", locale=get_locale()))


def ticket_print(ticket: dict[str, Any], service_label: str, site: dict[str, Any], lang: str) -> TicketPrint:
    """The printed ticket, in the visitor's language (call inside in_language(lang)).

    Thermal printers' code pages have no Arabic: right-to-left tickets keep the number, QR code and
    a French fallback line (printer/layout.py drops lines it cannot print).
    """
    rtl = lang in RTL
    priority = _("PRIORITAIRE") if ticket.get("priority") else None
    if rtl and priority:
        with force_locale("fr"):
            priority = _("PRIORITAIRE")
    return TicketPrint(
        site_name=site["name"],
        number=ticket["number"],
        service_label=service_label,
        issued_at=local_time_text(datetime.fromisoformat(ticket["issued_at"]), site["timezone"]),
        position_text=position_text(ticket["position"]),
        wait_text=wait_text(ticket["estimated_wait_s"]),
        tracking_url=ticket["tracking_url"],
        qr_caption=_("Suivez votre attente sur votre téléphone"),
        privacy_text=_("Ce ticket ne contient aucune donnée personnelle."),
        priority_text=priority,
        footer=site.get("address") or None,
        rtl=rtl,
        latin_fallback=ticket["service_label"] if rtl else None,
    )
