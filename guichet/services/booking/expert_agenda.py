"""The experts of a site as their agendas' set-up sees them: who counts as an expert of the site,
what a range form offers, and the preview of the free slots an expert's ranges give (computed by
availability.py and core.slots, exactly as the public search, restricted to the expert)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import Invalid, NotFound, Unprocessable
from ...core.roles import EXPERT
from ...core.slots import Slot, free_slots
from ...models import Motif, Place, Site, User
from ..context import Actor, Context
from ..guards import managed_site
from ..staffing import services_of_users
from .availability import SlotInputs, load_inputs
from .motifs import motif_json
from .slots import MAX_SEARCH_DAYS

PART = "booking"  # what screens reload after a change of an agenda
PREVIEW_DAYS = 14


def expert_of(s: Session, site: Site, user_id: int, active: bool = True, lock: bool = False) -> User:
    """An expert account working at the site (its own or every site); locked, a write on their agenda
    waits for a booking in progress (bookings lock the same rows) and the other way round."""
    stmt = select(User).where(User.id == user_id)
    user = s.scalar(stmt.with_for_update() if lock else stmt)
    if (
        user is None
        or user.role != EXPERT
        or (user.site_id is not None and user.site_id != site.id)
        or (active and not user.active)
    ):
        raise Unprocessable("not_an_expert", field="expert", user=user_id)
    return user


def expert_json(u: User, services: list[str]) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.display_name,
        "username": u.username,
        "active": u.active,
        "services": services,
    }


def list_experts(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """The site's expert accounts (deactivated ones too: their ranges give no slot) and their services."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        users = s.scalars(
            select(User)
            .where(User.role == EXPERT, (User.site_id == site.id) | User.site_id.is_(None))
            .order_by(User.display_name, User.id)
        ).all()
        services = services_of_users(s, [u.id for u in users])
        return [expert_json(u, services[u.id]) for u in users]


def agenda_choices(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """What a range form offers: the site's active places and its motifs, and the site's timezone."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        places = s.scalars(select(Place).where(Place.site_id == site.id, Place.active).order_by(Place.name))
        motifs = s.scalars(select(Motif).where(Motif.site_id == site.id).order_by(Motif.sort, Motif.label))
        return {
            "timezone": site.timezone,
            "places": [{"id": p.id, "name": p.name} for p in places],
            "motifs": [{"code": m.code, "label": m.label, "active": m.active} for m in motifs],
        }


def _slot_json(slot: Slot, inp: SlotInputs) -> dict[str, Any]:
    place = inp.places[slot.place_id]
    return {
        "start": datetime.fromtimestamp(slot.start, inp.tz).isoformat(),
        "end": datetime.fromtimestamp(slot.end, inp.tz).isoformat(),
        "place": {"id": place.id, "name": place.name},
    }


def preview_period(site_tz: str, now: datetime, first: date | None, last: date | None) -> tuple[date, date]:
    """The days asked for: from today (at the site) for PREVIEW_DAYS days unless given, at most
    MAX_SEARCH_DAYS apart like the public search."""
    first = first or now.astimezone(ZoneInfo(site_tz)).date()
    last = last or first + timedelta(days=PREVIEW_DAYS - 1)
    if last < first:
        raise Invalid("date_range_inverted")
    if (last - first).days > MAX_SEARCH_DAYS:
        raise Invalid("date_range_too_long", days=MAX_SEARCH_DAYS)
    return first, last


def preview(
    ctx: Context,
    actor: Actor,
    slug: str,
    user_id: int,
    first: date | None = None,
    last: date | None = None,
    motif_code: str | None = None,
) -> dict[str, Any]:
    """The free slots the expert's ranges give, per motif, for one person: the slots the public search
    offers (same loader, same rules), restricted to this expert."""
    now = ctx.clock()
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        expert = expert_of(s, site, user_id, active=False)
        first, last = preview_period(site.timezone, now, first, last)
        stmt = select(Motif).where(Motif.site_id == site.id, Motif.active)
        if motif_code is not None:
            stmt = stmt.where(Motif.code == motif_code)
        motifs = s.scalars(stmt.order_by(Motif.sort, Motif.label)).all()
        if motif_code is not None and not motifs:
            raise NotFound("motif_not_found", motif=motif_code)
        out = []
        for m in motifs:
            inp = load_inputs(s, site, m, 1, first, last, now)
            ranges = [r for r in inp.ranges if r.expert_id == expert.id]
            if not ranges and motif_code is None:
                continue  # the expert does not receive for this motif
            slots = free_slots(ranges, inp.rules, inp.calendar, now, first, last, inp.tz)
            out.append(
                {
                    "motif": motif_json(m),
                    "duration_min": inp.rules.duration_min,
                    "slots": [_slot_json(x, inp) for x in slots],
                }
            )
        return {
            "expert": expert_json(expert, services_of_users(s, [expert.id])[expert.id]),
            "timezone": site.timezone,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "motifs": out,
        }
