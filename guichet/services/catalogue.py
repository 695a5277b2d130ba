"""What a site offers: its services (code, prefix, labels, partner, level, quota, targets), set up by
managers from the admin pages, the REST API or an imported file, all through these functions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, NotFound
from ..core.numbering import business_day
from ..core.tickets import State
from ..models import Category, Motif, Partner, Service, Site, Ticket
from .changes import record_change
from .context import Actor, Context, Event
from .guards import managed_site
from .inputs import Input, changes_of, optional_copy

CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


class ServiceIn(Input):
    code: str = Field(pattern=CODE, description="Stable code, e.g. ANTS_ID (letters, digits, _ and -)")
    prefix: str = Field(pattern=r"^[A-Z]$", description="One capital letter before the ticket's number")
    label: str = Field(min_length=1, max_length=200, description="French label")
    labels: dict[Literal["en", "ar", "es", "pt"], str] = Field(
        default_factory=dict, description="Label in the other interface languages"
    )
    partner: str | None = Field(None, max_length=32, description="Partner code (CAF, ANTS...)")
    category: str = Field("", max_length=64, description="Code of one of the site's categories; empty: none")
    level: Literal[1, 2] = Field(1, description="1: reception; 2: expert, by appointment")
    daily_quota: int | None = Field(None, ge=1, le=10000, description="Tickets per day; none: no limit")
    target_wait_min: int = Field(15, ge=1, le=600, description="Target wait, minutes")
    sla_hours: int = Field(72, ge=1, le=2000, description="Level-2 cases answered within, hours")
    active: bool = True


ServicePatch = optional_copy("ServicePatch", ServiceIn)


def service_json(sv: Service) -> dict[str, Any]:
    return {
        "code": sv.code,
        "prefix": sv.prefix,
        "label": sv.label_fr,
        "labels": dict(sv.labels or {}),
        "partner": sv.partner.code if sv.partner else None,
        "category": sv.category,
        "level": sv.level,
        "daily_quota": sv.daily_quota,
        "target_wait_min": sv.target_wait_min,
        "sla_hours": sv.sla_hours,
        "active": sv.active,
    }


def _service(s: Session, site: Site, code: str, lock: bool = False) -> Service:
    stmt = select(Service).where(Service.site_id == site.id, Service.code == code)
    sv = s.scalar(stmt.with_for_update() if lock else stmt)
    if sv is None:
        raise NotFound("service_not_found", service=code)
    return sv


def _waiting(s: Session, site: Site, sv: Service, now: Any) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.service_id == sv.id,
                Ticket.state == State.WAITING.value,
                Ticket.business_day == business_day(now, site.timezone),
            )
        )
        or 0
    )


def _set(s: Session, site: Site, sv: Service, values: dict[str, Any], now: Any) -> None:
    """Write the fields given, refusing what would clash with another service or today's tickets."""
    if "code" in values and values["code"] != sv.code:
        if s.scalar(select(Service.id).where(Service.site_id == site.id, Service.code == values["code"])):
            raise DomainError("service_code_taken", field="code", service=values["code"])
        sv.code = values["code"]
    if "prefix" in values and values["prefix"] != sv.prefix:
        prefix = values["prefix"]
        other = s.scalar(select(Service.code).where(Service.site_id == site.id, Service.prefix == prefix))
        if other is not None:
            raise DomainError("prefix_taken", field="prefix", prefix=prefix, service=other)
        # Today's tickets keep their printed numbers: a new service may not reuse a letter already
        # called out today, or two people would hold the same number.
        day = business_day(now, site.timezone)
        stmt = select(Ticket.id).where(
            Ticket.site_id == site.id, Ticket.business_day == day, Ticket.number.startswith(prefix)
        )
        if sv.id is not None:
            stmt = stmt.where(Ticket.service_id != sv.id)
        used = s.scalar(stmt.limit(1))
        if used is not None:
            raise DomainError("prefix_used_today", field="prefix", prefix=prefix)
        sv.prefix = prefix
    if "partner" in values:
        code = values["partner"]
        partner = s.scalar(select(Partner).where(Partner.code == code)) if code else None
        if code and partner is None:
            raise NotFound("partner_not_found", field="partner", partner=code)
        sv.partner = partner
    if "category" in values and values["category"] != sv.category:
        category = values["category"]
        stmt = select(Category.id).where(Category.site_id == site.id, Category.code == category)
        if category and s.scalar(stmt) is None:
            raise NotFound("category_not_found", field="category", category=category)
        sv.category = category
    if "label" in values:
        sv.label_fr = values["label"]
    if "labels" in values:
        sv.labels = {k: v for k, v in (values["labels"] or {}).items() if v}
    for name in ("level", "daily_quota", "target_wait_min", "sla_hours", "active"):
        if name in values:  # a null reaches here only for daily_quota (the PATCH model refuses others)
            setattr(sv, name, values[name])


def list_services(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Every service of the site, inactive ones included (the kiosk lists only the active)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        return [service_json(sv) for sv in site.services]


def create_service(ctx: Context, actor: Actor, slug: str, data: ServiceIn) -> dict[str, Any]:
    """A new service, audited; kiosks and screens reload their list within seconds."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        sort = s.scalar(select(func.max(Service.sort)).where(Service.site_id == site.id)) or 0
        # Code and prefix start empty so that _set checks both against the site's other services.
        sv = Service(site_id=site.id, code="", prefix="", label_fr=data.label, sort=sort + 1)
        _set(s, site, sv, data.model_dump(), now)
        s.add(sv)
        s.flush()
        after = service_json(sv)
        record_change(s, events, actor, now, "service.created", site.id, sv.code, None, after, "services")
        return after

    return ctx.transact(work)


def update_service(ctx: Context, actor: Actor, slug: str, code: str, patch: Input) -> dict[str, Any]:
    """Change some fields; tickets already issued keep their number and their place."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        sv = _service(s, site, code, lock=True)
        before = service_json(sv)
        _set(s, site, sv, values, now)
        s.flush()
        after = service_json(sv)
        if after != before:
            record_change(
                s, events, actor, now, "service.updated", site.id, sv.code, before, after, "services"
            )
        return after

    return ctx.transact(work)


def delete_service(ctx: Context, actor: Actor, slug: str, code: str) -> None:
    """Only a service that never issued a ticket nor carries a motif goes; others are deactivated."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        sv = _service(s, site, code, lock=True)
        waiting = _waiting(s, site, sv, now)
        if waiting:
            raise DomainError("service_has_waiting_tickets", waiting=waiting)
        used = s.scalar(select(Ticket.id).where(Ticket.service_id == sv.id).limit(1)) or s.scalar(
            select(Motif.id).where(Motif.service_id == sv.id).limit(1)
        )
        if used is not None:
            raise DomainError("service_in_use", service=code)
        before = service_json(sv)
        s.delete(sv)
        record_change(s, events, actor, now, "service.deleted", site.id, code, before, None, "services")

    ctx.transact(work)
