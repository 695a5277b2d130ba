"""Kiosks and displays: one-time enrolment links that give a browser its device token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Invalid, NotFound
from ..core.roles import DEVICE_KINDS, DISPLAY, KIOSK
from ..models import Device, EnrollmentCode, Site
from .accounts import create_device_token, hash_token
from .context import Actor, Context, Event
from .guards import require_manager, site_by_slug

ENROLMENT_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Enrolled:
    token: str
    kind: str
    site_slug: str
    device_name: str


def _device(s: Session, ctx: Context, site_slug: str, kind: str, name: str) -> Device:
    site = site_by_slug(s, site_slug)
    if kind not in DEVICE_KINDS:
        raise Invalid("unknown_device_kind", kind=kind)
    device = s.scalar(
        select(Device).where(Device.site_id == site.id, Device.kind == kind, Device.name == name)
    )
    if device is None:
        device = Device(site_id=site.id, kind=kind, name=name, created_at=ctx.clock(), config={})
        s.add(device)
        s.flush()
    return device


def create_enrolment(ctx: Context, site_slug: str, kind: str, name: str) -> str:
    """A one-time code, valid 24 h, whose link turns the browser that opens it into this device."""
    code = secrets.token_urlsafe(24)

    def work(s: Session, _events: list[Event]) -> str:
        device = _device(s, ctx, site_slug, kind, name)
        now = ctx.clock()
        s.add(
            EnrollmentCode(
                device_id=device.id,
                code_hash=hash_token(code),
                expires_at=now + ENROLMENT_TTL,
                created_at=now,
            )
        )
        return code

    return ctx.transact(work)


def enrolment_url(ctx: Context, code: str) -> str:
    """The link a manager opens (or scans) on the browser that becomes the device."""
    return f"{ctx.settings.public_url}/enroll/{code}"


def enrolment_target(ctx: Context, code: str) -> tuple[str, str] | None:
    """(device kind, device name) of a still-valid code, to show before it is used; None otherwise."""
    with ctx.db.session() as s:
        row = s.scalar(select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_token(code)))
        if row is None or row.used_at is not None or row.expires_at <= ctx.clock():
            return None
        return row.device.kind, row.device.name


def enrol(ctx: Context, code: str) -> Enrolled:
    """Use the code once: issue a long-lived device token for the browser's cookie."""

    def work(s: Session, _events: list[Event]) -> tuple[int, str, str, str]:
        row = s.scalar(select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_token(code)))
        if row is None or row.used_at is not None or row.expires_at <= ctx.clock():
            raise NotFound("enrolment_invalid")
        row.used_at = ctx.clock()
        site = s.get(Site, row.device.site_id)
        assert site is not None
        return row.device_id, row.device.kind, site.slug, row.device.name

    device_id, kind, slug, name = ctx.transact(work)
    token = create_device_token(ctx, device_id, label="enrolment")
    return Enrolled(token, kind, slug, name)


def set_printer_url(ctx: Context, site_slug: str, name: str, url: str) -> None:
    """Give one kiosk its own printer (an empty URL falls back to GUICHET_PRINTER_URL)."""

    def work(s: Session, _events: list[Event]) -> None:
        device = _device(s, ctx, site_slug, KIOSK, name)
        device.config = (
            {**(device.config or {}), "printer_url": url}
            if url
            else {k: v for k, v in (device.config or {}).items() if k != "printer_url"}
        )

    ctx.transact(work)


def configure_display(
    ctx: Context, site_slug: str, name: str, changes: dict[str, object]
) -> dict[str, object]:
    """Update a display's configuration; an empty list removes that filter."""
    allowed = {"languages", "services", "counters", "max_calls"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid("unknown_display_option", options=sorted(unknown))

    def work(s: Session, _events: list[Event]) -> dict[str, object]:
        device = _device(s, ctx, site_slug, DISPLAY, name)
        config = {**(device.config or {}), **changes}
        device.config = {k: v for k, v in config.items() if v not in ([], None)}
        return dict(device.config)

    return ctx.transact(work)


def record_printer_state(ctx: Context, device_id: int, state: str, detail: str) -> None:
    """Remember the kiosk printer's last state so managers see an alert when it fails."""

    def work(s: Session, _events: list[Event]) -> None:
        device = s.get(Device, device_id)
        if device is not None:
            device.printer_state, device.printer_detail = state, detail[:200]
            device.printer_checked_at = ctx.clock()

    ctx.transact(work)


def kiosk_printers(ctx: Context, actor: Actor) -> list[dict[str, object]]:
    """Every kiosk the manager oversees with its printer's last known state (alerts first)."""
    require_manager(actor)
    with ctx.db.session() as s:
        stmt = select(Device, Site.slug).join(Site, Site.id == Device.site_id).where(Device.kind == KIOSK)
        if actor.site_id is not None:
            stmt = stmt.where(Device.site_id == actor.site_id)
        rows = s.execute(stmt.order_by(Site.slug, Device.name)).all()
        items: list[dict[str, object]] = [
            {
                "id": d.id,
                "site": slug,
                "name": d.name,
                "printer": str((d.config or {}).get("printer_url") or ctx.settings.printer_url),
                "state": d.printer_state or "unknown",
                "detail": d.printer_detail or "",
                "checked_at": d.printer_checked_at.isoformat() if d.printer_checked_at else None,
                "alert": d.printer_state == "error",
            }
            for d, slug in rows
        ]
    return sorted(items, key=lambda i: not i["alert"])
