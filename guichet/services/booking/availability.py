"""Experts' availability for a motif: what `core.slots.free_slots` needs, loaded from the database
(opening ranges, bookings and holds, absences, closed days).

Busy intervals are read with a margin around the dates asked for, so that a booking late the day
before, or a hold across midnight, still blocks what it overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.slots import Calendar, OpeningRange, SlotRules, duration_for
from ...models import (
    ACTIVE_STATUSES,
    Absence,
    Appointment,
    Motif,
    OpeningRangeRow,
    Place,
    PlaceClosure,
    Site,
    SlotHold,
    User,
    UserService,
)
from ..site_rules import closed_days, settings_of

Intervals = dict[int, list[tuple[int, int]]]


@dataclass
class SlotInputs:
    """What free_slots needs for one motif and a range of days, and what formatting a slot needs."""

    ranges: list[OpeningRange]
    calendar: Calendar
    rules: SlotRules
    tz: ZoneInfo
    places: dict[int, Place]


def epoch(d: datetime) -> int:
    """Seconds since the epoch: core.slots counts in integer seconds."""
    return int(d.timestamp())


def _opening_ranges(
    s: Session, site: Site, motif: Motif, places: dict[int, Place], place_id: int | None
) -> list[OpeningRange]:
    """The active experts' ranges that may take the motif: those listing it, or, when a range lists no
    motif, those of experts serving its service (an expert serving nothing in particular serves all)."""
    stmt = select(OpeningRangeRow).where(OpeningRangeRow.site_id == site.id)
    if place_id is not None:
        stmt = stmt.where(OpeningRangeRow.place_id == place_id)
    rows = s.scalars(stmt).all()
    experts = {u.id: u for u in s.scalars(select(User).where(User.id.in_({r.expert_id for r in rows}))).all()}
    served: dict[int, set[int]] = {}
    for uid, sid in s.execute(
        select(UserService.user_id, UserService.service_id).where(UserService.user_id.in_(experts))
    ):
        served.setdefault(uid, set()).add(sid)
    ranges = []
    for r in rows:
        expert = experts.get(r.expert_id)
        if expert is None or not expert.active or r.place_id not in places:
            continue
        if r.motifs:
            if motif.id not in {m.id for m in r.motifs}:
                continue
        elif served.get(expert.id) and motif.service_id not in served[expert.id]:
            continue
        ranges.append(
            OpeningRange(
                r.expert_id,
                r.place_id,
                r.weekday,
                r.start_time,
                r.end_time,
                r.valid_from,
                r.valid_until,
                r.every_weeks,
            )
        )
    return ranges


def _busy(
    s: Session, ids: list[int], lo: datetime, hi: datetime, now: datetime, ignore_hold: str | None
) -> Intervals:
    """Active appointments and live holds of these experts between lo and hi, in epoch seconds."""
    busy: Intervals = {}
    for eid, start, end, dur in s.execute(
        select(
            Appointment.expert_id, Appointment.starts_at, Appointment.ends_at, Appointment.duration_min
        ).where(
            Appointment.expert_id.in_(ids),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at < hi,
            Appointment.starts_at >= lo - timedelta(hours=12),
        )
    ):
        if eid is None:  # excluded by in_(ids); said again for the type checker
            continue
        end = end or start + timedelta(minutes=dur)
        busy.setdefault(eid, []).append((epoch(start), epoch(end)))
    holds = select(SlotHold.expert_id, SlotHold.starts_at, SlotHold.ends_at).where(
        SlotHold.expert_id.in_(ids),
        SlotHold.expires_at > now,
        SlotHold.starts_at < hi,
        SlotHold.ends_at > lo,
    )
    if ignore_hold:
        holds = holds.where(SlotHold.token != ignore_hold)
    for eid, start, end in s.execute(holds):
        busy.setdefault(eid, []).append((epoch(start), epoch(end)))
    return busy


def _absences(s: Session, ids: list[int], lo: datetime, hi: datetime) -> Intervals:
    absences: Intervals = {}
    for eid, start, end in s.execute(
        select(Absence.expert_id, Absence.starts_at, Absence.ends_at).where(
            Absence.expert_id.in_(ids), Absence.starts_at < hi, Absence.ends_at > lo
        )
    ):
        absences.setdefault(eid, []).append((epoch(start), epoch(end)))
    return absences


def _closed_by_place(
    s: Session, site: Site, places: dict[int, Place], first: date, last: date
) -> dict[int, frozenset[date]]:
    """Each place's closed days: the national holidays the site does not work, plus its own closures."""
    national = closed_days(settings_of(site), range(first.year, last.year + 1))
    closures = s.execute(
        select(PlaceClosure.place_id, PlaceClosure.first_day, PlaceClosure.last_day).where(
            PlaceClosure.place_id.in_(places), PlaceClosure.last_day >= first, PlaceClosure.first_day <= last
        )
    ).all()
    closed: dict[int, frozenset[date]] = {}
    for pid in places:
        days = set(national)
        for cpid, d0, d1 in closures:
            if cpid == pid:
                days.update(d0 + timedelta(days=k) for k in range((d1 - d0).days + 1))
        closed[pid] = frozenset(days)
    return closed


def load_inputs(
    s: Session,
    site: Site,
    motif: Motif,
    persons: int,
    first: date,
    last: date,
    now: datetime,
    place_id: int | None = None,
    ignore_hold: str | None = None,
) -> SlotInputs:
    """Load what free_slots needs for one motif between two local dates (a hold being turned into a
    booking is `ignore_hold`: it must not hide its own slot)."""
    tz = ZoneInfo(site.timezone)
    places = {p.id: p for p in s.scalars(select(Place).where(Place.site_id == site.id, Place.active)).all()}
    ranges = _opening_ranges(s, site, motif, places, place_id)
    ids = sorted({r.expert_id for r in ranges})
    lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=tz).astimezone(UTC)
    busy = _busy(s, ids, lo, hi, now, ignore_hold) if ids else {}
    absences = _absences(s, ids, lo, hi) if ids else {}
    rules = SlotRules(
        duration_min=duration_for(motif.duration_min, motif.extra_per_person_min, persons),
        min_delay_min=motif.min_delay_min,
        max_delay_days=motif.max_delay_days,
        buffer_min=motif.buffer_min,
        step_min=motif.duration_min,
    )
    calendar = Calendar(
        busy=busy, absences=absences, closed_days=_closed_by_place(s, site, places, first, last)
    )
    return SlotInputs(ranges, calendar, rules, tz, places)
