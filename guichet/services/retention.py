"""Retention of personal data (RGPD: kept no longer than needed; durations in settings.Retention,
GUICHET_RETENTION_*_DAYS): ticket notes, who served a ticket, the ticket event log, the contacts and
texts of answered level-2 cases, appointments' contacts, e-mail receipts.

The records themselves stay, without anyone's identity, and every figure stays the same: a ticket's
agent is erased only once its day is rolled up (guichet.services.rollup), and the per-agent cells of
the rollup lose their agent at the same age, so totals do not move. The event log is append-only in
the database (triggers); its old rows are deleted through the one door the triggers leave open, a
retention grant written and removed inside this job's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update, delete, exists, insert, update
from sqlalchemy.orm import Session

from ..models import (
    Appointment,
    Case,
    CaseService,
    Notification,
    RetentionGrant,
    StatsCell,
    StatsDay,
    Ticket,
    TicketEvent,
)
from ..settings import Retention
from .context import Context, Event

EVENT_LOG_GRANT = "ticket_events"  # the name the event log's triggers look for


def _changed(s: Session, stmt: Update | Delete) -> int:
    return int(cast("CursorResult[Any]", s.execute(stmt)).rowcount or 0)


def purge_personal_data(ctx: Context) -> dict[str, int]:
    """Erase what is past its retention, one kind per transaction; returns how many rows of each."""
    keep = ctx.settings.retention
    now = ctx.clock()
    done: dict[str, int] = {}
    for name, purge in PURGES:

        def work(s: Session, _events: list[Event], purge: Purge = purge) -> int:
            return purge(s, keep, now)

        done[name] = ctx.transact(work)
    return done


def _before(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _ticket_notes(s: Session, keep: Retention, now: datetime) -> int:
    return _changed(
        s,
        update(Ticket)
        .where(Ticket.issued_at < _before(now, keep.ticket_notes_days), Ticket.note.is_not(None))
        .values(note=None),
    )


def _ticket_agents(s: Session, keep: Retention, now: datetime) -> int:
    """Who served or was asked for: erased on days already rolled up, and from the rollup's cells."""
    before = _before(now, keep.ticket_agents_days)
    rolled = exists().where(StatsDay.site_id == Ticket.site_id, StatsDay.business_day == Ticket.business_day)
    tickets = _changed(
        s,
        update(Ticket)
        .where(
            Ticket.issued_at < before,
            (Ticket.agent_id.is_not(None)) | (Ticket.target_agent_id.is_not(None)),
            rolled,
        )
        .values(agent_id=None, target_agent_id=None),
    )
    _changed(
        s,
        update(StatsCell)
        .where(StatsCell.business_day < before.date(), StatsCell.agent_id.is_not(None))
        .values(agent_id=None),
    )
    return tickets


def _event_log(s: Session, keep: Retention, now: datetime) -> int:
    before = _before(now, keep.event_log_days)
    s.execute(insert(RetentionGrant).values(name=EVENT_LOG_GRANT, before=before))
    deleted = _changed(s, delete(TicketEvent).where(TicketEvent.at < before))
    s.execute(delete(RetentionGrant).where(RetentionGrant.name == EVENT_LOG_GRANT))
    return deleted


def _answered_before(days: int, now: datetime) -> Any:
    return (Case.status == "answered") & (Case.answered_at < _before(now, days))


def _case_contacts(s: Session, keep: Retention, now: datetime) -> int:
    return _changed(
        s,
        update(Case)
        .where(_answered_before(keep.case_contacts_days, now), Case.contact_name.is_not(None))
        .values(contact_name=None, contact_email=None, contact_phone=None),
    )


def _case_texts(s: Session, keep: Retention, now: datetime) -> int:
    answered = _answered_before(keep.case_texts_days, now)
    cases = _changed(
        s,
        update(Case)
        .where(answered, (Case.description != "") | Case.answer.is_not(None))
        .values(description="", answer=None),
    )
    _changed(
        s,
        update(CaseService)
        .where(
            CaseService.contribution.is_not(None),
            exists().where(Case.id == CaseService.case_id, answered),
        )
        .values(contribution=None),
    )
    return cases


def _appointment_contacts(s: Session, keep: Retention, now: datetime) -> int:
    return _changed(
        s,
        update(Appointment)
        .where(
            Appointment.starts_at < _before(now, keep.appointment_contacts_days),
            Appointment.contact_email.is_not(None),
        )
        .values(contact_name=None, contact_email=None, contact_phone=None, ants_number=None),
    )


def _receipts(s: Session, keep: Retention, now: datetime) -> int:
    return _changed(
        s,
        update(Notification)
        .where(Notification.created_at < _before(now, keep.receipts_days), Notification.recipient != "")
        .values(recipient="", error=None),
    )


Purge = Callable[[Session, Retention, datetime], int]
PURGES: tuple[tuple[str, Purge], ...] = (
    ("ticket_notes_erased", _ticket_notes),
    ("ticket_agents_erased", _ticket_agents),
    ("events_deleted", _event_log),
    ("cases_anonymised", _case_contacts),
    ("case_texts_erased", _case_texts),
    ("appointments_anonymised", _appointment_contacts),
    ("receipts_anonymised", _receipts),
)

