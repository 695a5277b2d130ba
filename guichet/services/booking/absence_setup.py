"""Experts' absences (leave, training), set up by managers: entered in the site's local time, stored
as UTC instants (what availability.py compares slots with), and refused over booked appointments,
which the manager moves or cancels first so that nobody comes to an empty office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import DomainError, NotFound, Unprocessable
from ...models import ACTIVE_STATUSES, Absence, Appointment, Site, User
from ..changes import record_change
from ..context import Actor, Context, Event
from ..guards import managed_site
from ..inputs import Input
from .expert_agenda import PART, expert_of

# Appointments last at most a few hours: one starting this long before an absence cannot reach it.
LONGEST_APPOINTMENT = timedelta(hours=12)


class AbsenceIn(Input):
    starts_at: datetime = Field(description="Local time at the site, YYYY-MM-DDTHH:MM")
    ends_at: datetime = Field(description="Local time at the site, after starts_at")
    label: str = Field("", max_length=200, description="e.g. Congés, Formation")


def _local(value: datetime, site: Site) -> datetime:
    """A time entered at the site: without an offset it is the site's wall clock."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(site.timezone))
    return value.astimezone(UTC)


def absence_json(a: Absence, site: Site) -> dict[str, Any]:
    tz = ZoneInfo(site.timezone)
    return {
        "id": a.id,
        "expert_id": a.expert_id,
        "starts_at": a.starts_at.astimezone(tz).isoformat(),
        "ends_at": a.ends_at.astimezone(tz).isoformat(),
        "label": a.label,
    }


def overlapping_appointments(
    s: Session, expert_id: int, starts: datetime, ends: datetime, now: datetime
) -> int:
    """Booked future appointments of the expert that the absence would leave without anyone."""
    rows = s.execute(
        select(Appointment.starts_at, Appointment.ends_at, Appointment.duration_min).where(
            Appointment.expert_id == expert_id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= now,
            Appointment.starts_at < ends,
            Appointment.starts_at > starts - LONGEST_APPOINTMENT,
        )
    ).all()
    return sum(1 for start, end, dur in rows if (end or start + timedelta(minutes=dur)) > starts)


def list_absences(ctx: Context, actor: Actor, slug: str, user_id: int) -> list[dict[str, Any]]:
    """The expert's absences not yet over, soonest first."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        expert_of(s, site, user_id, active=False)
        rows = s.scalars(
            select(Absence)
            .where(Absence.expert_id == user_id, Absence.ends_at > ctx.clock())
            .order_by(Absence.starts_at, Absence.id)
        ).all()
        return [absence_json(a, site) for a in rows]


def _target(expert: User, a: Absence) -> str:
    return f"{expert.username} #{a.id}"


def add_absence(ctx: Context, actor: Actor, slug: str, user_id: int, data: AbsenceIn) -> dict[str, Any]:
    """An absence of an expert of the site, audited; its slots disappear from the booking at once."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        expert = expert_of(s, site, user_id, active=False, lock=True)
        starts, ends = _local(data.starts_at, site), _local(data.ends_at, site)
        if not starts < ends:
            raise Unprocessable("absence_times_inverted", field="ends_at")
        if ends <= now:
            raise Unprocessable("absence_in_the_past", field="ends_at")
        count = overlapping_appointments(s, expert.id, starts, ends, now)
        if count:
            raise DomainError("absence_has_appointments", field="starts_at", count=count)
        a = Absence(expert_id=expert.id, starts_at=starts, ends_at=ends, label=data.label)
        s.add(a)
        s.flush()
        after = absence_json(a, site)
        record_change(
            s, events, actor, now, "absence.created", site.id, _target(expert, a), None, after, PART
        )
        return after

    return ctx.transact(work)


def _absence(s: Session, site: Site, absence_id: int) -> tuple[Absence, User]:
    """An absence of an expert of this site (an every-site expert's absences belong to each site)."""
    a = s.get(Absence, absence_id)
    if a is None:
        raise NotFound("absence_not_found", absence=absence_id)
    try:
        return a, expert_of(s, site, a.expert_id, active=False, lock=True)
    except Unprocessable:
        raise NotFound("absence_not_found", absence=absence_id) from None


def delete_absence(ctx: Context, actor: Actor, slug: str, absence_id: int) -> None:
    """The expert is back: the absence goes and its slots are bookable again."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        a, expert = _absence(s, site, absence_id)
        before = absence_json(a, site)
        s.delete(a)
        record_change(
            s, events, actor, ctx.clock(), "absence.deleted", site.id, _target(expert, a), before, None, PART
        )

    ctx.transact(work)
