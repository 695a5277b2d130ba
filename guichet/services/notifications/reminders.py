"""Reminders: queued GUICHET_REMINDER_H hours (48 by default) before the appointment, once each, and
dropped at send time if the appointment has passed, moved or been cancelled (`messages.py`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Appointment
from .. import booking
from ..context import Context, Event


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
