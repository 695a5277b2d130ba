"""Experts' weekly opening ranges, set up by managers: which expert receives where, on which weekday,
between which local times, over which dates and for which motifs.

A range is refused when it overlaps another range of the same expert (one person, one place at a
time), and a range that booked future appointments depend on is neither deleted nor shrunk: the
manager moves or cancels those appointments first, so that no citizen holds a slot nobody receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import lcm
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import DomainError, NotFound, Unprocessable
from ...models import ACTIVE_STATUSES, Appointment, Motif, OpeningRangeRow, Place, Site, User
from ..changes import record_change
from ..context import Actor, Context, Event
from ..guards import managed_site
from ..inputs import Input, changes_of, optional_copy
from .expert_agenda import PART, expert_of


class RangeIn(Input):
    place_id: int = Field(ge=1, description="Place id (of the site)")
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start_time: time = Field(description="Local time at the site, HH:MM")
    end_time: time = Field(description="Local time at the site, HH:MM, after start_time")
    valid_from: date = Field(description="First day, YYYY-MM-DD")
    valid_until: date | None = Field(None, description="Last day, YYYY-MM-DD; none: open-ended")
    every_weeks: int = Field(1, ge=1, le=4, description="Every week (1), every other week (2)...")
    motifs: list[str] = Field(
        default_factory=list, max_length=50, description="Motif codes; none: every motif of the expert"
    )


RangePatch = optional_copy("RangePatch", RangeIn)


@dataclass(frozen=True)
class Shape:
    """What a range covers, to compare it with another range or with an appointment."""

    place_id: int
    weekday: int
    start: time
    end: time
    valid_from: date
    valid_until: date | None
    every_weeks: int
    motif_ids: frozenset[int]

    def on(self, day: date) -> bool:
        """The range receives that day (weekday, validity, and its week in the every-n-weeks cycle)."""
        if day.weekday() != self.weekday or day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        return ((day - self.valid_from).days // 7) % self.every_weeks == 0


def _shape(r: OpeningRangeRow) -> Shape:
    return Shape(
        r.place_id,
        r.weekday,
        r.start_time,
        r.end_time,
        r.valid_from,
        r.valid_until,
        r.every_weeks,
        frozenset(m.id for m in r.motifs),
    )


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M") if not t.second else t.strftime("%H:%M:%S")


def range_json(r: OpeningRangeRow, places: dict[int, Place]) -> dict[str, Any]:
    place = places.get(r.place_id)
    return {
        "id": r.id,
        "expert_id": r.expert_id,
        "place": {"id": r.place_id, "name": place.name if place else ""},
        "weekday": r.weekday,
        "start_time": _hhmm(r.start_time),
        "end_time": _hhmm(r.end_time),
        "valid_from": r.valid_from.isoformat(),
        "valid_until": r.valid_until.isoformat() if r.valid_until else None,
        "every_weeks": r.every_weeks,
        "motifs": sorted(m.code for m in r.motifs),
    }


def _places(s: Session, site: Site) -> dict[int, Place]:
    return {p.id: p for p in s.scalars(select(Place).where(Place.site_id == site.id)).all()}


def _ranges_of(s: Session, expert_id: int, site: Site | None = None) -> list[OpeningRangeRow]:
    stmt = select(OpeningRangeRow).where(OpeningRangeRow.expert_id == expert_id)
    if site is not None:
        stmt = stmt.where(OpeningRangeRow.site_id == site.id)
    order = (OpeningRangeRow.weekday, OpeningRangeRow.start_time, OpeningRangeRow.valid_from)
    return list(s.scalars(stmt.order_by(*order, OpeningRangeRow.id)).all())


def list_ranges(ctx: Context, actor: Actor, slug: str, user_id: int) -> list[dict[str, Any]]:
    """An expert's ranges at the site, by weekday and time."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        expert_of(s, site, user_id, active=False)
        places = _places(s, site)
        return [range_json(r, places) for r in _ranges_of(s, user_id, site)]


def _meet(a: Shape, b: Shape) -> bool:
    """Both ranges receive on a common day at overlapping times (the every-n-weeks cycles of the same
    weekday repeat together after lcm(n, m) weeks, so that many weeks of the common span suffice)."""
    if a.weekday != b.weekday or not (a.start < b.end and b.start < a.end):
        return False
    first = max(a.valid_from, b.valid_from)
    last = min(a.valid_until or date.max, b.valid_until or date.max)
    day = first + timedelta(days=(a.weekday - first.weekday()) % 7)
    for _ in range(lcm(a.every_weeks, b.every_weeks)):
        if day > last:
            return False
        if a.on(day) and b.on(day):
            return True
        day += timedelta(days=7)
    return False


def _covers(
    shape: Shape | None, start: datetime, end: datetime, place_id: int | None, motif_id: int | None
) -> bool:
    """The appointment (local start and end) lies within what the range offers."""
    if shape is None or not shape.on(start.date()) or end.date() != start.date():
        return False
    if place_id is not None and place_id != shape.place_id:
        return False
    if shape.motif_ids and motif_id is not None and motif_id not in shape.motif_ids:
        return False
    return shape.start <= start.time() and end.time() <= shape.end


def dependent_appointments(
    s: Session, site: Site, expert_id: int, old: Shape, new: Shape | None, now: datetime
) -> int:
    """Future active appointments the old range offered and the new one (None: deleted) no longer does."""
    tz = ZoneInfo(site.timezone)
    rows = s.execute(
        select(
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.duration_min,
            Appointment.place_id,
            Appointment.motif_id,
        ).where(
            Appointment.expert_id == expert_id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= now,
        )
    ).all()
    count = 0
    for starts, ends, duration, place_id, motif_id in rows:
        start = starts.astimezone(tz)
        end = (ends or starts + timedelta(minutes=duration)).astimezone(tz)
        if _covers(old, start, end, place_id, motif_id) and not _covers(new, start, end, place_id, motif_id):
            count += 1
    return count


def _motifs(s: Session, site: Site, codes: list[str]) -> list[Motif]:
    if len(set(codes)) != len(codes):
        raise Unprocessable("duplicate_motif", field="motifs")
    found = {
        m.code: m
        for m in s.scalars(select(Motif).where(Motif.site_id == site.id, Motif.code.in_(codes))).all()
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise Unprocessable("unknown_motif", field="motifs", motif=", ".join(missing))
    return [found[c] for c in codes]


def _set(s: Session, site: Site, r: OpeningRangeRow, values: dict[str, Any]) -> None:
    """Write the fields given, then check the range as a whole (a PATCH may change one bound only)."""
    if "place_id" in values:
        place = s.get(Place, values["place_id"])
        if place is None or place.site_id != site.id:
            raise Unprocessable("unknown_place", field="place_id", place=values["place_id"])
        r.place_id = place.id
    for name in ("start_time", "end_time"):
        if name in values:
            if values[name].tzinfo is not None:
                raise Unprocessable("local_time_expected", field=name)
            setattr(r, name, values[name].replace(microsecond=0))
    for name in ("weekday", "valid_from", "valid_until", "every_weeks"):
        if name in values:
            setattr(r, name, values[name])
    if "motifs" in values:
        r.motifs = _motifs(s, site, values["motifs"])
    if not r.start_time < r.end_time:
        raise Unprocessable("range_times_inverted", field="end_time")
    if r.valid_until is not None and r.valid_until < r.valid_from:
        raise Unprocessable("range_dates_inverted", field="valid_until")


def _check_overlap(s: Session, r: OpeningRangeRow, shape: Shape) -> None:
    """One expert, one place at a time: on every site the expert works at."""
    for other in _ranges_of(s, r.expert_id):
        if other.id != r.id and _meet(shape, _shape(other)):
            raise DomainError("range_overlaps", field="start_time", range=other.id)


def _range(s: Session, site: Site, range_id: int) -> OpeningRangeRow:
    r = s.get(OpeningRangeRow, range_id)
    if r is None or r.site_id != site.id:
        raise NotFound("range_not_found", range=range_id)
    return r


def _target(expert: User, r: OpeningRangeRow) -> str:
    return f"{expert.username} #{r.id}"


def create_range(ctx: Context, actor: Actor, slug: str, user_id: int, data: RangeIn) -> dict[str, Any]:
    """A new weekly range of an active expert of the site, audited; its slots are bookable at once."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        expert = expert_of(s, site, user_id, lock=True)
        r = OpeningRangeRow(site_id=site.id, expert_id=expert.id)
        _set(s, site, r, data.model_dump())
        _check_overlap(s, r, _shape(r))
        s.add(r)
        s.flush()
        after = range_json(r, _places(s, site))
        record_change(
            s, events, actor, ctx.clock(), "range.created", site.id, _target(expert, r), None, after, PART
        )
        return after

    return ctx.transact(work)


def update_range(ctx: Context, actor: Actor, slug: str, range_id: int, patch: Input) -> dict[str, Any]:
    """Change some fields; refused if the new range would drop booked future appointments."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        r = _range(s, site, range_id)
        expert = expert_of(s, site, r.expert_id, active=False, lock=True)
        places = _places(s, site)
        before, old = range_json(r, places), _shape(r)
        with s.no_autoflush:
            _set(s, site, r, values)
            new = _shape(r)
            _check_overlap(s, r, new)
            count = dependent_appointments(s, site, expert.id, old, new, now)
        if count:
            raise DomainError("range_has_appointments", count=count)
        s.flush()
        after = range_json(r, places)
        if after != before:
            record_change(
                s, events, actor, now, "range.updated", site.id, _target(expert, r), before, after, PART
            )
        return after

    return ctx.transact(work)


def delete_range(ctx: Context, actor: Actor, slug: str, range_id: int) -> None:
    """Remove a range, unless booked future appointments are in it (move or cancel them first)."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        r = _range(s, site, range_id)
        expert = expert_of(s, site, r.expert_id, active=False, lock=True)
        count = dependent_appointments(s, site, expert.id, _shape(r), None, now)
        if count:
            raise DomainError("range_has_appointments", count=count)
        before = range_json(r, _places(s, site))
        s.delete(r)
        record_change(s, events, actor, now, "range.deleted", site.id, _target(expert, r), before, None, PART)

    ctx.transact(work)
