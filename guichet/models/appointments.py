"""Appointments as far as the kiosk needs them: a booking code to check in with, and its ticket.

The booking issue extends this model (places, motifs, contacts, notifications).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .sites import Service

APPOINTMENT_STATUSES = ("booked", "checked_in", "seen", "no_show", "cancelled")


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'checked_in', 'seen', 'no_show', 'cancelled')", name="status"),
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
    # The level-2 case this appointment answers, when booked from an escalation.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime]

    service: Mapped[Service] = relationship(lazy="joined")
