"""The site's counters: created, renamed, renumbered and removed by managers, with the services each
calls and their weights; audited, and the workstations and screens reload them at once."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, NotFound
from ..models import Counter, Site, Ticket, TicketEvent
from .changes import record_change
from .context import Actor, Context, Event
from .counters import counter_event
from .guards import managed_site
from .inputs import Input, changes_of, optional_copy
from .staffing import replace_counter_services


class CounterServiceIn(Input):
    code: str = Field(min_length=1, max_length=32, description="Service code")
    weight: float = Field(1.0, gt=0, le=100, description="Routing weight at this counter")


class CounterIn(Input):
    number: int = Field(ge=1, le=999, description="Number shown on the screens")
    name: str = Field(min_length=1, max_length=100, description="e.g. Guichet 3")
    services: list[CounterServiceIn] = Field(default_factory=list, max_length=100)


CounterPatch = optional_copy("CounterPatch", CounterIn)


def setup_json(c: Counter) -> dict[str, Any]:
    return {
        "id": c.id,
        "number": c.number,
        "name": c.name,
        "status": c.status,
        "services": [{"code": link.service.code, "weight": link.weight} for link in c.service_links],
    }


def _counter(s: Session, site: Site, number: int) -> Counter:
    c = s.scalar(
        select(Counter).where(Counter.site_id == site.id, Counter.number == number).with_for_update()
    )
    if c is None:
        raise NotFound("counter_not_found", counter=number)
    return c


def _check_number_free(s: Session, site: Site, number: int) -> None:
    if s.scalar(select(Counter.id).where(Counter.site_id == site.id, Counter.number == number)):
        raise DomainError("counter_number_taken", field="number", number=number)


def _set(s: Session, site: Site, c: Counter, values: dict[str, Any]) -> None:
    if values.get("number") is not None and values["number"] != c.number:
        _check_number_free(s, site, values["number"])
        c.number = values["number"]
    if values.get("name") is not None:
        c.name = values["name"]
    if values.get("services") is not None:
        replace_counter_services(s, c, [(x["code"], x["weight"]) for x in values["services"]])


def list_counters(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        return [setup_json(c) for c in site.counters]


def create_counter(ctx: Context, actor: Actor, slug: str, data: CounterIn) -> dict[str, Any]:
    """A new counter, closed until an agent sits at it."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        _check_number_free(s, site, data.number)
        c = Counter(site_id=site.id, number=data.number, name=data.name, status="closed")
        s.add(c)
        s.flush()
        _set(s, site, c, {"services": data.model_dump()["services"]})
        s.flush()
        s.refresh(c)
        after = setup_json(c)
        record_change(
            s, events, actor, now, "counter.created", site.id, str(c.number), None, after, "counters"
        )
        events.append(counter_event(c))
        return after

    return ctx.transact(work)


def update_counter(ctx: Context, actor: Actor, slug: str, number: int, patch: Input) -> dict[str, Any]:
    values = patch.model_dump(include=set(changes_of(patch)))

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        c = _counter(s, site, number)
        before = setup_json(c)
        _set(s, site, c, values)
        s.flush()
        s.refresh(c)
        after = setup_json(c)
        if after != before:
            record_change(
                s, events, actor, now, "counter.updated", site.id, str(number), before, after, "counters"
            )
            events.append(counter_event(c))
        return after

    return ctx.transact(work)


def delete_counter(ctx: Context, actor: Actor, slug: str, number: int) -> None:
    """A counter that never called anyone may go; one with a history stays (the statistics name it)."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        c = _counter(s, site, number)
        if c.status != "closed":
            raise DomainError("counter_open", counter=number)
        used = s.scalar(select(Ticket.id).where(Ticket.counter_id == c.id).limit(1)) or s.scalar(
            select(TicketEvent.id).where(TicketEvent.counter_id == c.id).limit(1)
        )
        if used is not None:
            raise DomainError("counter_in_use", counter=number)
        before = setup_json(c)
        s.delete(c)
        record_change(
            s, events, actor, ctx.clock(), "counter.deleted", site.id, str(number), before, None, "counters"
        )

    ctx.transact(work)
