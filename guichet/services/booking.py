"""Online booking: motifs, free slots, short holds, and the booking itself, never twice on one slot.

No double booking: a booking runs in one write transaction that first locks the experts who could take
the slot (PostgreSQL: `SELECT … FOR UPDATE` on their user rows, in id order; SQLite: the whole write
transaction is serialised by BEGIN IMMEDIATE), then recomputes the free slots of that day from the
database and inserts. A partial unique index (expert, start) on active appointments is the backstop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.slots import (
    Calendar,
    OpeningRange,
    Slot,
    SlotRules,
    duration_for,
    first_free_per_start,
    free_slots,
)
from ..models import (
    ACTIVE_STATUSES,
    Absence,
    Appointment,
    Case,
    Motif,
    Notification,
    OpeningRangeRow,
    Place,
    PlaceClosure,
    Site,
    SlotHold,
    User,
    UserService,
    WaitlistRequest,
)
from .checkin import new_booking_code
from .context import Actor, Context, Event
from .guards import check_site, is_staff, site_by_slug
from .site_rules import settings_of

ANTS_RE = re.compile(r"^[A-Z0-9]{10}$")
HOLD_MINUTES = 10
MAX_SEARCH_DAYS = 62
def closed_days(site: Site, years: range) -> frozenset[date]:
    """National holidays for the site's subdivision (e.g. "57" adds Good Friday and 26 December in
    Alsace-Moselle), minus the holidays the site works (settings `worked_holidays`: ISO dates or
    holiday names such as "Lundi de Pentecôte")."""
    cfg = settings_of(site)
    calendar = holidays.country_holidays(
        "FR", subdiv=cfg.holiday_subdivision, years=list(years), language="fr"
    )
    worked = {x.strip().lower() for x in cfg.worked_holidays}
    return frozenset(
        d
        for d, name in calendar.items()
        if d.isoformat() not in worked and str(name).strip().lower() not in worked
    )


def motif_json(m: Motif) -> dict[str, Any]:
    return {
        "code": m.code,
        "label": m.label,
        "service": m.service.code,
        "duration_min": m.duration_min,
        "extra_per_person_min": m.extra_per_person_min,
        "max_persons": m.max_persons,
        "min_delay_min": m.min_delay_min,
        "max_delay_days": m.max_delay_days,
        "bookable_by": m.bookable_by,
        "instructions": m.instructions,
        "requires_ants": m.requires_ants,
    }


def list_motifs(ctx: Context, slug: str, actor: Actor | None = None) -> dict[str, Any]:
    """Motifs citizens may book (agents also see the agents-only ones), with the site's places."""
    with ctx.db.session() as s:
        site = site_by_slug(s, slug)
        stmt = select(Motif).where(Motif.site_id == site.id, Motif.active).order_by(Motif.sort, Motif.label)
        if not is_staff(actor):
            stmt = stmt.where(Motif.bookable_by == "everyone")
        places = s.scalars(
            select(Place).where(Place.site_id == site.id, Place.active).order_by(Place.id)
        ).all()
        return {
            "site": {"slug": site.slug, "name": site.name, "timezone": site.timezone},
            "motifs": [motif_json(m) for m in s.scalars(stmt).all()],
            "places": [{"id": p.id, "name": p.name, "address": p.address} for p in places],
        }


def _motif(s: Session, site: Site, code: str, actor: Actor | None) -> Motif:
    m = s.scalar(select(Motif).where(Motif.site_id == site.id, Motif.code == code, Motif.active))
    if m is None or (m.bookable_by != "everyone" and not is_staff(actor)):
        raise NotFound("motif_not_found", motif=code)
    return m


@dataclass
class _Inputs:
    ranges: list[OpeningRange]
    calendar: Calendar
    rules: SlotRules
    tz: ZoneInfo
    places: dict[int, Place]


def _ts(d: datetime) -> int:
    return int(d.timestamp())


def _inputs(
    s: Session,
    site: Site,
    motif: Motif,
    persons: int,
    first: date,
    last: date,
    now: datetime,
    place_id: int | None = None,
    expert_ids: list[int] | None = None,
    ignore_hold: str | None = None,
) -> _Inputs:
    """Load what free_slots needs for one motif between two local dates."""
    tz = ZoneInfo(site.timezone)
    stmt = select(OpeningRangeRow).where(OpeningRangeRow.site_id == site.id)
    if place_id is not None:
        stmt = stmt.where(OpeningRangeRow.place_id == place_id)
    if expert_ids is not None:
        stmt = stmt.where(OpeningRangeRow.expert_id.in_(expert_ids))
    rows = s.scalars(stmt).all()
    experts = {u.id: u for u in s.scalars(select(User).where(User.id.in_({r.expert_id for r in rows}))).all()}
    served: dict[int, set[int]] = {}
    for uid, sid in s.execute(
        select(UserService.user_id, UserService.service_id).where(UserService.user_id.in_(experts))
    ):
        served.setdefault(uid, set()).add(sid)
    places = {p.id: p for p in s.scalars(select(Place).where(Place.site_id == site.id, Place.active)).all()}
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
    ids = sorted({r.expert_id for r in ranges})
    lo = datetime.combine(first - timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=2), time(0), tzinfo=tz).astimezone(UTC)
    busy: dict[int, list[tuple[int, int]]] = {}
    if ids:
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
            end = end or start + timedelta(minutes=dur)
            busy.setdefault(eid, []).append((_ts(start), _ts(end)))
        holds = select(SlotHold.expert_id, SlotHold.starts_at, SlotHold.ends_at).where(
            SlotHold.expert_id.in_(ids),
            SlotHold.expires_at > now,
            SlotHold.starts_at < hi,
            SlotHold.ends_at > lo,
        )
        if ignore_hold:
            holds = holds.where(SlotHold.token != ignore_hold)
        for eid, start, end in s.execute(holds):
            busy.setdefault(eid, []).append((_ts(start), _ts(end)))
    absences: dict[int, list[tuple[int, int]]] = {}
    if ids:
        for eid, start, end in s.execute(
            select(Absence.expert_id, Absence.starts_at, Absence.ends_at).where(
                Absence.expert_id.in_(ids), Absence.starts_at < hi, Absence.ends_at > lo
            )
        ):
            absences.setdefault(eid, []).append((_ts(start), _ts(end)))
    national = closed_days(site, range(first.year, last.year + 1))
    closed: dict[int, frozenset[date]] = {}
    closures = s.execute(
        select(PlaceClosure.place_id, PlaceClosure.first_day, PlaceClosure.last_day).where(
            PlaceClosure.place_id.in_(places), PlaceClosure.last_day >= first, PlaceClosure.first_day <= last
        )
    ).all()
    for pid in places:
        days = set(national)
        for cpid, d0, d1 in closures:
            if cpid == pid:
                days.update(d0 + timedelta(days=k) for k in range((d1 - d0).days + 1))
        closed[pid] = frozenset(days)
    rules = SlotRules(
        duration_min=duration_for(motif.duration_min, motif.extra_per_person_min, persons),
        min_delay_min=motif.min_delay_min,
        max_delay_days=motif.max_delay_days,
        buffer_min=motif.buffer_min,
        step_min=motif.duration_min,
    )
    return _Inputs(ranges, Calendar(busy=busy, absences=absences, closed_days=closed), rules, tz, places)


def _persons(motif: Motif, persons: int) -> int:
    if persons < 1 or persons > max(1, motif.max_persons):
        raise Invalid("persons_out_of_range", max=max(1, motif.max_persons))
    return persons


def _slot_json(slot: Slot, inp: _Inputs) -> dict[str, Any]:
    place = inp.places[slot.place_id]
    return {
        "start": datetime.fromtimestamp(slot.start, inp.tz).isoformat(),
        "end": datetime.fromtimestamp(slot.end, inp.tz).isoformat(),
        "place": {"id": place.id, "name": place.name},
    }


def _public_slots(slots: list[Slot]) -> list[Slot]:
    """One slot per (place, start): the citizen picks a time and a place, not an expert."""
    by_place: dict[int, list[Slot]] = {}
    for slot in slots:
        by_place.setdefault(slot.place_id, []).append(slot)
    out = [x for group in by_place.values() for x in first_free_per_start(group)]
    out.sort(key=lambda x: (x.start, x.place_id))
    return out


def find_slots(
    ctx: Context,
    slug: str,
    motif_code: str,
    first: date,
    last: date,
    persons: int = 1,
    place_id: int | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    if last < first:
        raise Invalid("date_range_inverted")
    if (last - first).days > MAX_SEARCH_DAYS:
        raise Invalid("date_range_too_long", days=MAX_SEARCH_DAYS)
    now = ctx.clock()
    with ctx.db.session() as s:
        site = site_by_slug(s, slug)
        motif = _motif(s, site, motif_code, actor)
        inp = _inputs(s, site, motif, _persons(motif, persons), first, last, now, place_id)
        slots = _public_slots(free_slots(inp.ranges, inp.rules, inp.calendar, now, first, last, inp.tz))
        return {
            "motif": motif_json(motif),
            "duration_min": inp.rules.duration_min,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "slots": [_slot_json(x, inp) for x in slots],
        }


def _parse_start(value: str, tz: ZoneInfo) -> datetime:
    try:
        start = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Invalid("start_malformed") from exc
    if start.tzinfo is None:
        raise Invalid("start_needs_offset")
    return start


def _lock_experts(s: Session, ids: list[int]) -> None:
    """Serialise bookings per expert: PostgreSQL row locks in id order (no deadlock between two
    bookings locking overlapping sets); SQLite's write transaction is already exclusive."""
    if ids and s.get_bind().dialect.name == "postgresql":
        s.execute(select(User.id).where(User.id.in_(sorted(ids))).order_by(User.id).with_for_update())


def _free_at(
    s: Session,
    site: Site,
    motif: Motif,
    persons: int,
    start: datetime,
    now: datetime,
    place_id: int | None,
    ignore_hold: str | None = None,
    lock: bool = False,
) -> tuple[list[Slot], _Inputs]:
    """The free slots (one per expert) starting exactly at `start`, recomputed from the database."""
    tz = ZoneInfo(site.timezone)
    day = start.astimezone(tz).date()
    inp = _inputs(s, site, motif, persons, day, day, now, place_id)
    if lock:
        _lock_experts(s, sorted({r.expert_id for r in inp.ranges}))
        # Re-read after taking the locks: a booking committed meanwhile is now visible.
        inp = _inputs(s, site, motif, persons, day, day, now, place_id, ignore_hold=ignore_hold)
    elif ignore_hold:
        inp = _inputs(s, site, motif, persons, day, day, now, place_id, ignore_hold=ignore_hold)
    slots = free_slots(inp.ranges, inp.rules, inp.calendar, now, day, day, tz)
    target = _ts(start)
    return [x for x in slots if x.start == target], inp


def _next_free(
    s: Session, site: Site, motif: Motif, persons: int, after: datetime, now: datetime, n: int = 3
):  # type: ignore[no-untyped-def]
    tz = ZoneInfo(site.timezone)
    first = after.astimezone(tz).date()
    inp = _inputs(s, site, motif, persons, first, first + timedelta(days=14), now)
    slots = _public_slots(
        free_slots(inp.ranges, inp.rules, inp.calendar, now, first, first + timedelta(days=14), tz)
    )
    return [_slot_json(x, inp) for x in slots if x.start > _ts(after)][:n]


def hold_slot(
    ctx: Context,
    slug: str,
    motif_code: str,
    start_iso: str,
    persons: int = 1,
    place_id: int | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Keep a slot for HOLD_MINUTES while the contact form is filled in."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        site = site_by_slug(s, slug)
        motif = _motif(s, site, motif_code, actor)
        n = _persons(motif, persons)
        start = _parse_start(start_iso, ZoneInfo(site.timezone))
        free, _inp = _free_at(s, site, motif, n, start, now, place_id, lock=True)
        if not free:
            raise DomainError("slot_taken", next=_next_free(s, site, motif, n, start, now))
        slot = free[0]
        token = secrets.token_urlsafe(24)
        s.add(
            SlotHold(
                token=token,
                expert_id=slot.expert_id,
                motif_id=motif.id,
                place_id=slot.place_id,
                starts_at=datetime.fromtimestamp(slot.start, UTC),
                ends_at=datetime.fromtimestamp(slot.end, UTC),
                expires_at=now + timedelta(minutes=HOLD_MINUTES),
            )
        )
        return {"hold": token, "expires_at": (now + timedelta(minutes=HOLD_MINUTES)).isoformat()}

    return ctx.transact(work)


@dataclass(frozen=True)
class BookingRequest:
    site: str
    motif: str
    start: str
    name: str
    email: str
    phone: str | None = None
    persons: int = 1
    place: int | None = None
    ants_number: str | None = None
    hold: str | None = None
    case_id: int | None = None


def appointment_json(a: Appointment, tz: ZoneInfo, place: Place | None = None) -> dict[str, Any]:
    return {
        "code": a.code,
        "status": a.status,
        "start": a.starts_at.astimezone(tz).isoformat(),
        "end": (a.ends_at or a.starts_at + timedelta(minutes=a.duration_min)).astimezone(tz).isoformat(),
        "duration_min": a.duration_min,
        "service": a.service.code,
        "service_label": a.service.label_fr,
        "place": {"id": place.id, "name": place.name, "address": place.address} if place else None,
        "persons": a.persons,
    }


def notification(a: Appointment, kind: str, now: datetime, **extra: Any) -> Notification:
    """An e-mail to send about `a`, with the appointment as it is now: a later change must not
    rewrite what an earlier message says."""
    assert a.contact_email
    snapshot = {
        "starts_at": a.starts_at.astimezone(UTC).isoformat(),
        "ends_at": (a.ends_at or a.starts_at + timedelta(minutes=a.duration_min)).astimezone(UTC).isoformat(),
        "sequence": a.ical_sequence,
        "status": a.status,
        "place_id": a.place_id,
        **extra,
    }
    return Notification(
        appointment_id=a.id, kind=kind, recipient=a.contact_email, data=snapshot, created_at=now
    )


def book(ctx: Context, req: BookingRequest, actor: Actor | None = None) -> dict[str, Any]:
    """Book a slot for a citizen (online) or on their behalf (agent); exactly one booking per slot."""
    email = req.email.strip().lower()
    ants = (req.ants_number or "").strip().upper() or None

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        site = site_by_slug(s, req.site)
        if actor is not None:
            check_site(actor, site.id)
        motif = _motif(s, site, req.motif, actor)
        persons = _persons(motif, req.persons)
        tz = ZoneInfo(site.timezone)
        if req.case_id is not None:
            if not is_staff(actor):
                raise Forbidden("role", role=actor.role if actor else "anonymous")
            case = s.get(Case, req.case_id)
            if case is None or case.site_id != site.id:
                raise NotFound("case_not_found", case=req.case_id)
        start = _parse_start(req.start, tz)
        if motif.requires_ants:
            if ants is None:
                raise Invalid("ants_required")
            if not ANTS_RE.match(ants):
                raise Invalid("ants_malformed")
        elif ants is not None:
            raise Invalid("ants_not_expected")
        free, inp = _free_at(s, site, motif, persons, start, now, req.place, ignore_hold=req.hold, lock=True)
        if req.hold:
            held = s.scalar(select(SlotHold).where(SlotHold.token == req.hold, SlotHold.expires_at > now))
            if held is not None:
                free = [x for x in free if x.expert_id == held.expert_id] or free
        if not free:
            raise DomainError("slot_taken", next=_next_free(s, site, motif, persons, start, now))
        if ants is not None and s.scalar(
            select(Appointment.id).where(
                Appointment.ants_number == ants, Appointment.status.in_(ACTIVE_STATUSES)
            )
        ):
            raise DomainError("ants_already_used")
        mine = s.scalar(
            select(func.count()).where(
                Appointment.contact_email == email,
                Appointment.motif_id == motif.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at > now,
            )
        )
        if int(mine or 0) >= motif.max_per_contact:
            raise DomainError("too_many_appointments", max=motif.max_per_contact)
        slot = free[0]
        code = new_booking_code()
        while s.scalar(select(Appointment.id).where(Appointment.code == code)):
            code = new_booking_code()
        a = Appointment(
            site_id=site.id,
            service_id=motif.service_id,
            expert_id=slot.expert_id,
            starts_at=datetime.fromtimestamp(slot.start, UTC),
            ends_at=datetime.fromtimestamp(slot.end, UTC),
            duration_min=(slot.end - slot.start) // 60,
            code=code,
            status="booked",
            created_at=now,
            motif_id=motif.id,
            place_id=slot.place_id,
            persons=persons,
            contact_name=req.name.strip(),
            contact_email=email,
            contact_phone=(req.phone or "").strip() or None,
            ants_number=ants,
            channel=("escalation" if req.case_id else "agent") if is_staff(actor) else "online",
            booked_by_id=actor.user_id if is_staff(actor) and actor else None,
            ical_uid=f"{secrets.token_hex(16)}@guichet",
            case_id=req.case_id,
        )
        a.service = motif.service
        s.add(a)
        if req.hold:
            s.query(SlotHold).filter(SlotHold.token == req.hold).delete()
        s.flush()
        s.add(notification(a, "confirmation", now))
        events.append(Event("appointment_booked", site.id, {"service": motif.service.code}))
        return citizen_json(ctx, a, site, inp.places.get(slot.place_id), motif, with_link=True)

    try:
        return ctx.transact(work)
    except IntegrityError as exc:
        # The unique indexes are the backstop of the lock: report a lost race as what it is.
        text = str(exc.orig).lower()
        if "ants" in text:
            raise DomainError("ants_already_used") from exc
        raise DomainError("slot_taken", next=[]) from exc


def get_appointment(ctx: Context, code: str) -> tuple[Appointment, Site, Place | None]:
    """An appointment by its code (the code is the citizen's secret: 8 characters of 31)."""
    with ctx.db.session() as s:
        a, site, place, _motif = _load(s, code)
        s.expunge_all()
        return a, site, place


def purge_expired_holds(ctx: Context) -> int:
    def work(s: Session, events: list[Event]) -> int:
        res = s.query(SlotHold).filter(SlotHold.expires_at <= ctx.clock()).delete()
        return int(res or 0)

    return ctx.transact(work)


# --- the citizen's signed link: see, cancel, move, waitlist ----------------------------------------


def signature(ctx: Context, code: str) -> str:
    """The unguessable part of a manage link (HMAC-SHA256 of the code with the secret key, 128 bits)."""
    key = ctx.settings.secret_key.encode()
    return hmac.new(key, b"manage:" + code.encode(), hashlib.sha256).hexdigest()[:32]


def manage_url(ctx: Context, code: str) -> str:
    return f"{ctx.settings.public_url}/rdv/gerer/{code}/{signature(ctx, code)}"


def _check_signature(ctx: Context, code: str, sig: str | None) -> None:
    if not sig or not hmac.compare_digest(str(sig)[:64], signature(ctx, code)):
        raise Forbidden("bad_signature")


def change_until(ctx: Context, a: Appointment) -> datetime:
    return a.starts_at - timedelta(hours=ctx.settings.booking_change_limit_h)


def citizen_json(
    ctx: Context,
    a: Appointment,
    site: Site,
    place: Place | None,
    motif: Motif | None,
    with_link: bool = False,
) -> dict[str, Any]:
    out = appointment_json(a, ZoneInfo(site.timezone), place)
    limit = change_until(ctx, a)
    out.update(
        {
            "site": {"slug": site.slug, "name": site.name},
            "motif": motif.code if motif else None,
            "motif_label": motif.label if motif else a.service.label_fr,
            "instructions": motif.instructions if motif else "",
            "ics_url": f"{ctx.settings.public_url}/api/v1/appointments/{a.code}.ics",
            "can_change": a.status == "booked" and ctx.clock() < limit,
            "change_until": limit.astimezone(ZoneInfo(site.timezone)).isoformat(),
        }
    )
    if with_link:
        out["manage_url"] = manage_url(ctx, a.code)
    return out


def _load(s: Session, code: str, lock: bool = False) -> tuple[Appointment, Site, Place | None, Motif | None]:
    stmt = select(Appointment).where(Appointment.code == (code or "")[:16].upper())
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Appointment)
    a = s.scalar(stmt)
    if a is None:
        raise NotFound("booking_not_found")
    site = s.get(Site, a.site_id)
    assert site is not None
    place = s.get(Place, a.place_id) if a.place_id else None
    motif = s.get(Motif, a.motif_id) if a.motif_id else None
    return a, site, place, motif


def view_appointment(ctx: Context, code: str, sig: str | None) -> dict[str, Any]:
    with ctx.db.session() as s:
        a, site, place, motif = _load(s, code)
        _check_signature(ctx, a.code, sig)
        out = citizen_json(ctx, a, site, place, motif, with_link=True)
        out["waitlist"] = s.scalar(
            select(WaitlistRequest.status).where(WaitlistRequest.appointment_id == a.id)
        )
        return out


def _check_changeable(ctx: Context, a: Appointment) -> None:
    if a.status != "booked":
        raise DomainError("appointment_not_active")
    if ctx.clock() >= change_until(ctx, a):
        raise DomainError("change_too_late", hours=ctx.settings.booking_change_limit_h)


def cancel(ctx: Context, code: str, sig: str | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Cancel an appointment: by the citizen with the signed link, or by staff (no time limit)."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        a, site, place, motif = _load(s, code, lock=True)
        by_staff = is_staff(actor) and (actor is not None and actor.site_id in (None, a.site_id))
        if not by_staff:
            _check_signature(ctx, a.code, sig)
            _check_changeable(ctx, a)
        elif a.status not in ACTIVE_STATUSES:
            raise DomainError("appointment_not_active")
        freed = (a.starts_at, a.ends_at, a.expert_id, a.place_id)
        a.status = "cancelled"
        a.cancelled_at = now
        a.cancelled_by = "service" if by_staff else "citizen"
        a.ical_sequence += 1
        if a.contact_email:
            s.add(notification(a, "cancellation", now))
        if motif is not None:
            _offer_freed_slot(s, ctx, site, motif, freed[0], now)
        events.append(Event("appointment_cancelled", site.id, {"service": a.service.code}))
        return citizen_json(ctx, a, site, place, motif)

    return ctx.transact(work)


def move(
    ctx: Context,
    code: str,
    sig: str | None,
    start_iso: str,
    hold: str | None = None,
    place_id: int | None = None,
) -> dict[str, Any]:
    """Move an appointment to another free slot of the same motif: same code, same calendar UID.

    The slot is looked for at the place given (the one the citizen saw with the time); without one,
    at the appointment's place first, then anywhere."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        a, site, place, motif = _load(s, code, lock=True)
        _check_signature(ctx, a.code, sig)
        _check_changeable(ctx, a)
        if motif is None:
            raise DomainError("appointment_not_movable")
        start = _parse_start(start_iso, ZoneInfo(site.timezone))
        old_start = a.starts_at
        # The appointment's own slot must not count as busy while looking for its new place.
        a.status = "cancelled"
        s.flush()
        free, inp = _free_at(s, site, motif, a.persons, start, now, place_id, ignore_hold=hold, lock=True)
        if place_id is None:
            free = [x for x in free if x.place_id == a.place_id] or free
        if not free:
            raise DomainError("slot_taken", next=_next_free(s, site, motif, a.persons, start, now))
        slot = next((x for x in free if x.expert_id == a.expert_id), free[0])
        a.status = "booked"
        a.starts_at = datetime.fromtimestamp(slot.start, UTC)
        a.ends_at = datetime.fromtimestamp(slot.end, UTC)
        a.expert_id, a.place_id = slot.expert_id, slot.place_id
        a.reminder_sent_at = None
        a.ical_sequence += 1
        if hold:
            s.query(SlotHold).filter(SlotHold.token == hold).delete()
        if a.contact_email:
            s.add(notification(a, "change", now))
        _offer_freed_slot(s, ctx, site, motif, old_start, now)
        events.append(Event("appointment_moved", site.id, {"service": a.service.code}))
        return citizen_json(ctx, a, site, inp.places.get(slot.place_id), motif, with_link=True)

    return ctx.transact(work)


MAX_OFFERS = 3


def join_waitlist(ctx: Context, code: str, sig: str | None) -> dict[str, Any]:
    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        a, _site, _place, _motif = _load(s, code)
        _check_signature(ctx, a.code, sig)
        _check_changeable(ctx, a)
        existing = s.scalar(select(WaitlistRequest).where(WaitlistRequest.appointment_id == a.id))
        if existing is None:
            s.add(WaitlistRequest(appointment_id=a.id, created_at=ctx.clock()))
        elif existing.status != "active":
            raise DomainError("waitlist_closed")
        return {"waitlist": "active"}

    return ctx.transact(work)


def _offer_freed_slot(
    s: Session, ctx: Context, site: Site, motif: Motif, freed_start: datetime, now: datetime
) -> None:
    """A slot freed up: offer it by e-mail to the first waiting citizen of the motif whose appointment
    is later (first come, at most MAX_OFFERS offers per request and one per day)."""
    if freed_start <= now:
        return
    rows = s.execute(
        select(WaitlistRequest, Appointment)
        .join(Appointment, Appointment.id == WaitlistRequest.appointment_id)
        .where(
            WaitlistRequest.status == "active",
            Appointment.motif_id == motif.id,
            Appointment.status == "booked",
            Appointment.starts_at > freed_start,
        )
        .order_by(WaitlistRequest.created_at, WaitlistRequest.id)
    ).all()
    today = now.astimezone(ZoneInfo(site.timezone)).date()
    for req, appt in rows:
        if req.last_offer_at and req.last_offer_at.astimezone(ZoneInfo(site.timezone)).date() == today:
            continue
        if not appt.contact_email:
            continue
        req.offers_sent += 1
        req.last_offer_at = now
        if req.offers_sent >= MAX_OFFERS:
            req.status = "closed"
        s.add(notification(appt, "offer", now, start=freed_start.astimezone(UTC).isoformat()))
        return


# --- experts' private calendar feed -----------------------------------------------------------------


def feed_token(ctx: Context, user_id: int) -> str:
    key = ctx.settings.secret_key.encode()
    return hmac.new(key, f"feed:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def feed_url(ctx: Context, actor: Actor) -> dict[str, str]:
    if not is_staff(actor) or actor.user_id is None:
        raise Forbidden("role", role=actor.role)
    token = feed_token(ctx, actor.user_id)
    return {"url": f"{ctx.settings.public_url}/api/v1/experts/{actor.user_id}/calendar/{token}.ics"}


def expert_feed(ctx: Context, user_id: int, token: str) -> bytes:
    """The expert's appointments from 30 days ago on, for a calendar application (no contact data)."""
    from . import ical

    if not hmac.compare_digest((token or "")[:64], feed_token(ctx, user_id)):
        raise NotFound("feed_not_found")
    with ctx.db.session() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("feed_not_found")
        rows = s.scalars(
            select(Appointment)
            .where(
                Appointment.expert_id == user_id, Appointment.starts_at >= ctx.clock() - timedelta(days=30)
            )
            .order_by(Appointment.starts_at)
            .limit(2000)
        ).all()
        sites = {site.id: site for site in s.scalars(select(Site)).all()}
        places = {p.id: p for p in s.scalars(select(Place)).all()}
        items = [(a, sites[a.site_id], places.get(a.place_id or 0)) for a in rows]
        return ical.expert_feed(items, user.display_name)
