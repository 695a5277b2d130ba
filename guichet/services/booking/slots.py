"""Slot searches: the public free times of a motif, the free slots at one start (under lock, for
holds, bookings and moves), and the next free ones offered when a slot was taken.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import Invalid
from ...core.slots import Slot, first_free_per_start, free_slots
from ...models import Motif, Site, User
from ..context import Actor, Context
from ..guards import site_by_slug
from .availability import SlotInputs, epoch, load_inputs
from .motifs import check_persons, find_motif, motif_json

MAX_SEARCH_DAYS = 62


def _slot_json(slot: Slot, inp: SlotInputs) -> dict[str, Any]:
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
    """The free times of a motif between two local dates, at most MAX_SEARCH_DAYS apart: a bounded
    search, since slot search is what bots grabbing slots hammer."""
    if last < first:
        raise Invalid("date_range_inverted")
    if (last - first).days > MAX_SEARCH_DAYS:
        raise Invalid("date_range_too_long", days=MAX_SEARCH_DAYS)
    now = ctx.clock()
    with ctx.db.session() as s:
        site = site_by_slug(s, slug)
        motif = find_motif(s, site, motif_code, actor)
        inp = load_inputs(s, site, motif, check_persons(motif, persons), first, last, now, place_id)
        slots = _public_slots(free_slots(inp.ranges, inp.rules, inp.calendar, now, first, last, inp.tz))
        return {
            "motif": motif_json(motif),
            "duration_min": inp.rules.duration_min,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "slots": [_slot_json(x, inp) for x in slots],
        }


def parse_start(value: str) -> datetime:
    """A slot's start as sent back by a client: ISO 8601 with its offset, so it names one instant."""
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


def free_at(
    s: Session,
    site: Site,
    motif: Motif,
    persons: int,
    start: datetime,
    now: datetime,
    place_id: int | None,
    ignore_hold: str | None = None,
) -> tuple[list[Slot], SlotInputs]:
    """The free slots (one per expert) starting exactly at `start`, recomputed from the database after
    locking the experts who could take it, so that two writers never both see it free."""
    day = start.astimezone(ZoneInfo(site.timezone)).date()
    inp = load_inputs(s, site, motif, persons, day, day, now, place_id, ignore_hold)
    _lock_experts(s, sorted({r.expert_id for r in inp.ranges}))
    # Re-read after taking the locks: a booking committed meanwhile is now visible.
    inp = load_inputs(s, site, motif, persons, day, day, now, place_id, ignore_hold)
    slots = free_slots(inp.ranges, inp.rules, inp.calendar, now, day, day, inp.tz)
    target = epoch(start)
    return [x for x in slots if x.start == target], inp


def next_free(
    s: Session, site: Site, motif: Motif, persons: int, after: datetime, now: datetime, n: int = 3
) -> list[dict[str, Any]]:
    """The next few public slots after a taken one, offered with the `slot_taken` error so the citizen
    can pick again without a new search."""
    tz = ZoneInfo(site.timezone)
    first = after.astimezone(tz).date()
    inp = load_inputs(s, site, motif, persons, first, first + timedelta(days=14), now)
    slots = _public_slots(
        free_slots(inp.ranges, inp.rules, inp.calendar, now, first, first + timedelta(days=14), tz)
    )
    return [_slot_json(x, inp) for x in slots if x.start > epoch(after)][:n]
