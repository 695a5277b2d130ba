"""Where reception happens: sites, their hours, partners, services and counters."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    address: Mapped[str] = mapped_column(String(400), default="")
    # Per-site overrides of routing and queue rules (priority_cap, min_recalls_before_no_show, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    services: Mapped[list[Service]] = relationship(back_populates="site", order_by="Service.sort")
    counters: Mapped[list[Counter]] = relationship(back_populates="site", order_by="Counter.number")
    hours: Mapped[list[OpeningHours]] = relationship(cascade="all, delete-orphan")
    exceptions: Mapped[list[OpeningException]] = relationship(cascade="all, delete-orphan")


class OpeningHours(Base):
    """One opening range on a weekday (0 = Monday); several rows make a split day.

    Rows with a service_id are that service's own hours, within the site's (ANTS mornings only...).
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("closes > opens", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    opens: Mapped[time]
    closes: Mapped[time]


class OpeningException(Base):
    """A dated change: a row without times closes the whole day; rows with times replace it."""

    __tablename__ = "opening_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    opens: Mapped[time | None]
    closes: Mapped[time | None]
    label: Mapped[str] = mapped_column(String(200), default="")


class Partner(Base):
    """An operator whose démarches are handled here (ANTS, CAF, CPAM, the town hall...)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Category(Base):
    """A group of services on the kiosk's first screen, with its label in each interface language."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    # What Service.category holds (services name their category by code, as before categories had rows).
    code: Mapped[str] = mapped_column(String(64))
    label_fr: Mapped[str] = mapped_column(String(200))
    # Translations of the label keyed by language code: {"en": "...", "ar": "..."}.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort: Mapped[int] = mapped_column(default=0)

    def label(self, lang: str = "fr") -> str:
        return (self.labels or {}).get(lang) or self.label_fr


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        UniqueConstraint("site_id", "prefix"),
        CheckConstraint("level IN (1, 2)", name="level"),
        CheckConstraint("length(prefix) = 1", name="prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    label_fr: Mapped[str] = mapped_column(String(200))
    # Translations of the label keyed by language code: {"en": "...", "ar": "..."}.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prefix: Mapped[str] = mapped_column(String(1))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    level: Mapped[int] = mapped_column(default=1)
    category: Mapped[str] = mapped_column(String(64), default="")
    daily_quota: Mapped[int | None]
    target_wait_min: Mapped[int] = mapped_column(default=15)
    default_service_time_s: Mapped[int | None]
    sla_hours: Mapped[int] = mapped_column(default=72)
    active: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(default=0)

    site: Mapped[Site] = relationship(back_populates="services")
    partner: Mapped[Partner | None] = relationship()

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.label_fr


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        CheckConstraint("status IN ('open', 'paused', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="closed")
    # Consecutive priority calls, for the cap that keeps walk-ins from starving.
    priority_streak: Mapped[int] = mapped_column(default=0)
    # The agent sitting at this counter (one counter per agent at a time); None when closed.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status_changed_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship(back_populates="counters")
    service_links: Mapped[list[CounterService]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class CounterService(Base):
    """A service a counter may call, with its routing weight at that counter."""

    __tablename__ = "counter_services"
    __table_args__ = (CheckConstraint("weight > 0", name="weight"),)

    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[float] = mapped_column(default=1.0)

    service: Mapped[Service] = relationship(lazy="joined")
