"""Requests from every channel (phone, e-mail, post, social networks, web form, desk without a
ticket): recorded by a level-1 agent, solved at once (an outcome, as a finished ticket has) or
escalated to a level-2 case, which then keeps the request's channel."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .sites import Service


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint("channel IN ('phone', 'email', 'post', 'social', 'desk', 'web')", name="channel"),
        # Solved at once (an outcome) or escalated (a case), never both, never neither.
        CheckConstraint("(outcome IS NULL) <> (case_id IS NULL)", name="outcome_or_case"),
        CheckConstraint(
            "consent OR (contact_name IS NULL AND contact_email IS NULL AND contact_phone IS NULL)",
            name="contact_consent",
        ),
        Index("ix_requests_site_day", "site_id", "business_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    channel: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(2000))
    consent: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]
    business_day: Mapped[date]  # the site's local date, for the statistics

    services: Mapped[list[RequestService]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class RequestService(Base):
    """A service a request concerns."""

    __tablename__ = "request_services"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)

    service: Mapped[Service] = relationship(lazy="joined")
