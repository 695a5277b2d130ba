"""Booking e-mails: confirmation, reminder (48 h before, never after), change, cancellation, waitlist
offer. Written to the `notifications` outbox in the booking's transaction; sent afterwards by
`send_pending` (a background loop in `guichet serve`, or `guichet jobs run` from cron).

Transport from GUICHET_SMTP_URL: smtp://[user:pass@]host[:port], smtp+starttls://..., smtps://...,
or file://DIR (each message written as an .eml file; the embedded default).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Appointment, Motif, Notification, Place, Site
from . import booking, ical
from .context import Context, Event

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 50

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


def as_written(a: Appointment, data: dict[str, Any]) -> Appointment:
    """A detached copy of the appointment as it was when the notification was written."""
    copy = Appointment(
        id=a.id,
        code=a.code,
        site_id=a.site_id,
        service_id=a.service_id,
        duration_min=a.duration_min,
        persons=a.persons,
        contact_name=a.contact_name,
        contact_email=a.contact_email,
        ical_uid=a.ical_uid,
        starts_at=datetime.fromisoformat(data["starts_at"]) if "starts_at" in data else a.starts_at,
        ends_at=datetime.fromisoformat(data["ends_at"]) if "ends_at" in data else a.ends_at,
        ical_sequence=data.get("sequence", a.ical_sequence),
        status=data.get("status", a.status),
        place_id=data.get("place_id", a.place_id),
        motif_id=a.motif_id,
        created_at=a.created_at,
    )
    copy.service = a.service
    return copy


def build_message(
    ctx: Context, n: Notification, current: Appointment, site: Site, place: Place | None, motif: Motif | None
) -> EmailMessage | None:
    """The message of one notification, or None when it must not be sent any more."""
    tz = ZoneInfo(site.timezone)
    now = ctx.clock()
    a = as_written(current, n.data or {})
    if n.kind == "reminder" and (
        current.status != "booked" or current.starts_at <= now or current.starts_at != a.starts_at
    ):
        return None  # never remind after the appointment, of a cancelled one, or of an old time
    if n.kind == "offer":
        offer_at = datetime.fromisoformat(n.data["start"])
        if current.status != "booked" or offer_at <= now:
            return None
    when = french_when(a.starts_at.astimezone(tz))
    offer = french_when(datetime.fromisoformat(n.data["start"]).astimezone(tz)) if n.kind == "offer" else ""
    label = motif.label if motif else a.service.label_fr
    where = ", ".join(x for x in ((place.name, place.address) if place else (site.name, site.address)) if x)
    link = booking.manage_url(ctx, a.code)
    limit = french_when(booking.change_until(ctx, a).astimezone(tz))
    lines = [f"Bonjour {a.contact_name or ''},".rstrip(",") + ",", ""]
    if n.kind == "confirmation":
        lines += [f"Votre rendez-vous « {label} » est confirmé pour le {when}.", f"Lieu : {where}"]
    elif n.kind == "reminder":
        lines += [f"Nous vous rappelons votre rendez-vous « {label} » le {when}.", f"Lieu : {where}"]
    elif n.kind == "change":
        lines += [f"Votre rendez-vous « {label} » a été déplacé au {when}.", f"Lieu : {where}"]
    elif n.kind == "cancellation":
        lines += [f"Votre rendez-vous « {label} » du {when} est annulé."]
    elif n.kind == "offer":
        lines += [
            f"Un créneau plus tôt s'est libéré pour « {label} » : le {offer}.",
            f"Votre rendez-vous actuel est le {when}.",
            "Pour prendre ce créneau (premier arrivé, premier servi), ouvrez ce lien",
            f"et choisissez « Déplacer » : {link}",
        ]
    if n.kind in ("confirmation", "reminder", "change"):
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
    msg = EmailMessage()
    msg["Subject"] = SUBJECTS[n.kind].format(when=when, offer=offer)
    msg["From"] = ctx.settings.mail_from
    msg["To"] = n.recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="guichet")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines))
    if n.kind in ("confirmation", "change", "cancellation"):
        organizer = _address(ctx.settings.mail_from)
        method = "CANCEL" if n.kind == "cancellation" else "REQUEST"
        body = ical.appointment_calendar(a, site, place, method=method, organizer=organizer)
        msg.add_attachment(
            body, maintype="text", subtype="calendar", filename="rendez-vous.ics", params={"method": method}
        )
    return msg


def _address(header: str) -> str:
    return header.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in header else header.strip()


class Transport:
    """One connection for a batch of messages."""

    def __init__(self, url: str) -> None:
        self.url = urlparse(url)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        scheme = self.url.scheme
        if scheme == "file":
            Path(self._dir()).mkdir(parents=True, exist_ok=True)
            return self
        host = self.url.hostname or "127.0.0.1"
        if scheme == "smtps":
            self._smtp = smtplib.SMTP_SSL(
                host, self.url.port or 465, timeout=20, context=ssl.create_default_context()
            )
        elif scheme in ("smtp", "smtp+starttls"):
            self._smtp = smtplib.SMTP(
                host, self.url.port or (587 if scheme == "smtp+starttls" else 25), timeout=20
            )
            if scheme == "smtp+starttls":
                self._smtp.starttls(context=ssl.create_default_context())
        else:
            raise ValueError(f"unsupported GUICHET_SMTP_URL scheme {scheme!r}")
        if self.url.username:
            self._smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
        return self

    def _dir(self) -> str:
        return (self.url.netloc + self.url.path) or "instance/mail"

    def send(self, msg: EmailMessage, key: str) -> None:
        if self._smtp is None:
            (Path(self._dir()) / f"{key}.eml").write_bytes(bytes(msg))
        else:
            self._smtp.send_message(msg)

    def __exit__(self, *exc: Any) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()


def send_pending(ctx: Context, limit: int = BATCH) -> dict[str, int]:
    """Send what the outbox holds. Each notification is claimed, sent, then marked in its own steps, so
    a crash never sends twice what it marked, and a failing server leaves the rest for the next run."""
    counts = {"sent": 0, "failed": 0, "dropped": 0}

    def claim(s: Session, _events: list[Event]) -> list[int]:
        stmt = (
            select(Notification.id)
            .where(Notification.status == "pending")
            .order_by(Notification.id)
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(s.scalars(stmt))
        for n in s.scalars(select(Notification).where(Notification.id.in_(ids))):
            n.attempts += 1
        return ids

    ids = ctx.transact(claim)
    if not ids:
        return counts
    with Transport(ctx.settings.smtp_url) as transport:
        for nid in ids:
            status, error = "sent", None
            with ctx.db.session() as s:
                n = s.get(Notification, nid)
                a = s.get(Appointment, n.appointment_id) if n and n.appointment_id else None
                if n is None or a is None:
                    continue
                site = s.get(Site, a.site_id)
                place_id = (n.data or {}).get("place_id", a.place_id)
                place = s.get(Place, place_id) if place_id else None
                motif = s.get(Motif, a.motif_id) if a.motif_id else None
                assert site is not None
                msg = build_message(ctx, n, a, site, place, motif)
                attempts, code = n.attempts, a.code
            if msg is None:
                status = "dropped"
            else:
                try:
                    transport.send(msg, f"{nid:08d}-{code}")
                except (OSError, smtplib.SMTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"[:400]
                    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
                    log.warning("e-mail %s not sent (attempt %s): %s", nid, attempts, type(exc).__name__)

            def mark(
                s: Session, _e: list[Event], nid: int = nid, status: str = status, error: str | None = error
            ) -> None:
                n = s.get(Notification, nid)
                if n is not None:
                    n.status, n.error = status, error
                    if status == "sent":
                        n.sent_at = ctx.clock()

            ctx.transact(mark)
            counts["sent" if status == "sent" else "dropped" if status == "dropped" else "failed"] += 1
    return counts


def queue_reminders(ctx: Context) -> int:
    """Queue the reminders of appointments starting within GUICHET_REMINDER_H hours (once each)."""

    def work(s: Session, _events: list[Event]) -> int:
        now = ctx.clock()
        stmt = select(Appointment).where(
            Appointment.status == "booked",
            Appointment.reminder_sent_at.is_(None),
            Appointment.contact_email.is_not(None),
            Appointment.starts_at > now,
            Appointment.starts_at <= now + timedelta(hours=ctx.settings.reminder_h),
            # Booked less than a day before: the confirmation is reminder enough.
            Appointment.created_at <= now - timedelta(hours=24),
        )
        if s.get_bind().dialect.name == "postgresql":
            # Several server processes run this loop: each appointment is reminded by one of them.
            stmt = stmt.with_for_update(skip_locked=True, of=Appointment)
        rows = s.scalars(stmt).all()
        for a in rows:
            a.reminder_sent_at = now
            s.add(booking.notification(a, "reminder", now))
        return len(rows)

    return ctx.transact(work)


# Retention (RGPD, reference durations): appointments' and cases' contacts 2 years, e-mail receipts 6 months.
CONTACT_RETENTION = timedelta(days=730)
RECEIPT_RETENTION = timedelta(days=183)


def purge_personal_data(ctx: Context) -> dict[str, int]:
    """Erase contacts past their retention; the appointments and cases themselves stay for statistics."""
    from sqlalchemy import update

    from ..models import Case

    def work(s: Session, _events: list[Event]) -> dict[str, int]:
        now = ctx.clock()
        appts = s.execute(
            update(Appointment)
            .where(Appointment.starts_at < now - CONTACT_RETENTION, Appointment.contact_email.is_not(None))
            .values(contact_name=None, contact_email=None, contact_phone=None, ants_number=None)
        ).rowcount
        cases = s.execute(
            update(Case)
            .where(
                Case.status == "answered",
                Case.answered_at < now - CONTACT_RETENTION,
                Case.contact_name.is_not(None),
            )
            .values(contact_name=None, contact_email=None, contact_phone=None)
        ).rowcount
        receipts = s.execute(
            update(Notification)
            .where(Notification.created_at < now - RECEIPT_RETENTION, Notification.recipient != "")
            .values(recipient="", error=None)
        ).rowcount
        return {
            "appointments_anonymised": appts or 0,
            "cases_anonymised": cases or 0,
            "receipts_anonymised": receipts or 0,
        }

    return ctx.transact(work)


JOBS_EVERY_S = 60


def jobs_loop(ctx: Context) -> None:
    """`guichet serve`'s background task: run_jobs every minute, forever; an error is logged, never fatal."""
    import time

    while True:
        try:
            done = run_jobs(ctx)
            if any(done.values()):
                log.info("jobs: %s", ", ".join(f"{k}={v}" for k, v in done.items() if v))
        except Exception:
            log.exception("background jobs failed; retrying in %s s", JOBS_EVERY_S)
        time.sleep(JOBS_EVERY_S)


def run_jobs(ctx: Context) -> dict[str, int]:
    """One pass of the background work: reminders, the outbox, expired holds, retention."""
    reminders = queue_reminders(ctx)
    sent = send_pending(ctx)
    holds = booking.purge_expired_holds(ctx)
    return {"reminders_queued": reminders, **sent, "holds_purged": holds, **purge_personal_data(ctx)}
