"""Visitors' answers to "Globalement satisfait ?" once their visit is over: anonymous (no name, no
contact; the ticket is anonymous too), one per ticket. The service and business day are kept on the
answer, so the figures outlive the ticket when retention removes it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SatisfactionAnswer(Base):
    __tablename__ = "satisfaction_answers"
    __table_args__ = (
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="score"),
        Index("ix_satisfaction_answers_site_day", "site_id", "business_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One answer per ticket (unique); emptied, not deleted, when the ticket goes.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    business_day: Mapped[date]
    satisfied: Mapped[bool]
    score: Mapped[int | None]
    answered_at: Mapped[datetime]
