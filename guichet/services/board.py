"""What a workstation shows around the counter: the live queue board, parked tickets, and the
choices its dialogs offer (outcomes, services, counters, agents, experts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..core.numbering import business_day
from ..core.roles import AGENT, EXPERT, MANAGER
from ..core.tickets import State
from ..models import Counter, Site, Ticket
from .context import Actor, Context
from .counters import counter_json
from .guards import require_staff, site_of
from .site_rules import queue_rules, settings_of
from .staffing import services_of_users, site_users
from .ticket_views import ticket_json


def parked(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Today's parked tickets, oldest first: any agent may resume one at their counter."""
    require_staff(actor)
    with ctx.db.session() as s:
        site = site_of(s, actor, slug)
        rows = s.scalars(
            select(Ticket)
            .where(
                Ticket.site_id == site.id,
                Ticket.state == State.PARKED.value,
                Ticket.business_day == business_day(ctx.clock(), site.timezone),
            )
            .order_by(Ticket.parked_at, Ticket.id)
        ).all()
        return [ticket_json(ctx, t, s=s) for t in rows]


def outcome_list(ctx: Context, site: Site) -> list[dict[str, str | None]]:
    """The site's outcome codes; a site's own outcomes may carry a label (the defaults are translated
    by the web layer)."""
    custom = settings_of(site).outcome_labels
    codes = queue_rules(ctx, site).outcomes
    return [{"code": c, "label": custom.get(c)} for c in codes]


def workstation(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """What the workstation's dialogs offer: outcomes, services, counters, agents, experts."""
    require_staff(actor)
    with ctx.db.session() as s:
        site = site_of(s, actor, slug)
        rules = queue_rules(ctx, site)
        users = site_users(s, site)
        services = services_of_users(s, [u.id for u in users])
        return {
            "site": {"slug": site.slug, "name": site.name, "timezone": site.timezone},
            "outcomes": outcome_list(ctx, site),
            "min_recalls_before_no_show": rules.min_recalls_before_no_show,
            "services": [
                {"code": sv.code, "label": sv.label_fr, "level": sv.level, "active": sv.active}
                for sv in site.services
            ],
            "counters": [{"id": c.id, "number": c.number, "name": c.name} for c in site.counters],
            "agents": [
                {"id": u.id, "name": u.display_name, "role": u.role}
                for u in users
                if u.role in (AGENT, EXPERT, MANAGER)
            ],
            "experts": [
                {"id": u.id, "name": u.display_name, "services": services[u.id]}
                for u in users
                if u.role == EXPERT
            ],
        }


def board(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """The live queue board: per service waiting, longest wait, over target; counters and agents."""
    require_staff(actor)
    with ctx.db.session() as s:
        now = ctx.clock()
        site = site_of(s, actor, slug)
        day = business_day(now, site.timezone)
        waiting = s.execute(
            select(Ticket.service_id, Ticket.arrived_at).where(
                Ticket.site_id == site.id, Ticket.business_day == day, Ticket.state == State.WAITING.value
            )
        ).all()
        counters = s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)).all()
        open_by_service: dict[int, int] = {}
        for c in counters:
            if c.status == "open":
                for link in c.service_links:
                    open_by_service[link.service_id] = open_by_service.get(link.service_id, 0) + 1
        rows = []
        for sv in site.services:
            waits = [(now - arrived).total_seconds() for sid, arrived in waiting if sid == sv.id]
            target = sv.target_wait_min * 60
            rows.append(
                {
                    "code": sv.code,
                    "label": sv.label_fr,
                    "level": sv.level,
                    "waiting": len(waits),
                    "longest_wait_s": int(max(waits)) if waits else 0,
                    "target_wait_s": target,
                    "over_target": sum(1 for w in waits if w > target),
                    "open_counters": open_by_service.get(sv.id, 0),
                }
            )
        parked_count = s.scalar(
            select(func.count()).where(
                Ticket.site_id == site.id, Ticket.business_day == day, Ticket.state == State.PARKED.value
            )
        )
        return {
            "server_time": now.isoformat(),
            "timezone": site.timezone,
            "services": rows,
            "counters": [counter_json(s, c) for c in counters],
            "parked": int(parked_count or 0),
        }
