"""Motifs: what a citizen may book at a site, and the checks on a motif that every booking step shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import Invalid, NotFound
from ...models import Motif, Place, Site
from ..context import Actor, Context
from ..guards import is_staff, site_by_slug


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


def find_motif(s: Session, site: Site, code: str, actor: Actor | None) -> Motif:
    """An active motif of the site; an agents-only motif is not found (404) for citizens, so a citizen
    cannot book it by typing its code."""
    m = s.scalar(select(Motif).where(Motif.site_id == site.id, Motif.code == code, Motif.active))
    if m is None or (m.bookable_by != "everyone" and not is_staff(actor)):
        raise NotFound("motif_not_found", motif=code)
    return m


def check_persons(motif: Motif, persons: int) -> int:
    """The number of people coming, 1 to the motif's maximum: the slot's length depends on it."""
    if persons < 1 or persons > max(1, motif.max_persons):
        raise Invalid("persons_out_of_range", max=max(1, motif.max_persons))
    return persons
