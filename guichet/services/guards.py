"""Who may act where: the role and site checks use cases start with, and the site they act on.

Every use case checks its caller here, whatever door it came through (page, REST API, socket, CLI),
so the rules of access are written once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Forbidden, NotFound
from ..core.roles import ADMIN, MANAGERS, STAFF
from ..models import Site
from .context import Actor


def is_staff(actor: Actor | None) -> bool:
    """A signed-in account (agent, expert, manager, admin); devices and citizens are not."""
    return actor is not None and actor.is_user and actor.role in STAFF


def is_manager(actor: Actor | None) -> bool:
    # The command line (SYSTEM) manages like an administrator; devices never do.
    return actor is not None and actor.kind in ("user", "system") and actor.role in MANAGERS


def require_staff(actor: Actor) -> None:
    """Only accounts act at counters and on cases (a kiosk or a display never does)."""
    if not is_staff(actor):
        raise Forbidden("role", role=actor.role)


def require_admin(actor: Actor) -> None:
    """Installation-wide changes (sites, partners) are the admins' (and the command line's) business."""
    if not (is_manager(actor) and actor.role == ADMIN):
        raise Forbidden("role", role=actor.role)


def require_manager(actor: Actor) -> None:
    """Site settings and staff assignments are managers' (and admins') business."""
    if not is_manager(actor):
        raise Forbidden("role", role=actor.role)


def check_site(actor: Actor, site_id: int) -> None:
    """An account or device tied to a site acts on that site only (None: every site)."""
    if actor.site_id is not None and actor.site_id != site_id:
        raise Forbidden("other_site")


def site_by_slug(s: Session, slug: str) -> Site:
    site = s.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NotFound("site_not_found", site=slug)
    return site


def site_of(s: Session, actor: Actor, slug: str) -> Site:
    """The site named, once the caller is known to be allowed there."""
    site = site_by_slug(s, slug)
    check_site(actor, site.id)
    return site


def managed_site(s: Session, actor: Actor, slug: str) -> Site:
    """The site a manager (or an admin) changes: managers' role first, then their own site only."""
    require_manager(actor)
    return site_of(s, actor, slug)
