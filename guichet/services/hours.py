"""Opening hours: the site's weekly ranges, each service's own ranges within them, and dated
exceptions (a closed day or replacement hours), set from the pages, the REST API or the CLI's compact
text form ("mon-fri=08:30-12:30,13:30-17:30").

Weekly ranges are replaced as a whole, validated first (closing after opening, no overlap within a
day). Every change is audited and tells kiosks and screens to reload (part "hours").
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core import opening
from ..core.errors import DomainError, Invalid, NotFound, Unprocessable
from ..core.numbering import business_day
from ..models import OpeningException, OpeningHours, Service, Site
from .changes import record_change
from .context import Actor, Context, Event
from .guards import managed_site, site_by_slug
from .inputs import Input

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SPEC_RE = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)=(?P<ranges>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$"
)
# "HH:MM" in the site's local time; zero-padded, so these strings compare like the times they name.
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:30"])]
MAX_RANGES = 28


class RangeIn(Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    opens: HHMM
    closes: HHMM

    @model_validator(mode="after")
    def closes_after_opening(self) -> RangeIn:
        if self.closes <= self.opens:
            raise PydanticCustomError("hours_order", "closes must be after opens")
        return self


class WeeklyIn(Input):
    """Every weekly range (several on a day: a split day); none at all: no hours, always open."""

    weekly: list[RangeIn] = Field(max_length=MAX_RANGES)

    @field_validator("weekly")
    @classmethod
    def no_overlap(cls, ranges: list[RangeIn]) -> list[RangeIn]:
        for day in range(7):
            todays = sorted((r for r in ranges if r.weekday == day), key=lambda r: r.opens)
            for first, second in zip(todays, todays[1:], strict=False):
                if second.opens < first.closes:
                    raise PydanticCustomError(
                        "hours_overlap", "ranges overlap on weekday {weekday}", {"weekday": day}
                    )
        return ranges


class ClosureIn(Input):
    """A dated exception: no hours closes the whole day; hours replace the day's usual ranges."""

    day: date = Field(description="Local date, today or later")
    opens: HHMM | None = None
    closes: HHMM | None = None
    label: str = Field("", max_length=200, description="Shown to managers, e.g. « Pont de l'Ascension »")

    @model_validator(mode="after")
    def both_or_none(self) -> ClosureIn:
        if (self.opens is None) != (self.closes is None):
            raise PydanticCustomError("closure_hours_incomplete", "give both opens and closes, or neither")
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise PydanticCustomError("hours_order", "closes must be after opens")
        return self


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def weekly_json(site: Site, service_id: int | None) -> list[dict[str, Any]]:
    rows = [h for h in site.hours if h.service_id == service_id]
    return [
        {"weekday": h.weekday, "opens": _hhmm(h.opens), "closes": _hhmm(h.closes)}
        for h in sorted(rows, key=lambda h: (h.weekday, h.opens))
    ]


def closure_json(e: OpeningException) -> dict[str, Any]:
    return {
        "id": e.id,
        "day": e.day.isoformat(),
        "opens": _hhmm(e.opens) if e.opens else None,
        "closes": _hhmm(e.closes) if e.closes else None,
        "label": e.label,
    }


def _service(s: Session, site: Site, code: str) -> Service:
    sv = s.scalar(select(Service).where(Service.site_id == site.id, Service.code == code))
    if sv is None:
        raise NotFound("service_not_found", service=code)
    return sv


def _replace_weekly(
    s: Session, site: Site, service_id: int | None, weekly: dict[int, list[opening.Range]]
) -> int:
    """Delete the site's (or the service's) weekly ranges and write these instead."""
    owner = OpeningHours.service_id.is_(None) if service_id is None else OpeningHours.service_id == service_id
    s.execute(delete(OpeningHours).where(OpeningHours.site_id == site.id, owner))
    count = 0
    for day, ranges in sorted(weekly.items()):
        for r in ranges:
            s.add(
                OpeningHours(
                    site_id=site.id, service_id=service_id, weekday=day, opens=r.opens, closes=r.closes
                )
            )
            count += 1
    s.flush()
    s.expire(site, ["hours"])
    return count


def _as_weekly(data: WeeklyIn) -> dict[int, list[opening.Range]]:
    weekly: dict[int, list[opening.Range]] = {}
    for r in data.weekly:
        weekly.setdefault(r.weekday, []).append(
            opening.Range(time.fromisoformat(r.opens), time.fromisoformat(r.closes))
        )
    return weekly


# --- weekly hours -----------------------------------------------------------------------------------


def get_hours(ctx: Context, actor: Actor, slug: str, service: str | None = None) -> dict[str, Any]:
    """The site's weekly ranges, or one service's own (empty: the service follows the site's)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        service_id = _service(s, site, service).id if service is not None else None
        return {"weekly": weekly_json(site, service_id)}


def set_hours(
    ctx: Context, actor: Actor, slug: str, data: WeeklyIn, service: str | None = None
) -> dict[str, Any]:
    """Replace the weekly ranges as a whole; tickets already issued keep their place in the queue."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        sv = _service(s, site, service) if service is not None else None
        service_id = sv.id if sv is not None else None
        before = weekly_json(site, service_id)
        _replace_weekly(s, site, service_id, _as_weekly(data))
        after = weekly_json(site, service_id)
        if after != before:
            kind, target = ("service.hours", sv.code) if sv is not None else ("site.hours", site.slug)
            record_change(
                s,
                events,
                actor,
                ctx.clock(),
                kind,
                site.id,
                target,
                {"weekly": before},
                {"weekly": after},
                "hours",
            )
        return {"weekly": after}

    return ctx.transact(work)


# --- dated exceptions and closures ------------------------------------------------------------------


def list_closures(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Exceptions from today on, by date (past ones are history: they no longer change anything)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        today = business_day(ctx.clock(), site.timezone)
        return [closure_json(e) for e in sorted(site.exceptions, key=lambda e: e.day) if e.day >= today]


def add_closure(ctx: Context, actor: Actor, slug: str, data: ClosureIn) -> dict[str, Any]:
    """A closed day or a day's replacement hours: today or later, one per day."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        if data.day < business_day(now, site.timezone):
            raise Unprocessable("closure_in_past", field="day", day=data.day.isoformat())
        taken = s.scalar(
            select(OpeningException.id).where(
                OpeningException.site_id == site.id, OpeningException.day == data.day
            )
        )
        if taken is not None:
            raise DomainError("closure_day_taken", field="day", day=data.day.isoformat())
        row = OpeningException(
            site_id=site.id,
            day=data.day,
            opens=time.fromisoformat(data.opens) if data.opens else None,
            closes=time.fromisoformat(data.closes) if data.closes else None,
            label=data.label,
        )
        s.add(row)
        s.flush()
        after = closure_json(row)
        record_change(
            s, events, actor, now, "site.closure_added", site.id, after["day"], None, after, "hours"
        )
        return after

    return ctx.transact(work)


def delete_closure(ctx: Context, actor: Actor, slug: str, closure_id: int) -> None:
    """The day goes back to its usual weekly ranges."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        row = s.get(OpeningException, closure_id)
        if row is None or row.site_id != site.id:
            raise NotFound("closure_not_found")
        before = closure_json(row)
        s.delete(row)
        record_change(
            s,
            events,
            actor,
            ctx.clock(),
            "site.closure_deleted",
            site.id,
            before["day"],
            before,
            None,
            "hours",
        )

    ctx.transact(work)


# --- the command line's text form -------------------------------------------------------------------


def parse_spec(spec: str) -> dict[int, list[opening.Range]]:
    """Weekday (0 = Monday) -> ranges; refuses anything ambiguous with a clear message."""
    match = SPEC_RE.match(spec.strip().lower())
    if not match:
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    first, _, last = match["days"].partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    ranges = []
    for part in match["ranges"].split(","):
        try:
            opens, closes = (time.fromisoformat(x) for x in part.split("-"))
            ranges.append(opening.Range(opens, closes))
        except ValueError as exc:
            raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30") from exc
    ordered = sorted(ranges, key=lambda r: r.opens)
    if any(b.opens < a.closes for a, b in zip(ordered, ordered[1:], strict=False)):
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    return {day: ranges for day in range(start, end + 1)}


def set_weekly_hours(ctx: Context, site_slug: str, specs: list[str]) -> int:
    """Replace the site's weekly hours (no spec at all: no hours, the site counts as always open)."""
    weekly: dict[int, list[opening.Range]] = {}
    for spec in specs:
        weekly.update(parse_spec(spec))

    def work(s: Session, events: list[Event]) -> int:
        site = site_by_slug(s, site_slug)
        count = _replace_weekly(s, site, None, weekly)
        # Run from the command line (no actor); kiosks and screens reload the new hours.
        record_change(
            s, events, None, ctx.clock(), "site.hours", site.id, site.slug, None, {"hours": specs}, "hours"
        )
        return count

    return ctx.transact(work)
