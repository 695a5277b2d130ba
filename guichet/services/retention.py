"""Retention of personal data (RGPD, reference durations): the contacts of appointments and answered
level-2 cases are erased after 2 years, e-mail receipts anonymised after 6 months. The appointments
and cases themselves stay, without anyone's identity, for the statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, update
from sqlalchemy.orm import Session

from ..models import Appointment, Case, Notification
from .context import Context, Event

CONTACT_RETENTION = timedelta(days=730)
RECEIPT_RETENTION = timedelta(days=183)


def _changed(s: Session, stmt: Update) -> int:
    return int(cast("CursorResult[Any]", s.execute(stmt)).rowcount or 0)


def purge_personal_data(ctx: Context) -> dict[str, int]:
    """Erase contacts past their retention; the appointments and cases themselves stay for statistics."""

    def work(s: Session, _events: list[Event]) -> dict[str, int]:
        now = ctx.clock()
        appts = _changed(
            s,
            update(Appointment)
            .where(Appointment.starts_at < now - CONTACT_RETENTION, Appointment.contact_email.is_not(None))
            .values(contact_name=None, contact_email=None, contact_phone=None, ants_number=None),
        )
        cases = _changed(
            s,
            update(Case)
            .where(
                Case.status == "answered",
                Case.answered_at < now - CONTACT_RETENTION,
                Case.contact_name.is_not(None),
            )
            .values(contact_name=None, contact_email=None, contact_phone=None),
        )
        receipts = _changed(
            s,
            update(Notification)
            .where(Notification.created_at < now - RECEIPT_RETENTION, Notification.recipient != "")
            .values(recipient="", error=None),
        )
        return {
            "appointments_anonymised": appts,
            "cases_anonymised": cases,
            "receipts_anonymised": receipts,
        }

    return ctx.transact(work)
