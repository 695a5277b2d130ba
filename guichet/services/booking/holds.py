"""Holds: a slot kept a few minutes while the citizen fills in the contact form, so that it is not
taken from under them; a hold is turned into the booking, or expires and is purged."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from ...core.errors import DomainError
from ...models import SlotHold
from ..context import Actor, Context, Event
from ..guards import site_by_slug
from .motifs import check_persons, find_motif
from .slots import free_at, next_free, parse_start

HOLD_MINUTES = 10


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
        motif = find_motif(s, site, motif_code, actor)
        n = check_persons(motif, persons)
        start = parse_start(start_iso)
        free, _inp = free_at(s, site, motif, n, start, now, place_id)
        if not free:
            raise DomainError("slot_taken", next=next_free(s, site, motif, n, start, now))
        slot = free[0]
        token = secrets.token_urlsafe(24)
        expires = now + timedelta(minutes=HOLD_MINUTES)
        s.add(
            SlotHold(
                token=token,
                expert_id=slot.expert_id,
                motif_id=motif.id,
                place_id=slot.place_id,
                starts_at=datetime.fromtimestamp(slot.start, UTC),
                ends_at=datetime.fromtimestamp(slot.end, UTC),
                expires_at=expires,
            )
        )
        return {"hold": token, "expires_at": expires.isoformat()}

    return ctx.transact(work)


def held_expert(s: Session, token: str, now: datetime) -> int | None:
    """The expert a live hold keeps, so the booking goes to the slot the citizen was promised."""
    return s.scalar(select(SlotHold.expert_id).where(SlotHold.token == token, SlotHold.expires_at > now))


def release_hold(s: Session, token: str) -> None:
    """Drop a hold once its slot is booked (or moved to): it has done its work."""
    s.execute(delete(SlotHold).where(SlotHold.token == token))


def purge_expired_holds(ctx: Context) -> int:
    """Delete the holds past their time (expired holds already count as free; this keeps the table small)."""

    def work(s: Session, events: list[Event]) -> int:
        res = cast("CursorResult[Any]", s.execute(delete(SlotHold).where(SlotHold.expires_at <= ctx.clock())))
        return int(res.rowcount or 0)

    return ctx.transact(work)
