"""What citizens book: a site's motifs (service, length, per-person extra, delays, who may book,
instructions, ANTS number, per-contact limit), set up by managers; audited.

Appointments keep the length and end they were booked with, so changing a motif's duration never moves
one: only slots offered from then on follow the new length.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core.errors import DomainError, NotFound
from ...models import Appointment, Motif, Service, Site
from ..catalogue import CODE
from ..changes import record_change
from ..context import Actor, Context, Event
from ..guards import managed_site
from ..inputs import Input, changes_of, optional_copy
from .motifs import motif_json

PART = "booking"
MINUTES_A_DAY = 24 * 60


class MotifIn(Input):
    code: str = Field(pattern=CODE, description="Stable code, e.g. PASSEPORT (letters, digits, _ and -)")
    label: str = Field(min_length=1, max_length=200, description="What citizens read, e.g. Passeport")
    service: str = Field(min_length=1, max_length=32, description="Code of a service of the site (level 2)")
    duration_min: int = Field(ge=5, le=480, description="Length for one person, minutes")
    extra_per_person_min: int = Field(0, ge=0, le=240, description="Added for each further person, minutes")
    max_persons: int = Field(1, ge=1, le=20, description="People one booking may bring")
    min_delay_min: int = Field(60, ge=0, le=30 * MINUTES_A_DAY, description="Bookable from now + this, min")
    max_delay_days: int = Field(60, ge=1, le=730, description="Bookable up to this many days ahead")
    buffer_min: int = Field(0, ge=0, le=240, description="Kept free after each appointment, minutes")
    bookable_by: Literal["everyone", "agents"] = Field(
        "everyone", description="everyone: online; agents: only booked by staff"
    )
    instructions: str = Field("", max_length=2000, description="What to bring, shown and e-mailed")
    requires_ants: bool = Field(False, description="An ANTS pre-application number is required")
    max_per_contact: int = Field(2, ge=1, le=50, description="Future appointments per e-mail address")
    active: bool = Field(True, description="Offered for booking")

    @field_validator("max_delay_days")
    @classmethod
    def beyond_the_minimum_delay(cls, value: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_delay_min")
        if minimum is not None and minimum >= value * MINUTES_A_DAY:
            raise PydanticCustomError("motif_delays", "the maximum delay must exceed the minimum delay")
        return value


MotifPatch = optional_copy("MotifPatch", MotifIn)


def setup_json(m: Motif) -> dict[str, Any]:
    """The motif as managers set it up: the public fields, plus buffer, per-contact limit, active."""
    return {
        **motif_json(m),
        "buffer_min": m.buffer_min,
        "max_per_contact": m.max_per_contact,
        "active": m.active,
    }


def _motif(s: Session, site: Site, code: str, lock: bool = False) -> Motif:
    stmt = select(Motif).where(Motif.site_id == site.id, Motif.code == code)
    m = s.scalar(stmt.with_for_update() if lock else stmt)
    if m is None:
        raise NotFound("motif_not_found", motif=code)
    return m


def _set(s: Session, site: Site, m: Motif, values: dict[str, Any]) -> None:
    """Write the validated fields, refusing a code another motif has or a service the site lacks."""
    if values["code"] != m.code:
        if s.scalar(select(Motif.id).where(Motif.site_id == site.id, Motif.code == values["code"])):
            raise DomainError("motif_code_taken", field="code", motif=values["code"])
        m.code = values["code"]
    if m.service_id is None or values["service"] != m.service.code:
        service = s.scalar(
            select(Service).where(Service.site_id == site.id, Service.code == values["service"])
        )
        if service is None:
            raise NotFound("service_not_found", field="service", service=values["service"])
        m.service = service
    for name, value in values.items():
        if name not in ("code", "service"):
            setattr(m, name, value)


def list_motifs(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Every motif of the site, inactive and agents-only ones included, in the order citizens see."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        rows = s.scalars(
            select(Motif).where(Motif.site_id == site.id).order_by(Motif.sort, Motif.label)
        ).all()
        return [setup_json(m) for m in rows]


def create_motif(ctx: Context, actor: Actor, slug: str, data: MotifIn) -> dict[str, Any]:
    """A new motif, listed after the others; it gives slots where experts' ranges take it."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        sort = s.scalar(select(func.max(Motif.sort)).where(Motif.site_id == site.id)) or 0
        # An empty code, so that _set checks the one given against the site's motifs.
        m = Motif(site_id=site.id, code="", sort=sort + 1)
        _set(s, site, m, data.model_dump())
        s.add(m)
        s.flush()
        after = setup_json(m)
        record_change(s, events, actor, ctx.clock(), "motif.created", site.id, m.code, None, after, PART)
        return after

    return ctx.transact(work)


def update_motif(ctx: Context, actor: Actor, slug: str, code: str, patch: Input) -> dict[str, Any]:
    """Change some fields; the whole motif is checked again (e.g. delays sent alone against the stored)."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        m = _motif(s, site, code, lock=True)
        before = setup_json(m)
        stored = {name: before[name] for name in MotifIn.model_fields}
        merged = MotifIn.model_validate({**stored, **values})
        _set(s, site, m, merged.model_dump())
        s.flush()
        after = setup_json(m)
        if after != before:
            record_change(s, events, actor, ctx.clock(), "motif.updated", site.id, code, before, after, PART)
        return after

    return ctx.transact(work)


def delete_motif(ctx: Context, actor: Actor, slug: str, code: str) -> None:
    """Only a motif no appointment ever used goes (their history names it); others are deactivated."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        m = _motif(s, site, code, lock=True)
        if s.scalar(select(Appointment.id).where(Appointment.motif_id == m.id).limit(1)) is not None:
            raise DomainError("motif_in_use", motif=code)
        before = setup_json(m)
        s.delete(m)
        record_change(s, events, actor, ctx.clock(), "motif.deleted", site.id, code, before, None, PART)

    ctx.transact(work)
