"""Managers' kiosks and displays: created with a one-time enrolment link, listed with their state,
re-linked, revoked (every token of the device stops working at once); audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from printer import PrinterError, Spooler, TicketPrint, open_transport

from ..core.errors import DomainError, NotFound
from ..core.roles import DISPLAY, KIOSK
from ..models import Counter, Device, Service, Site
from .accounts import revoke_tokens
from .changes import record_change
from .context import Actor, Context, Event
from .devices import create_enrolment, enrolment_url, record_printer_state
from .guards import check_site, managed_site, require_manager
from .inputs import Input, changes_of, optional_copy

PRINTER_URL = r"^(tcp|usb|serial|file|virtual)://"
DISPLAY_OPTIONS = ("services", "counters", "languages", "max_calls")
DEFAULT_MAX_CALLS = 6  # what display/views.py and services/display.py show without a setting
TEST_PRINT_WAIT_S = 15.0  # the spooler ends every job within its timeout + 0.5 s; this is a backstop


def _printer_url(url: str) -> str | None:
    """A URL the printer layer can open (tcp://host:9100, usb://VID:PID...); empty: the default."""
    if not url:
        return None
    try:
        open_transport(url)
    except PrinterError as exc:
        raise ValueError(exc.message) from exc
    return url


# Checked by the printer layer itself, so that a URL saved here is one the spooler can open.
PrinterUrl = Annotated[str, AfterValidator(_printer_url)]


class DeviceIn(Input):
    kind: Literal["kiosk", "display"]
    name: str = Field(min_length=1, max_length=100, description="e.g. Borne de l'entrée, Écran du hall")
    printer_url: PrinterUrl | None = Field(
        None, max_length=200, pattern=PRINTER_URL, description="A kiosk's own printer"
    )


class DeviceSettings(Input):
    """What a manager changes on a device: its name, a kiosk's printer, a display's configuration."""

    name: str = Field(min_length=1, max_length=100, description="e.g. Borne de l'entrée, Écran du hall")
    printer_url: PrinterUrl | None = Field(
        None,
        max_length=200,
        pattern=PRINTER_URL,
        description="Kiosks: tcp://host:9100, usb://VID:PID, serial:///dev/ttyUSB0, file:///dev/usb/lp0 "
        "or virtual://; null: the installation's printer",
    )
    services: list[str] = Field(
        default_factory=list, max_length=100, description="Displays: service codes shown; empty: all"
    )
    counters: list[int] = Field(
        default_factory=list, max_length=100, description="Displays: counter numbers shown; empty: all"
    )
    languages: list[Literal["fr", "en", "ar", "es", "pt"]] = Field(
        default_factory=list, max_length=5, description="Displays: announcement languages; empty: French"
    )
    max_calls: int = Field(DEFAULT_MAX_CALLS, ge=1, le=20, description="Displays: calls shown")


DevicePatch = optional_copy("DevicePatch", DeviceSettings)


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


def display_config(d: Device) -> dict[str, Any]:
    """A display's configuration with its defaults, as the screen reads it."""
    config = d.config or {}
    return {
        "services": list(config.get("services") or []),
        "counters": list(config.get("counters") or []),
        "languages": list(config.get("languages") or ["fr"]),
        "max_calls": int(config.get("max_calls") or DEFAULT_MAX_CALLS),
    }


def device_detail_json(d: Device, site_slug: str) -> dict[str, Any]:
    """The device with its printer's last report and, for a display, its configuration."""
    return {
        **device_json(d, site_slug),
        "printer_detail": d.printer_detail or "",
        "printer_checked_at": d.printer_checked_at.isoformat() if d.printer_checked_at else None,
        "display": display_config(d) if d.kind == DISPLAY else None,
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


def get_device(ctx: Context, actor: Actor, device_id: int) -> dict[str, Any]:
    with ctx.db.session() as s:
        d, site = _device(s, actor, device_id)
        return device_detail_json(d, site.slug)


def _check_display_choices(s: Session, site: Site, values: dict[str, Any]) -> None:
    """A display shows services and counters of its own site only."""
    for code in values.get("services") or []:
        if s.scalar(select(Service.id).where(Service.site_id == site.id, Service.code == code)) is None:
            raise NotFound("service_not_found", field="services", service=code)
    for number in values.get("counters") or []:
        if s.scalar(select(Counter.id).where(Counter.site_id == site.id, Counter.number == number)) is None:
            raise NotFound("counter_not_found", field="counters", counter=number)


def _configure(s: Session, site: Site, d: Device, values: dict[str, Any]) -> None:
    if values.get("name") is not None and values["name"] != d.name:
        taken = s.scalar(
            select(Device.id).where(
                Device.site_id == site.id, Device.kind == d.kind, Device.name == values["name"]
            )
        )
        if taken is not None:
            raise DomainError("device_name_taken", field="name")
        d.name = values["name"]
    config = dict(d.config or {})
    if "printer_url" in values:
        if d.kind != KIOSK:
            raise DomainError("not_a_kiosk", field="printer_url")
        config.pop("printer_url", None)
        if values["printer_url"]:
            config["printer_url"] = values["printer_url"]
    options = [name for name in DISPLAY_OPTIONS if name in values]
    if options:
        if d.kind != DISPLAY:
            raise DomainError("not_a_display", field=options[0])
        _check_display_choices(s, site, values)
        for name in options:
            value = values[name]
            if name in ("services", "counters", "languages"):
                value = list(dict.fromkeys(value))  # each once, in the order given
            # An empty filter (or the default count) is no setting: the screen shows everything.
            if value in ([], None) or (name == "max_calls" and value == DEFAULT_MAX_CALLS):
                config.pop(name, None)
            else:
                config[name] = value
    d.config = config


def update_device(ctx: Context, actor: Actor, device_id: int, patch: Input) -> dict[str, Any]:
    """Rename a device, set a kiosk's printer or a display's configuration; audited. A display whose
    configuration changed reloads itself (it reads the configuration when its page is served)."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        d, site = _device(s, actor, device_id)
        before = device_detail_json(d, site.slug)
        _configure(s, site, d, values)
        s.flush()
        after = device_detail_json(d, site.slug)
        if after != before:
            record_change(s, events, actor, ctx.clock(), "device.updated", site.id, d.name, before, after)
            if d.kind == DISPLAY:
                events.append(Event("settings_changed", site.id, {"part": "display", "device": d.id}))
        return after

    return ctx.transact(work)


def test_print(
    ctx: Context, spooler: Spooler, actor: Actor, device_id: int, title: str, privacy: str
) -> dict[str, Any]:
    """Print a test ticket (title, site name, local time; no personal data) on the kiosk's printer,
    through the spooler like any ticket, and keep the printer's state on the kiosk for the alerts."""
    with ctx.db.session() as s:
        d, site = _device(s, actor, device_id)
        if d.kind != KIOSK:
            raise DomainError("not_a_kiosk")
        url = str((d.config or {}).get("printer_url") or ctx.settings.printer_url)
        name, zone = site.name, site.timezone
    moment: datetime = ctx.clock().astimezone(ZoneInfo(zone))
    ticket = TicketPrint(
        site_name=name,
        number="TEST",
        service_label=title,
        issued_at=moment.strftime("%d/%m/%Y %H:%M"),
        position_text="",
        wait_text="",
        tracking_url=ctx.settings.public_url,
        qr_caption="",
        privacy_text=privacy,
    )
    job = spooler.wait(spooler.submit(url, ticket).id, TEST_PRINT_WAIT_S)
    if job is not None and job.state == "printed":
        state, detail = "ok", "test ticket printed"
    elif job is not None and job.state == "failed":
        state, detail = "error", f"{job.error}: {job.detail}" if job.detail else str(job.error)
    else:
        state, detail = "error", "no answer"
    record_printer_state(ctx, device_id, state, detail)
    return {"state": state, "detail": detail[:200]}
