"""Managers' staffing: the site's accounts, which services each counter calls and each agent serves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.errors import Invalid, NotFound
from ..core.roles import ADMIN
from ..models import Counter, CounterService, Service, Site, User, UserService
from .changes import record_change
from .context import Actor, Context, Event
from .counters import counter_event, counter_for, counter_json
from .guards import check_site, require_manager, site_of


def services_of_users(s: Session, user_ids: list[int]) -> dict[int, list[str]]:
    """The service codes each account is restricted to (an empty list: every service)."""
    out: dict[int, list[str]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return out
    rows = s.execute(
        select(UserService.user_id, Service.code)
        .join(Service, Service.id == UserService.service_id)
        .where(UserService.user_id.in_(user_ids))
        .order_by(Service.sort, Service.code)
    ).all()
    for uid, code in rows:
        out[uid].append(code)
    return out


def site_users(s: Session, site: Site) -> list[User]:
    """Active accounts working at the site (its own and every-site ones), admins aside."""
    return list(
        s.scalars(
            select(User)
            .where(User.active, (User.site_id == site.id) | User.site_id.is_(None), User.role != ADMIN)
            .order_by(User.display_name)
        ).all()
    )


def staff(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """Managers' listing of the site's accounts and the services each may serve."""
    require_manager(actor)
    with ctx.db.session() as s:
        site = site_of(s, actor, slug)
        users = site_users(s, site)
        services = services_of_users(s, [u.id for u in users])
        return [
            {
                "id": u.id,
                "name": u.display_name,
                "username": u.username,
                "role": u.role,
                "services": services[u.id],
            }
            for u in users
        ]


def services_by_code(s: Session, site_id: int, codes: list[str]) -> dict[str, Service]:
    found = {
        sv.code: sv
        for sv in s.scalars(select(Service).where(Service.site_id == site_id, Service.code.in_(codes))).all()
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound("service_not_found", service=", ".join(missing))
    return found


def _distinct(codes: list[str]) -> None:
    if len(set(codes)) != len(codes):
        raise Invalid("duplicate_service", field="services")


def replace_counter_services(s: Session, counter: Counter, services: list[tuple[str, float]]) -> None:
    """The services a counter calls, with their weights, replaced as a whole (codes of its site)."""
    codes = [c for c, _w in services]
    _distinct(codes)
    found = services_by_code(s, counter.site_id, codes)
    counter.service_links.clear()
    s.flush()  # the old links go before the new ones reuse their keys
    for code, weight in services:
        counter.service_links.append(CounterService(service_id=found[code].id, weight=weight))


def replace_user_services(s: Session, user_id: int, site_id: int, codes: list[str]) -> None:
    """The services an account may serve, replaced as a whole (none: every service)."""
    _distinct(codes)
    found = services_by_code(s, site_id, codes)
    s.execute(delete(UserService).where(UserService.user_id == user_id))
    for code in codes:
        s.add(UserService(user_id=user_id, service_id=found[code].id))


def set_counter_services(
    ctx: Context, actor: Actor, counter_id: int, services: list[tuple[str, float]]
) -> dict[str, Any]:
    """Managers choose the services a counter calls, with a routing weight each (audited)."""
    require_manager(actor)
    _distinct([c for c, _w in services])

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        counter = counter_for(s, actor, counter_id, lock=True)
        before = [(link.service.code, link.weight) for link in counter.service_links]
        replace_counter_services(s, counter, services)
        s.flush()
        s.refresh(counter)
        after = [(link.service.code, link.weight) for link in counter.service_links]
        record_change(
            s,
            events,
            actor,
            ctx.clock(),
            "counter.services",
            counter.site_id,
            str(counter.number),
            {"services": before},
            {"services": after},
            "counters",
        )
        events.append(counter_event(counter))
        return counter_json(s, counter)

    return ctx.transact(work)


def set_user_services(ctx: Context, actor: Actor, user_id: int, codes: list[str]) -> dict[str, Any]:
    """Managers choose the services an agent or expert may serve (none listed: every service; audited)."""
    require_manager(actor)
    _distinct(codes)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        user = s.get(User, user_id)
        if user is None or user.role == ADMIN:
            raise NotFound("user_not_found", user=user_id)
        site_id = user.site_id if user.site_id is not None else actor.site_id
        if site_id is None:
            raise Invalid("user_without_site")
        check_site(actor, site_id)
        before = services_of_users(s, [user.id])[user.id]
        replace_user_services(s, user.id, site_id, codes)
        s.flush()
        record_change(
            s,
            events,
            actor,
            ctx.clock(),
            "user.services",
            site_id,
            user.username,
            {"services": before},
            {"services": codes},
        )
        return {
            "id": user.id,
            "name": user.display_name,
            "username": user.username,
            "role": user.role,
            "services": codes,
        }

    return ctx.transact(work)
