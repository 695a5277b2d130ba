"""Retention of personal data (RGPD: kept no longer than needed; durations in settings.Retention,
GUICHET_RETENTION_*_DAYS): ticket notes, who served a ticket, the ticket event log, the contacts and
texts of answered level-2 cases, requests from other channels, appointments' contacts, e-mail receipts.

The records themselves stay, without anyone's identity, and every figure stays the same: a ticket's
agent is erased only once its day is rolled up (guichet.services.rollup), and the per-agent cells of
the rollup lose their agent at the same age, so totals do not move. The event log is append-only in
the database (triggers); its old rows are deleted through the one door the triggers leave open, a
retention grant written and removed inside this job's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update, and_, delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from ..models import (
    Appointment,
    Case,
    CaseMessage,
    CaseService,
    Notification,
    Request,
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


BATCH = 5_000  # rows per transaction: a first purge over a million tickets never holds the lock long
MAX_BATCHES = 40  # per kind and run; the next minute's run goes on


def purge_personal_data(ctx: Context) -> dict[str, int]:
    """Erase what is past its retention, BATCH rows at a time in key order, each batch its own
    transaction; returns how many rows of each kind."""
    keep = ctx.settings.retention
    now = ctx.clock()
    done: dict[str, int] = {}
    for purge in PURGES:
        total, after = 0, None
        for _ in range(MAX_BATCHES):

            def work(s: Session, _events: list[Event], purge: Purge = purge, after: Any = after) -> Step:
                return purge.run(s, keep, now, after)

            changed, after = ctx.transact(work)
            total += changed
            if after is None:
                break
        done[purge.name] = total
    return done


def _before(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


Step = tuple[int, Any]  # rows changed, and the key to go on after (None: nothing left)


@dataclass(frozen=True)
class Purge:
    """One kind of personal data: the rows of `model` matching `where` (given the settings and the
    time) get `values`, BATCH rows at a time in the order of `key` (each batch reads from where the
    last one stopped, so a first purge over a million tickets reads them once)."""

    name: str
    model: Any
    key: str
    where: Callable[[Retention, datetime], Any]
    values: dict[str, Any]

    def batch(self, s: Session, keep: Retention, now: datetime, after: Any) -> tuple[Any, list[Any]]:
        """The condition and the keys of the next batch."""
        key = getattr(self.model, self.key)
        found = and_(self.where(keep, now), key > after) if after is not None else self.where(keep, now)
        keys = list(s.scalars(select(key).where(found).order_by(key).limit(BATCH)))
        return found, keys

    def run(self, s: Session, keep: Retention, now: datetime, after: Any) -> Step:
        found, keys = self.batch(s, keep, now, after)
        if not keys:
            return 0, None
        key = getattr(self.model, self.key)
        changed = _changed(s, update(self.model).where(found, key <= keys[-1]).values(**self.values))
        return changed, keys[-1] if len(keys) == BATCH else None


class _EventLog(Purge):
    """The event log's old rows, deleted under the retention grant its triggers wait for."""

    def run(self, s: Session, keep: Retention, now: datetime, after: Any) -> Step:
        found, keys = self.batch(s, keep, now, after)
        if not keys:
            return 0, None
        s.execute(
            insert(RetentionGrant).values(name=EVENT_LOG_GRANT, before=_before(now, keep.event_log_days))
        )
        deleted = _changed(s, delete(TicketEvent).where(found, TicketEvent.id <= keys[-1]))
        s.execute(delete(RetentionGrant).where(RetentionGrant.name == EVENT_LOG_GRANT))
        return deleted, keys[-1] if len(keys) == BATCH else None


def _answered_before(days: int, now: datetime) -> Any:
    return (Case.status == "answered") & (Case.answered_at < _before(now, days))


def _old_notes(keep: Retention, now: datetime) -> Any:
    return and_(Ticket.issued_at < _before(now, keep.ticket_notes_days), Ticket.note.is_not(None))


def _agents_of_rolled_days(keep: Retention, now: datetime) -> Any:
    """Who served or was asked for: erased on days already rolled up (the figures keep them)."""
    rolled = exists().where(StatsDay.site_id == Ticket.site_id, StatsDay.business_day == Ticket.business_day)
    return and_(
        Ticket.issued_at < _before(now, keep.ticket_agents_days),
        or_(Ticket.agent_id.is_not(None), Ticket.target_agent_id.is_not(None)),
        rolled,
    )


def _agents_of_old_cells(keep: Retention, now: datetime) -> Any:
    day = _before(now, keep.ticket_agents_days).date()
    return and_(StatsCell.business_day < day, StatsCell.agent_id.is_not(None))


def _case_contacts(keep: Retention, now: datetime) -> Any:
    return and_(_answered_before(keep.case_contacts_days, now), Case.contact_name.is_not(None))


def _case_texts(keep: Retention, now: datetime) -> Any:
    answered = _answered_before(keep.case_texts_days, now)
    return and_(answered, or_(Case.description != "", Case.answer.is_not(None)))


def _contributions(keep: Retention, now: datetime) -> Any:
    answered = exists().where(Case.id == CaseService.case_id, _answered_before(keep.case_texts_days, now))
    return and_(CaseService.contribution.is_not(None), answered)


def _case_messages(keep: Retention, now: datetime) -> Any:
    answered = exists().where(Case.id == CaseMessage.case_id, _answered_before(keep.case_texts_days, now))
    return and_(CaseMessage.text != "", answered)


def _request_contacts(keep: Retention, now: datetime) -> Any:
    before = _before(now, keep.case_contacts_days)
    return and_(Request.recorded_at < before, Request.contact_name.is_not(None))


def _request_texts(keep: Retention, now: datetime) -> Any:
    return and_(Request.recorded_at < _before(now, keep.case_texts_days), Request.summary != "")


def _appointment_contacts(keep: Retention, now: datetime) -> Any:
    return and_(
        Appointment.starts_at < _before(now, keep.appointment_contacts_days),
        Appointment.contact_email.is_not(None),
    )


def _receipts(keep: Retention, now: datetime) -> Any:
    return and_(Notification.created_at < _before(now, keep.receipts_days), Notification.recipient != "")


def _old_events(keep: Retention, now: datetime) -> Any:
    return TicketEvent.at < _before(now, keep.event_log_days)


NO_CONTACT = {"contact_name": None, "contact_email": None, "contact_phone": None}
NO_APPOINTMENT_CONTACT = {**NO_CONTACT, "ants_number": None}
NO_AGENT = {"agent_id": None, "target_agent_id": None}
PURGES: tuple[Purge, ...] = (
    Purge("ticket_notes_erased", Ticket, "id", _old_notes, {"note": None}),
    Purge(
        "ticket_agents_erased",
        Ticket,
        "id",
        _agents_of_rolled_days,
        {"agent_id": None, "target_agent_id": None},
    ),
    # The rollup's per-agent cells lose their agent at the same age: totals stay, the agent goes.
    Purge("stats_agents_erased", StatsCell, "id", _agents_of_old_cells, {"agent_id": None}),
    _EventLog("events_deleted", TicketEvent, "id", _old_events, {}),
    Purge("cases_anonymised", Case, "id", _case_contacts, NO_CONTACT),
    Purge("case_texts_erased", Case, "id", _case_texts, {"description": "", "answer": None}),
    Purge("contributions_erased", CaseService, "case_id", _contributions, {"contribution": None}),
    Purge("case_messages_erased", CaseMessage, "id", _case_messages, {"text": ""}),
    # Requests from other channels: their contact (kept only when solved at once) and their summary.
    Purge("requests_anonymised", Request, "id", _request_contacts, {**NO_CONTACT, "consent": False}),
    Purge("request_texts_erased", Request, "id", _request_texts, {"summary": ""}),
    Purge(
        "appointments_anonymised",
        Appointment,
        "id",
        _appointment_contacts,
        {**NO_CONTACT, "ants_number": None},
    ),
    Purge("receipts_anonymised", Notification, "id", _receipts, {"recipient": "", "error": None}),
)
