"""The outbox: notifications written in the bookings' transactions, sent afterwards through the mail
transport GUICHET_SMTP_URL names (`mailer.open_transport`), one connection per batch.

Each notification is claimed, sent, then marked in its own steps, so a crash never sends twice what it
marked. A message the server refuses is retried on the next runs, then marked failed after
MAX_ATTEMPTS; a server that cannot be reached stops the batch at once (the rest would fail the same
way, each after a timeout) and leaves every message pending for the next run.
"""

from __future__ import annotations

import logging
from contextlib import closing
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailer import MailError, open_transport

from ...models import Appointment, Case, Motif, Notification, Place, Site
from ..cases import reference
from ..context import Context, Event
from .case_messages import build_case_message
from .messages import build_message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 50


def _claim(ctx: Context, limit: int) -> list[int]:
    """The oldest pending notifications, each attempt counted; on PostgreSQL, rows another process is
    sending are skipped (SKIP LOCKED), so two job loops never send the same message."""

    def work(s: Session, _events: list[Event]) -> list[int]:
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

    return ctx.transact(work)


def _compose(ctx: Context, nid: int) -> tuple[EmailMessage | None, int, str] | None:
    """The message of one notification (None: no longer to send), its attempts and its file name;
    None when the notification or its appointment is gone."""
    with ctx.db.session() as s:
        n = s.get(Notification, nid)
        if n is not None and n.case_id is not None:
            case = s.get(Case, n.case_id)
            if case is None:
                return None
            case_site = s.get(Site, case.site_id)
            assert case_site is not None
            ref = reference(case.id)
            return build_case_message(ctx, n, case, case_site, ref), n.attempts, f"{nid:08d}-{ref}"
        a = s.get(Appointment, n.appointment_id) if n and n.appointment_id else None
        if n is None or a is None:
            return None
        site = s.get(Site, a.site_id)
        assert site is not None
        place_id = (n.data or {}).get("place_id", a.place_id)
        place = s.get(Place, place_id) if place_id else None
        motif = s.get(Motif, a.motif_id) if a.motif_id else None
        return build_message(ctx, n, a, site, place, motif), n.attempts, f"{nid:08d}-{a.code}"


def _mark(ctx: Context, nid: int, status: str, error: str | None) -> None:
    def work(s: Session, _events: list[Event]) -> None:
        n = s.get(Notification, nid)
        if n is not None:
            n.status, n.error = status, error
            if status == "sent":
                n.sent_at = ctx.clock()

    ctx.transact(work)


def send_pending(ctx: Context, limit: int = BATCH) -> dict[str, int]:
    """Send what the outbox holds. Each notification is claimed, sent, then marked in its own steps, so
    a crash never sends twice what it marked, and a failing server leaves the rest for the next run.
    Raises MailError when the transport itself fails (wrong URL, server unreachable)."""
    counts = {"sent": 0, "failed": 0, "dropped": 0}
    # A wrong URL fails here, before any attempt is counted.
    transport = open_transport(ctx.settings.smtp_url)
    with closing(transport):
        for nid in _claim(ctx, limit):
            composed = _compose(ctx, nid)
            if composed is None:
                continue
            msg, attempts, name = composed
            status, error = ("dropped" if msg is None else "sent"), None
            if msg is not None:
                try:
                    transport.send(msg, name)
                except MailError as exc:
                    error = str(exc)[:400]
                    # No address in the log: the error's message has none, the id says which.
                    log.warning("e-mail %s not sent (attempt %s): %s", nid, attempts, exc.code)
                    if not exc.only_this_message:
                        _mark(ctx, nid, "pending", error)
                        raise
                    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
            _mark(ctx, nid, status, error)
            counts["sent" if status == "sent" else "dropped" if status == "dropped" else "failed"] += 1
    return counts
