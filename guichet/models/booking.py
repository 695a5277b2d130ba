"""Online booking (RDV Service Public's model): places, motifs, experts' opening ranges, absences,
closures, short holds on a slot, the waitlist, and the e-mail outbox.

Appointments themselves are in models/appointments.py (the kiosk checks them in).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .sites import Service


class Place(Base):
    """Where an appointment happens: the site itself or a room of it (the "lieu")."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(default=True)


class Motif(Base):
    """What a citizen books: its service, length, how far ahead, who may book it."""

    __tablename__ = "motifs"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("duration_min > 0", name="duration"),
        CheckConstraint("bookable_by IN ('everyone', 'agents')", name="bookable_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))
    duration_min: Mapped[int]
    # e.g. passports: 15 min for one person, +10 for each additional person of the family.
    extra_per_person_min: Mapped[int] = mapped_column(default=0)
    max_persons: Mapped[int] = mapped_column(default=1)
    min_delay_min: Mapped[int] = mapped_column(default=60)
    max_delay_days: Mapped[int] = mapped_column(default=60)
    buffer_min: Mapped[int] = mapped_column(default=0)
    bookable_by: Mapped[str] = mapped_column(String(16), default="everyone")
    instructions: Mapped[str] = mapped_column(Text, default="")
    requires_ants: Mapped[bool] = mapped_column(default=False)
    # At most this many future appointments per contact (e-mail) for this motif.
    max_per_contact: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(default=0)

    service: Mapped[Service] = relationship(lazy="joined")


opening_range_motifs = Table(
    "opening_range_motifs",
    Base.metadata,
    Column("range_id", ForeignKey("opening_ranges.id", ondelete="CASCADE"), primary_key=True),
    Column("motif_id", ForeignKey("motifs.id", ondelete="CASCADE"), primary_key=True),
)


class OpeningRangeRow(Base):
    """An expert receives at a place, weekly on one weekday between two local times, over a date span.

    The motifs it offers are listed; none listed means every motif of the expert's services.
    """

    __tablename__ = "opening_ranges"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_time < end_time", name="order"),
        CheckConstraint("every_weeks >= 1", name="every_weeks"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    every_weeks: Mapped[int] = mapped_column(default=1)

    motifs: Mapped[list[Motif]] = relationship(secondary=opening_range_motifs, lazy="selectin")


class Absence(Base):
    """An expert is away (leave, training): no slot overlaps it."""

    __tablename__ = "absences"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    label: Mapped[str] = mapped_column(String(200), default="")


class PlaceClosure(Base):
    """A place is closed over whole local days (works, bridge days)."""

    __tablename__ = "place_closures"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    label: Mapped[str] = mapped_column(String(200), default="")


class SlotHold(Base):
    """A slot kept for a few minutes while the citizen fills in the contact form."""

    __tablename__ = "slot_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    motif_id: Mapped[int] = mapped_column(ForeignKey("motifs.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WaitlistRequest(Base):
    """A citizen asks to be told when an earlier slot frees up (at most 3 offers)."""

    __tablename__ = "waitlist_requests"
    __table_args__ = (CheckConstraint("status IN ('active', 'fulfilled', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)
    offers_sent: Mapped[int] = mapped_column(default=0)
    last_offer_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")


class Notification(Base):
    """An e-mail to send (outbox): written in the booking's transaction, sent after commit by a worker.

    Only the address and the kind are kept; the body is rebuilt from the appointment (or the case)
    when sending.
    """

    __tablename__ = "notifications"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sent', 'failed', 'dropped')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    # A level-2 case's deadline warning (case_near, case_overdue) names its case instead.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # confirmation, reminder, change, cancellation, offer
    recipient: Mapped[str] = mapped_column(String(254))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(400))
