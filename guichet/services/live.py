"""What a manager watches live: each service's queue now (waiting, the longest wait, its target and
whether the longest wait passed it) and the counters open. Read on every hint of the site's socket
room, so one grouped statement for the queues and one for the counters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from ..core.numbering import business_day
from ..models import Counter, Service, Ticket
from ..models.tickets import WAITING
from .context import Actor, Context
from .guards import managed_site


def live_now(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    """The site's queues and counters now; `alerts` names the services past their target."""
    now = ctx.clock()
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        day = business_day(now, site.timezone)
        waiting = {
            sid: (int(n), oldest)
            for sid, n, oldest in s.execute(
                select(Ticket.service_id, func.count(), func.min(Ticket.arrived_at))
                .where(Ticket.site_id == site.id, Ticket.business_day == day, text(WAITING))
                .group_by(Ticket.service_id)
            )
        }
        services = []
        for sv in s.scalars(
            select(Service)
            .where(Service.site_id == site.id, Service.active)
            .order_by(Service.sort, Service.id)
        ):
            n, oldest = waiting.get(sv.id, (0, None))
            longest = None
            if oldest is not None:
                oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
                longest = max(0, int((now - oldest).total_seconds()))
            target = sv.target_wait_min * 60
            services.append(
                {
                    "code": sv.code,
                    "label": sv.label_fr,
                    "waiting": n,
                    "longest_wait_s": longest,
                    "target_s": target,
                    "over_target": longest is not None and longest > target,
                }
            )
        counters = [
            {"number": c.number, "name": c.name, "status": c.status}
            for c in s.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number))
        ]
        result = {
            "site": {"slug": site.slug, "name": site.name, "timezone": site.timezone},
            "at": now.isoformat(),
            "services": services,
            "counters": counters,
            "open_counters": sum(1 for c in counters if c["status"] == "open"),
            "alerts": [sv["code"] for sv in services if sv["over_target"]],
        }
    return result
