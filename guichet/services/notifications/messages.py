"""The e-mails themselves: one French text per kind, written from the appointment as it was when the
notification was queued, with the .ics invitation or cancellation attached."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from ...models import Appointment, Motif, Notification, Place, Site
from .. import booking, ical
from ..context import Context

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def french_when(moment: datetime) -> str:
    """'mardi 30 mars 2027 à 09 h 30' (e-mails are in French; the pages follow the browser's language)."""
    return (
        f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year} "
        f"à {moment.hour:02d} h {moment.minute:02d}"
    )


SUBJECTS = {
    "confirmation": "Confirmation de votre rendez-vous du {when}",
    "reminder": "Rappel : votre rendez-vous du {when}",
    "change": "Votre rendez-vous est déplacé au {when}",
    "cancellation": "Annulation de votre rendez-vous du {when}",
    "offer": "Un créneau plus tôt s'est libéré : {offer}",
}


def _still_due(n: Notification, current: Appointment, written: Appointment, now: datetime) -> bool:
    """Never remind after the appointment, of a cancelled one, or of an old time; never offer a slot
    that has passed or to an appointment no longer booked."""
    if n.kind == "reminder":
        return (
            current.status == "booked" and current.starts_at > now and current.starts_at == written.starts_at
        )
    if n.kind == "offer":
        return current.status == "booked" and datetime.fromisoformat(n.data["start"]) > now
    return True


def _address(header: str) -> str:
    return header.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in header else header.strip()


def _body(
    ctx: Context, kind: str, a: Appointment, site: Site, place: Place | None, motif: Motif | None, offer: str
) -> list[str]:
    tz = ZoneInfo(site.timezone)
    when = french_when(a.starts_at.astimezone(tz))
    label = motif.label if motif else a.service.label_fr
    where = ", ".join(x for x in ((place.name, place.address) if place else (site.name, site.address)) if x)
    link = booking.manage_url(ctx, a.code)
    limit = french_when(booking.change_until(ctx, a).astimezone(tz))
    lines = [f"Bonjour {a.contact_name or ''},".rstrip(",") + ",", ""]
    if kind == "confirmation":
        lines += [f"Votre rendez-vous « {label} » est confirmé pour le {when}.", f"Lieu : {where}"]
    elif kind == "reminder":
        lines += [f"Nous vous rappelons votre rendez-vous « {label} » le {when}.", f"Lieu : {where}"]
    elif kind == "change":
        lines += [f"Votre rendez-vous « {label} » a été déplacé au {when}.", f"Lieu : {where}"]
    elif kind == "cancellation":
        lines += [f"Votre rendez-vous « {label} » du {when} est annulé."]
    elif kind == "offer":
        lines += [
            f"Un créneau plus tôt s'est libéré pour « {label} » : le {offer}.",
            f"Votre rendez-vous actuel est le {when}.",
            "Pour prendre ce créneau (premier arrivé, premier servi), ouvrez ce lien",
            f"et choisissez « Déplacer » : {link}",
        ]
    if kind in ("confirmation", "reminder", "change"):
        lines += [
            "",
            f"Code du rendez-vous : {a.code}",
            "À votre arrivée, présentez ce code (ou le QR code de la page de confirmation)",
            "à la borne d'accueil.",
        ]
        if motif is not None and motif.instructions:
            lines += ["", "À prévoir :", motif.instructions]
        lines += ["", f"Pour annuler ou déplacer ce rendez-vous (jusqu'au {limit}) : {link}"]
    lines += ["", "—", site.name, "Ce message est envoyé automatiquement ; merci de ne pas y répondre."]
    return lines


def build_message(
    ctx: Context, n: Notification, current: Appointment, site: Site, place: Place | None, motif: Motif | None
) -> EmailMessage | None:
    """The message of one notification, or None when it must not be sent any more."""
    tz = ZoneInfo(site.timezone)
    now = ctx.clock()
    a = booking.as_written(current, n.data or {})
    if not _still_due(n, current, a, now):
        return None
    when = french_when(a.starts_at.astimezone(tz))
    offer = french_when(datetime.fromisoformat(n.data["start"]).astimezone(tz)) if n.kind == "offer" else ""
    msg = EmailMessage()
    msg["Subject"] = SUBJECTS[n.kind].format(when=when, offer=offer)
    msg["From"] = ctx.settings.mail_from
    msg["To"] = n.recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="guichet")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(_body(ctx, n.kind, a, site, place, motif, offer)))
    if n.kind in ("confirmation", "change", "cancellation"):
        organizer = _address(ctx.settings.mail_from)
        method = "CANCEL" if n.kind == "cancellation" else "REQUEST"
        body = ical.appointment_calendar(a, site, place, method=method, organizer=organizer)
        msg.add_attachment(
            body, maintype="text", subtype="calendar", filename="rendez-vous.ics", params={"method": method}
        )
    return msg
