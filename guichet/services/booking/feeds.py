"""Experts' private calendar feeds: a secret URL per expert that a calendar application subscribes
to; the token is an HMAC of the user id with the secret key, like the citizens' manage links."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ...core.errors import Forbidden, NotFound
from ...models import Appointment, Place, Site, User
from .. import ical
from ..context import Actor, Context
from ..guards import is_staff
from .links import digest_matches, keyed_digest

FEED_PAST_DAYS = 30
FEED_MAX_EVENTS = 2000


def feed_token(ctx: Context, user_id: int) -> str:
    """The secret part of an expert's feed URL (128 bits): no token to store, revoked with the key."""
    return keyed_digest(ctx, f"feed:{user_id}")


def feed_url(ctx: Context, actor: Actor) -> dict[str, str]:
    """The signed-in agent's or expert's own feed URL; only staff have one."""
    if not is_staff(actor) or actor.user_id is None:
        raise Forbidden("role", role=actor.role)
    token = feed_token(ctx, actor.user_id)
    return {"url": f"{ctx.settings.public_url}/api/v1/experts/{actor.user_id}/calendar/{token}.ics"}


def expert_feed(ctx: Context, user_id: int, token: str) -> bytes:
    """The expert's appointments from 30 days ago on, for a calendar application (no contact data)."""
    if not digest_matches(token, feed_token(ctx, user_id)):
        raise NotFound("feed_not_found")
    with ctx.db.session() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("feed_not_found")
        rows = s.scalars(
            select(Appointment)
            .where(
                Appointment.expert_id == user_id,
                Appointment.starts_at >= ctx.clock() - timedelta(days=FEED_PAST_DAYS),
            )
            .order_by(Appointment.starts_at)
            .limit(FEED_MAX_EVENTS)
        ).all()
        sites = {site.id: site for site in s.scalars(select(Site)).all()}
        places = {p.id: p for p in s.scalars(select(Place)).all()}
        items = [(a, sites[a.site_id], places.get(a.place_id or 0)) for a in rows]
        return ical.expert_feed(items, user.display_name)
