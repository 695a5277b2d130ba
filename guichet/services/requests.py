"""Requests from every channel: a level-1 agent records a request that came by phone, e-mail, post,
a social network, the web or the desk without a ticket. It is solved at once (an outcome from the
site's list, as a finished ticket carries) or escalated: a level-2 case with the same SLA clock,
contributions and grouped answer as a desk escalation (guichet.services.cases), keeping the channel."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from ..core.channels import check_channel
from ..core.errors import Invalid
from ..core.numbering import business_day
from ..core.tickets import ESCALATED, check_outcome
from ..models import Request, RequestService, Site
from . import cases
from .context import Actor, Context, Event
from .guards import require_staff, site_of
from .inputs import Input
from .site_rules import queue_rules
from .ticket_views import iso

Channel = Literal["phone", "email", "post", "social", "desk", "web"]  # guichet.core.channels.CHANNELS


class Contact(Input):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9 +().-]{6,32}$")


class RequestIn(Input):
    """A request to record (the REST API's body, the counter's form)."""

    channel: Channel = Field(description="How the request came")
    services: list[str] = Field(min_length=1, max_length=10, description="Service codes concerned")
    summary: str = Field(min_length=1, max_length=2000)
    consent: bool = Field(False, description="The citizen agreed to their contact being kept")
    contact: Contact | None = None
    resolved_outcome: str | None = Field(
        None,
        min_length=1,
        max_length=32,
        description="Solved at once: an outcome of the site's list (not `escalated`). Absent: a level-2 case",
    )
    expert: int | None = Field(None, ge=1, description="Expert's user id for the case, if already known")


def request_json(r: Request, codes: list[str]) -> dict[str, Any]:
    return {
        "request_id": r.id,
        "channel": r.channel,
        "services": codes,
        "outcome": r.outcome,
        "recorded_at": iso(r.recorded_at),
    }


def record_request(ctx: Context, actor: Actor, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    """Record a request; solved at once with `resolved_outcome`, else escalated to a level-2 case.
    The answer holds the request and, when escalated, the case's `id`, `reference` and `deadline_at`."""
    require_staff(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = site_of(s, actor, slug)
        return record_in_session(s, ctx, actor, site, data, events)

    return ctx.transact(work)


def record_in_session(
    s: Session, ctx: Context, actor: Actor, site: Site, data: dict[str, Any], events: list[Event]
) -> dict[str, Any]:
    now = ctx.clock()
    channel = check_channel(data.get("channel"))
    outcome = data.get("resolved_outcome")
    if outcome is not None:
        if outcome == ESCALATED:
            raise Invalid("escalated_is_not_an_outcome")
        outcome = check_outcome(outcome, queue_rules(ctx, site).outcomes)
    # The same checks as a case's (services, summary, contact only with consent), for every channel.
    case_data = {**data, "description": data.get("summary")}
    checked = cases.checked_request(s, site, case_data)
    case = (
        None
        if outcome
        else cases.open_in_session(s, ctx, actor, site, case_data, events, channel=channel, checked=checked)
    )
    # An escalated request's contact is its case's (kept and purged there); one solved at once keeps
    # its own, for the retention job to erase (guichet.services.retention).
    name, email, phone = checked.contact if case is None else (None, None, None)
    request = Request(
        site_id=site.id,
        channel=channel,
        summary=checked.description,
        consent=checked.consent and case is None,
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        outcome=outcome,
        case_id=case["id"] if case else None,
        recorded_by_id=actor.user_id,
        recorded_at=now,
        business_day=business_day(now, site.timezone),
        services=[RequestService(service_id=i) for i in checked.service_ids],
    )
    s.add(request)
    s.flush()
    # An escalation's event is the case's (case_changed, for the workstations); one solved at once
    # changes nothing anyone watches.
    return {
        **request_json(request, checked.codes),
        "status": "escalated" if case else "resolved",
        "id": case["id"] if case else None,
        "reference": case["reference"] if case else None,
        "deadline_at": case["due_at"] if case else None,
        "case": case,
    }
