"""Where appointments happen: a site's places (its "lieux") and the whole days each is closed, set up by
managers from the admin pages or the REST API; audited, and the booking pages reload them.

A closure never silently drops booked appointments: over days that still hold some at that place it is
refused (`closure_has_appointments`, with their count), and the manager moves or cancels them first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...core.errors import DomainError, NotFound
from ...models import ACTIVE_STATUSES, Appointment, OpeningRangeRow, Place, PlaceClosure, Site
from ..changes import record_change
from ..context import Actor, Context, Event
from ..guards import managed_site
from ..inputs import Input, changes_of, optional_copy

PART = "booking"
MAX_CLOSURE_DAYS = 366


class PlaceIn(Input):
    name: str = Field(min_length=1, max_length=200, description="e.g. Salle des permanences")
    address: str = Field("", max_length=400, description="Postal address shown to citizens")
    active: bool = Field(True, description="Offered for booking (an inactive place gives no slot)")


PlacePatch = optional_copy("PlacePatch", PlaceIn)


class ClosureIn(Input):
    """Whole local days, first and last included; checked against today by the service (context)."""

    first_day: date = Field(description="First closed day, YYYY-MM-DD (today or later)")
    last_day: date = Field(description="Last closed day, YYYY-MM-DD (at most a year after the first)")
    label: str = Field("", max_length=200, description="Why, e.g. Travaux")

    @field_validator("first_day")
    @classmethod
    def not_in_the_past(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today")
        if today is not None and value < today:
            raise PydanticCustomError("closure_in_past", "the first day is in the past")
        return value

    @field_validator("last_day")
    @classmethod
    def after_the_first(cls, value: date, info: ValidationInfo) -> date:
        first = info.data.get("first_day")
        if first is not None and value < first:
            raise PydanticCustomError("closure_order", "the last day is before the first day")
        if first is not None and (value - first).days >= MAX_CLOSURE_DAYS:
            raise PydanticCustomError("closure_too_long", "a closure lasts at most 366 days")
        return value


def place_json(p: Place) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "address": p.address, "active": p.active}


def closure_json(c: PlaceClosure) -> dict[str, Any]:
    return {
        "id": c.id,
        "place": c.place_id,
        "first_day": c.first_day.isoformat(),
        "last_day": c.last_day.isoformat(),
        "label": c.label,
    }


def _place(s: Session, site: Site, place_id: int, lock: bool = False) -> Place:
    stmt = select(Place).where(Place.site_id == site.id, Place.id == place_id)
    p = s.scalar(stmt.with_for_update() if lock else stmt)
    if p is None:
        raise NotFound("place_not_found", place=place_id)
    return p


def _today(site: Site, now: datetime) -> date:
    return now.astimezone(ZoneInfo(site.timezone)).date()


def list_places(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Every place of the site, inactive ones included (citizens see only the active)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        places = s.scalars(select(Place).where(Place.site_id == site.id).order_by(Place.id)).all()
        return [place_json(p) for p in places]


def create_place(ctx: Context, actor: Actor, slug: str, data: PlaceIn) -> dict[str, Any]:
    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        p = Place(site_id=site.id, **data.model_dump())
        s.add(p)
        s.flush()
        after = place_json(p)
        record_change(s, events, actor, ctx.clock(), "place.created", site.id, str(p.id), None, after, PART)
        return after

    return ctx.transact(work)


def update_place(ctx: Context, actor: Actor, slug: str, place_id: int, patch: Input) -> dict[str, Any]:
    """Rename, readdress, (de)activate; booked appointments stay where and when they are."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        p = _place(s, site, place_id, lock=True)
        before = place_json(p)
        for name, value in values.items():
            setattr(p, name, value)
        s.flush()
        after = place_json(p)
        if after != before:
            record_change(
                s, events, actor, ctx.clock(), "place.updated", site.id, str(p.id), before, after, PART
            )
        return after

    return ctx.transact(work)


def delete_place(ctx: Context, actor: Actor, slug: str, place_id: int) -> None:
    """Only a place no appointment and no opening range ever named goes; others are deactivated."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        p = _place(s, site, place_id, lock=True)
        used = s.scalar(select(Appointment.id).where(Appointment.place_id == p.id).limit(1)) or s.scalar(
            select(OpeningRangeRow.id).where(OpeningRangeRow.place_id == p.id).limit(1)
        )
        if used is not None:
            raise DomainError("place_in_use", place=p.name)
        before = place_json(p)
        s.execute(delete(PlaceClosure).where(PlaceClosure.place_id == p.id))
        s.delete(p)
        record_change(
            s, events, actor, ctx.clock(), "place.deleted", site.id, str(place_id), before, None, PART
        )

    ctx.transact(work)


def list_closures(ctx: Context, actor: Actor, slug: str, place_id: int) -> list[dict[str, Any]]:
    """The place's closures that are not over yet (today's included), soonest first."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        p = _place(s, site, place_id)
        rows = s.scalars(
            select(PlaceClosure)
            .where(PlaceClosure.place_id == p.id, PlaceClosure.last_day >= _today(site, ctx.clock()))
            .order_by(PlaceClosure.first_day, PlaceClosure.id)
        ).all()
        return [closure_json(c) for c in rows]


def _booked_between(s: Session, site: Site, place: Place, first: date, last: date) -> int:
    """Appointments still held (booked or checked in) at the place over these local days."""
    tz = ZoneInfo(site.timezone)
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return int(
        s.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(
                Appointment.place_id == place.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= lo,
                Appointment.starts_at < hi,
            )
        )
        or 0
    )


def add_closure(ctx: Context, actor: Actor, slug: str, place_id: int, data: ClosureIn) -> dict[str, Any]:
    """Close a place over whole days from today on; refused while appointments are booked there then."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        p = _place(s, site, place_id, lock=True)
        # The clock is the service's: the past is judged here, in the site's own days (422 as a field).
        checked = ClosureIn.model_validate(data.model_dump(), context={"today": _today(site, now)})
        booked = _booked_between(s, site, p, checked.first_day, checked.last_day)
        if booked:
            raise DomainError("closure_has_appointments", field="first_day", count=booked, place=p.name)
        c = PlaceClosure(place_id=p.id, **checked.model_dump())
        s.add(c)
        s.flush()
        after = closure_json(c)
        record_change(
            s, events, actor, now, "place.closure_added", site.id, f"{p.id}/{c.id}", None, after, PART
        )
        return after

    return ctx.transact(work)


def delete_closure(ctx: Context, actor: Actor, slug: str, place_id: int, closure_id: int) -> None:
    """The place opens again on those days (its experts' ranges give slots there again)."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        p = _place(s, site, place_id, lock=True)
        c = s.scalar(select(PlaceClosure).where(PlaceClosure.id == closure_id, PlaceClosure.place_id == p.id))
        if c is None:
            raise NotFound("closure_not_found", closure=closure_id)
        before = closure_json(c)
        s.delete(c)
        record_change(
            s,
            events,
            actor,
            ctx.clock(),
            "place.closure_deleted",
            site.id,
            f"{p.id}/{closure_id}",
            before,
            None,
            PART,
        )

    ctx.transact(work)
