"""The operators whose démarches the sites handle (ANTS, CAF, CPAM...): one list for the installation,
read by managers and admins, changed by admins only (every site's services name them); audited."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, NotFound
from ..models import Partner, Service
from .catalogue import CODE
from .changes import record_change
from .context import Actor, Context, Event
from .guards import require_admin, require_manager
from .inputs import Input, changes_of, optional_copy


class PartnerIn(Input):
    code: str = Field(pattern=CODE, description="Stable code, e.g. CAF (letters, digits, _ and -)")
    name: str = Field(min_length=1, max_length=200, description="e.g. Caisse d'allocations familiales")


PartnerPatch = optional_copy("PartnerPatch", PartnerIn)


def partner_json(p: Partner, services: int = 0) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "services": services}


def _partner(s: Session, code: str) -> Partner:
    p = s.scalar(select(Partner).where(Partner.code == code).with_for_update())
    if p is None:
        raise NotFound("partner_not_found", partner=code)
    return p


def _uses(s: Session, p: Partner) -> int:
    return int(s.scalar(select(func.count()).select_from(Service).where(Service.partner_id == p.id)) or 0)


def list_partners(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every partner by code, with how many services (of every site) name it."""
    require_manager(actor)
    with ctx.db.session() as s:
        counts = dict(
            s.execute(
                select(Service.partner_id, func.count())
                .where(Service.partner_id.is_not(None))
                .group_by(Service.partner_id)
            ).all()
        )
        return [
            partner_json(p, counts.get(p.id, 0)) for p in s.scalars(select(Partner).order_by(Partner.code))
        ]


def _check_code_free(s: Session, code: str) -> None:
    if s.scalar(select(Partner.id).where(Partner.code == code)) is not None:
        raise DomainError("partner_code_taken", field="code", partner=code)


def create_partner(ctx: Context, actor: Actor, data: PartnerIn) -> dict[str, Any]:
    """A new partner, offered to every site's services."""
    require_admin(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        _check_code_free(s, data.code)
        p = Partner(code=data.code, name=data.name)
        s.add(p)
        s.flush()
        after = partner_json(p)
        record_change(s, events, actor, ctx.clock(), "partner.created", None, p.code, None, after)
        return after

    return ctx.transact(work)


def update_partner(ctx: Context, actor: Actor, code: str, patch: Input) -> dict[str, Any]:
    """Rename or recode a partner; its services follow (they point at the row, not at the code)."""
    require_admin(actor)
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        p = _partner(s, code)
        uses = _uses(s, p)
        before = partner_json(p, uses)
        if "code" in values and values["code"] != p.code:
            _check_code_free(s, values["code"])
            p.code = values["code"]
        if "name" in values:
            p.name = values["name"]
        s.flush()
        after = partner_json(p, uses)
        if after != before:
            record_change(s, events, actor, ctx.clock(), "partner.updated", None, p.code, before, after)
        return after

    return ctx.transact(work)


def delete_partner(ctx: Context, actor: Actor, code: str) -> None:
    """Only a partner no service names goes (a service keeps its partner for the statistics)."""
    require_admin(actor)

    def work(s: Session, events: list[Event]) -> None:
        p = _partner(s, code)
        uses = _uses(s, p)
        if uses:
            raise DomainError("partner_in_use", partner=code, services=uses)
        before = partner_json(p)
        s.delete(p)
        record_change(s, events, actor, ctx.clock(), "partner.deleted", None, code, before, None)

    ctx.transact(work)
