"""Who acts: agents and their roles, devices (kiosks, displays), and their hashed access tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('agent', 'expert', 'manager', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    # Argon2id; never the password itself.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # None: every site (admins, regional managers).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PasswordReset(Base):
    """A one-time link with which an account sets its own password: its SHA-256 only, short-lived."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class UserService(Base):
    """A service an agent or expert may serve; an account without any may serve every service."""

    __tablename__ = "user_services"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (CheckConstraint("kind IN ('kiosk', 'display')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    # Per-device configuration (a display's service filter, layout, languages...).
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    # Last known state of the kiosk's ticket printer, for managers' alerts.
    printer_state: Mapped[str | None] = mapped_column(String(32))
    printer_detail: Mapped[str | None] = mapped_column(String(200))
    printer_checked_at: Mapped[datetime | None]


class EnrollmentCode(Base):
    """A one-time link that makes a browser a kiosk or display: its SHA-256 only, short-lived."""

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    device: Mapped[Device] = relationship(lazy="joined")


class AccessToken(Base):
    """A bearer token for an agent (API) or a device; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (device_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship(lazy="joined")
    device: Mapped[Device | None] = relationship(lazy="joined")
