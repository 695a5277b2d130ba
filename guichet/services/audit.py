"""The audit log: every administrative change and every sensitive agent action, who, when, what.

Entries are written in the same transaction as the change they describe, so a change is never
saved without its entry nor an entry kept for a change that was rolled back. Secrets never enter.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Invalid
from ..models import AuditEntry, Device, Site, User
from .context import Actor, Context
from .guards import check_site, require_manager, site_by_slug

# Whatever is called like this is never copied into the log, whatever the caller passes.
SECRET_WORDS = ("password", "token", "secret", "code_hash", "hash")
MAX_ENTRIES = 500


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            str(k): _clean(v)
            for k, v in value.items()
            if not any(word in str(k).lower() for word in SECRET_WORDS)
        }
    if isinstance(value, (list, tuple, set)):
        return [_clean(v) for v in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _actor_name(s: Session, actor: Actor | None) -> tuple[str, int | None, str]:
    if actor is None or actor.kind == "system":
        return "system", None, ""
    if actor.is_user:
        user = s.get(User, actor.id)
        return "user", actor.id, user.username if user else ""
    device = s.get(Device, actor.id)
    return "device", actor.id, device.name if device else ""


def record(
    s: Session,
    actor: Actor | None,
    now: datetime,
    kind: str,
    site_id: int | None,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (None as actor: the command line or a job)."""
    actor_kind, actor_id, name = _actor_name(s, actor)
    s.add(
        AuditEntry(
            at=now,
            site_id=site_id,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_name=name,
            kind=kind,
            target=target[:200],
            before=_clean(before) if before is not None else None,
            after=_clean(after) if after is not None else None,
        )
    )


def entry_json(e: AuditEntry, slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "site": slugs.get(e.site_id) if e.site_id is not None else None,
        "actor": {"kind": e.actor_kind, "id": e.actor_id, "name": e.actor_name},
        "kind": e.kind,
        "target": e.target,
        "before": e.before,
        "after": e.after,
    }


def entries(
    ctx: Context,
    actor: Actor,
    site: str | None = None,
    actor_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Newest first. A manager tied to a site reads that site's entries only; admins read every one."""
    require_manager(actor)
    if not 1 <= limit <= MAX_ENTRIES:
        raise Invalid("invalid_limit", maximum=MAX_ENTRIES)
    with ctx.db.session() as s:
        stmt = select(AuditEntry)
        if site:
            site_row = site_by_slug(s, site)
            check_site(actor, site_row.id)
            stmt = stmt.where(AuditEntry.site_id == site_row.id)
        elif actor.site_id is not None:
            stmt = stmt.where(AuditEntry.site_id == actor.site_id)
        if actor_id is not None:
            stmt = stmt.where(AuditEntry.actor_id == actor_id, AuditEntry.actor_kind == "user")
        if kind:
            # "service" matches service.created, service.updated...
            stmt = stmt.where((AuditEntry.kind == kind) | AuditEntry.kind.startswith(kind + "."))
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= since)
        if until is not None:
            stmt = stmt.where(AuditEntry.at < until)
        rows = s.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)).all()
        slugs: dict[int, str] = {sid: slug for sid, slug in s.execute(select(Site.id, Site.slug)).all()}
        return [entry_json(e, slugs) for e in rows]
