"""Managers' kiosks and displays: created with a one-time enrolment link, listed with their state,
re-linked, revoked (every token of the device stops working at once); audited."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, NotFound
from ..models import Device, Site
from .accounts import revoke_tokens
from .changes import record_change
from .context import Actor, Context, Event
from .devices import create_enrolment, enrolment_url
from .guards import check_site, managed_site, require_manager
from .inputs import Input


class DeviceIn(Input):
    kind: Literal["kiosk", "display"]
    name: str = Field(min_length=1, max_length=100, description="e.g. Borne de l'entrée, Écran du hall")
    printer_url: str | None = Field(
        None, max_length=200, pattern=r"^(tcp|virtual|file|usb)://", description="A kiosk's own printer"
    )


def device_json(d: Device, site_slug: str) -> dict[str, Any]:
    config = d.config or {}
    return {
        "id": d.id,
        "site": site_slug,
        "kind": d.kind,
        "name": d.name,
        "active": d.active,
        "printer_url": config.get("printer_url"),
        "printer_state": d.printer_state or "unknown",
        "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
    }


def _device(s: Session, actor: Actor, device_id: int) -> tuple[Device, Site]:
    require_manager(actor)
    d = s.get(Device, device_id)
    if d is None:
        raise NotFound("device_not_found", device=device_id)
    check_site(actor, d.site_id)
    site = s.get(Site, d.site_id)
    assert site is not None
    return d, site


def _link(ctx: Context, site: str, kind: str, name: str) -> dict[str, Any]:
    return {"url": enrolment_url(ctx, create_enrolment(ctx, site, kind, name))}


def list_devices(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        rows = s.scalars(select(Device).where(Device.site_id == site.id).order_by(Device.kind, Device.name))
        return [device_json(d, site.slug) for d in rows]


def create_device(ctx: Context, actor: Actor, slug: str, data: DeviceIn) -> dict[str, Any]:
    """A new kiosk or display and its first one-time link (valid 24 h), shown once."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        taken = s.scalar(
            select(Device.id).where(
                Device.site_id == site.id, Device.kind == data.kind, Device.name == data.name
            )
        )
        if taken is not None:
            raise DomainError("device_name_taken", field="name")
        d = Device(site_id=site.id, kind=data.kind, name=data.name, created_at=ctx.clock(), config={})
        if data.printer_url and data.kind == "kiosk":
            d.config = {"printer_url": data.printer_url}
        s.add(d)
        s.flush()
        after = device_json(d, site.slug)
        record_change(s, events, actor, ctx.clock(), "device.created", site.id, d.name, None, after)
        return after

    device = ctx.transact(work)
    return {**device, "enrolment": _link(ctx, slug, device["kind"], device["name"])}


def new_enrolment(ctx: Context, actor: Actor, device_id: int) -> dict[str, Any]:
    """A fresh one-time link, to replace a browser (the old one keeps its token until revoked)."""

    def work(s: Session, events: list[Event]) -> tuple[str, str, str]:
        d, site = _device(s, actor, device_id)
        if not d.active:
            raise DomainError("device_revoked")
        record_change(s, events, actor, ctx.clock(), "device.enrolment_link", site.id, d.name, None, None)
        return site.slug, d.kind, d.name

    slug, kind, name = ctx.transact(work)
    return _link(ctx, slug, kind, name)


def revoke_device(ctx: Context, actor: Actor, device_id: int) -> dict[str, Any]:
    """The device stops working at once: every token it holds is revoked, its screen signs out."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        d, site = _device(s, actor, device_id)
        before = device_json(d, site.slug)
        d.active = False
        now = ctx.clock()
        revoke_tokens(s, now, device_id=d.id)
        after = device_json(d, site.slug)
        record_change(s, events, actor, now, "device.revoked", site.id, d.name, before, after)
        return after

    return ctx.transact(work)
