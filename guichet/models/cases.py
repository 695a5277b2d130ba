"""Level-2 cases: a request escalated by a level-1 agent, answered by experts within a deadline.

A case may concern several services; each service concerned contributes, then the case closes with
one grouped answer to the citizen. The contact is kept only with the citizen's consent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .sites import Service
from .staff import User

CASE_STATUSES = ("open", "answered")
# The written exchange with the citizen: each grouped answer sent, each reply received.
MESSAGE_KINDS = ("answer", "reply")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered')", name="status"),
        # No contact without consent (RGPD): the database refuses it too.
        CheckConstraint(
            "consent OR (contact_name IS NULL AND contact_email IS NULL AND contact_phone IS NULL)",
            name="contact_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # How the request came (guichet.core.channels): desk for a ticket's escalation.
    channel: Mapped[str] = mapped_column(String(16), default="desk", server_default="desk")
    description: Mapped[str] = mapped_column(String(2000))
    consent: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: from the web form
    opened_at: Mapped[datetime]
    # The committed answer delay (72 h by default; the strictest of the services concerned).
    due_at: Mapped[datetime] = mapped_column(index=True)
    answer: Mapped[str | None] = mapped_column(String(8000))
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The SLA clock's warnings, each sent once (guichet.services.case_alerts).
    warned_near_at: Mapped[datetime | None]
    warned_overdue_at: Mapped[datetime | None]

    services: Mapped[list[CaseService]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseService.service_id"
    )
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
    messages: Mapped[list[CaseMessage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseMessage.id"
    )


class CaseService(Base):
    """One service concerned by a case, its expert if named, and that service's contribution."""

    __tablename__ = "case_services"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    contribution: Mapped[str | None] = mapped_column(String(4000))
    contributed_at: Mapped[datetime | None]
    contributed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service: Mapped[Service] = relationship(lazy="joined")
    expert: Mapped[User | None] = relationship(foreign_keys=[expert_id], lazy="joined")
    contributed_by: Mapped[User | None] = relationship(foreign_keys=[contributed_by_id], lazy="joined")


class CaseMessage(Base):
    """One message of a case's exchange with the citizen: a grouped answer (by an agent) or the
    citizen's reply (through the signed follow page), which reopens an answered case."""

    __tablename__ = "case_messages"
    __table_args__ = (CheckConstraint("kind IN ('answer', 'reply')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(8000))
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: citizen

    by: Mapped[User | None] = relationship(lazy="joined")
