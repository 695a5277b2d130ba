"""Appointments: booked online or by an agent, checked in at the kiosk with their code.

Places, motifs, opening ranges and the rest of booking are in models/booking.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .sites import Service

APPOINTMENT_STATUSES = ("booked", "checked_in", "seen", "no_show", "cancelled")
# Statuses that hold a slot (and an ANTS pre-application number).
ACTIVE_STATUSES = ("booked", "checked_in")
_ACTIVE_SQL = "status IN ('booked', 'checked_in')"


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'checked_in', 'seen', 'no_show', 'cancelled')", name="status"),
        CheckConstraint("channel IN ('online', 'agent', 'escalation', 'import')", name="channel"),
        # Backstop of the booking lock: one active appointment per expert and start time.
        Index(
            "uq_appointments_expert_start_active",
            "expert_id",
            "starts_at",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        # An ANTS pre-application number holds one active appointment at a time.
        Index(
            "uq_appointments_ants_active",
            "ants_number",
            unique=True,
            sqlite_where=text(f"ants_number IS NOT NULL AND {_ACTIVE_SQL}"),
            postgresql_where=text(f"ants_number IS NOT NULL AND {_ACTIVE_SQL}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int] = mapped_column(default=30)
    # Short code printed and in the confirmation's QR code; typed or scanned at the kiosk.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    checked_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The level-2 case this appointment answers, when booked from an escalation.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Booking (issue 6): what, where, for whom, by which channel.
    motif_id: Mapped[int | None] = mapped_column(ForeignKey("motifs.id"), index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    ends_at: Mapped[datetime | None]
    persons: Mapped[int] = mapped_column(default=1, server_default="1")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    ants_number: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # iCalendar: UID stable across changes, SEQUENCE bumped by each change or cancellation.
    ical_uid: Mapped[str | None] = mapped_column(String(100), unique=True)
    ical_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    reminder_sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(16))  # citizen, service

    service: Mapped[Service] = relationship(lazy="joined")
