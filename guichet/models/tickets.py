"""Tickets, their per-day numbering counters, and the append-only log of every transition."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.tickets import Source, State
from .base import Base
from .sites import Counter, Service

_STATES = ", ".join(f"'{s.value}'" for s in State)
_SOURCES = ", ".join(f"'{s.value}'" for s in Source)


class TicketSequence(Base):
    """Last number handed out per (site, service, business day); bumped by one atomic upsert."""

    __tablename__ = "ticket_sequences"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    business_day: Mapped[date] = mapped_column(primary_key=True)
    last_value: Mapped[int]


# The waiting tickets, as the partial indexes below and the queries that use them say it.
WAITING = "tickets.state = 'waiting'"
# Waiting tickets that call-next does not rank by their service's arrival order alone.
SPECIAL = (
    "priority OR placed_first OR appointment_at IS NOT NULL "
    "OR target_counter_id IS NOT NULL OR target_agent_id IS NOT NULL"
)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Transferred tickets keep their printed number and have no sequence of their own
        # (NULLs never collide), so this holds every number handed out by the kiosk.
        UniqueConstraint("site_id", "service_id", "business_day", "sequence"),
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        CheckConstraint(f"source IN ({_SOURCES})", name="source"),
        Index("ix_tickets_queue", "site_id", "state", "service_id"),
        # Statistics read a site's tickets over a range of business days.
        Index("ix_tickets_site_day", "site_id", "business_day"),
        # Call-next reads the head of each service's queue of plain walk-ins, in arrival order, and
        # the few waiting tickets routed otherwise (priority, appointments, transfers): both through
        # indexes on the waiting tickets only, so its cost does not grow with the queue.
        Index(
            "ix_tickets_waiting_walk_ins",
            "service_id",
            "business_day",
            "arrived_at",
            "id",
            sqlite_where=text(f"{WAITING} AND NOT ({SPECIAL})"),
            postgresql_where=text(f"{WAITING} AND NOT ({SPECIAL})"),
        ),
        # The queue's length per service, read from the index alone.
        Index(
            "ix_tickets_waiting",
            "site_id",
            "business_day",
            "service_id",
            sqlite_where=text(WAITING),
            postgresql_where=text(WAITING),
        ),
        Index(
            "ix_tickets_waiting_special",
            "site_id",
            "business_day",
            sqlite_where=text(f"{WAITING} AND ({SPECIAL})"),
            postgresql_where=text(f"{WAITING} AND ({SPECIAL})"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    business_day: Mapped[date]
    sequence: Mapped[int | None]
    number: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=State.WAITING.value)
    priority: Mapped[bool] = mapped_column(default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    # The channel of the request it carries (guichet.core.channels): a ticket is a visit at the desk.
    channel: Mapped[str] = mapped_column(String(16), default="desk", server_default="desk")
    quoted_wait_s: Mapped[int | None]
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Arrival in the queue; a transfer keeps the original one so the citizen keeps their place.
    arrived_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    first_called_at: Mapped[datetime | None]
    called_at: Mapped[datetime | None]
    recall_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    appointment_at: Mapped[datetime | None]
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), index=True)
    # Set when a ticket is transferred to one counter: only that counter may call it.
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    # Set when a ticket is transferred to one agent: only that agent's counter may call it.
    target_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Transferred "placed first": called before the other walk-ins of its queue.
    placed_first: Mapped[bool] = mapped_column(default=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(2000))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    service: Mapped[Service] = relationship(lazy="joined")
    counter: Mapped[Counter | None] = relationship(foreign_keys=[counter_id])


class TicketEvent(Base):
    """One transition, its actor and time. Never updated nor deleted (enforced by triggers)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


# The log is evidence for quality statistics: the database itself refuses to rewrite it. Deleting is
# refused too, except rows older than a retention grant the retention job holds in its own transaction
# (guichet.services.retention): RGPD wants the log gone past its retention, and only that job may do it.
APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
       BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END""",
    """CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
       WHEN NOT EXISTS (SELECT 1 FROM retention_grants g
                        WHERE g.name = 'ticket_events' AND OLD.at < g.before)
       BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END""",
]
APPEND_ONLY_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION ticket_events_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM retention_grants g
                                         WHERE g.name = 'ticket_events' AND OLD.at < g.before) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'ticket_events is append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
       FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()""",
]
for _stmt in APPEND_ONLY_SQLITE:
    _ddl = DDL(_stmt)  # type: ignore[no-untyped-call]  # DDL.__init__ is unannotated in SQLAlchemy 2.1
    event.listen(TicketEvent.__table__, "after_create", _ddl.execute_if(dialect="sqlite"))
for _stmt in APPEND_ONLY_POSTGRESQL:
    _ddl = DDL(_stmt)  # type: ignore[no-untyped-call]  # DDL.__init__ is unannotated in SQLAlchemy 2.1
    event.listen(TicketEvent.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
