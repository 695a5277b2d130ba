"""The online request form (/demande/{site}): a citizen, without an account, sends a request that
becomes a level-2 case on the `web` channel, with the services' delay; an acknowledgement e-mail
gives the case's reference and a signed link where they follow it, read the grouped answer and
reply (a reply reopens an answered case). A wrong signature answers as an unknown case
(guichet.services.case_links)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.channels import WEB
from ..core.errors import NotFound
from ..models import Case, Notification, Service, Site
from . import cases, requests
from .case_links import follow_path, signed
from .context import Actor, Context, Event
from .guards import site_by_slug
from .inputs import Input
from .notifications.case_messages import REQUEST_ACK
from .ticket_views import iso

# Who writes a web request: nobody signed in; the case has no agent who opened it.
CITIZEN = "citizen"


class WebRequestIn(Input):
    services: list[str] = Field(min_length=1, max_length=10)
    summary: str = Field(min_length=1, max_length=2000)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9 +().-]{6,32}$")
    consent: bool


class ReplyIn(Input):
    text: str = Field(min_length=1, max_length=4000)


def form_of(ctx: Context, slug: str) -> dict[str, Any]:
    """What the form offers: the site and its active services."""
    with ctx.db.session() as s:
        site = site_by_slug(s, slug)
        services = s.scalars(
            select(Service).where(Service.site_id == site.id, Service.active.is_(True)).order_by(Service.sort)
        ).all()
        return {
            "site": {"slug": site.slug, "name": site.name},
            "services": [{"code": sv.code, "label": sv.label_fr} for sv in services],
        }


def submit(ctx: Context, slug: str, body: WebRequestIn) -> dict[str, Any]:
    """Open the case (channel web) and queue the acknowledgement, in one transaction."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = site_by_slug(s, slug)
        offered = set(
            s.scalars(select(Service.code).where(Service.site_id == site.id, Service.active.is_(True)))
        )
        refused = [code for code in body.services if code not in offered]
        if refused:  # not on the form: unknown or no longer active
            raise NotFound("service_not_found", service=", ".join(refused), field="services")
        citizen = Actor(kind=CITIZEN, id=0, role=CITIZEN, site_id=site.id)
        contact = {"name": body.name, "email": body.email, **({"phone": body.phone} if body.phone else {})}
        data = {
            "channel": WEB,
            "services": body.services,
            "summary": body.summary,
            "consent": body.consent,
            "contact": contact,
        }
        recorded = requests.record_in_session(s, ctx, citizen, site, data, events)
        s.add(
            Notification(
                case_id=recorded["id"], kind=REQUEST_ACK, recipient=body.email, created_at=ctx.clock()
            )
        )
        return {
            "id": recorded["id"],
            "reference": recorded["reference"],
            "path": follow_path(ctx, recorded["id"]),
        }

    return ctx.transact(work)


def _signed_case(s: Session, ctx: Context, case_id: int, sig: str, lock: bool = False) -> Case:
    """The case the signed link names; a wrong signature is an unknown case."""
    if not signed(ctx, case_id, sig):
        raise NotFound("case_not_found", case=case_id)
    c = cases.case_row(s, case_id, lock)
    if c is None:
        raise NotFound("case_not_found", case=case_id)
    return c


def follow(ctx: Context, case_id: int, sig: str) -> dict[str, Any]:
    """The case as its citizen sees it through the signed link: status, delay, the exchange."""
    with ctx.db.session() as s:
        c = _signed_case(s, ctx, case_id, sig)
        site = s.get(Site, c.site_id)
        assert site is not None
        return {
            "reference": cases.reference(c.id),
            "site": {"slug": site.slug, "name": site.name, "timezone": site.timezone},
            "status": c.status,
            "opened_at": iso(c.opened_at),
            "due_at": iso(c.due_at),
            "services": [cs.service.label_fr for cs in c.services],
            "summary": c.description,
            "answer": c.answer,
            "answered_at": iso(c.answered_at),
            # Who answered stays out: the citizen sees the site's answer, not an agent's name.
            "messages": [{"kind": m.kind, "text": m.text, "at": iso(m.at)} for m in c.messages if m.text],
        }


def reply(ctx: Context, case_id: int, sig: str, body: ReplyIn) -> dict[str, Any]:
    """The citizen's reply, added to the exchange; it reopens the case if it was answered."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        c = _signed_case(s, ctx, case_id, sig, lock=True)
        reopened = c.status == "answered"
        cases.reply_in_session(s, c, body.text.strip(), ctx.clock(), events)
        return {"reference": cases.reference(c.id), "reopened": reopened, "due_at": iso(c.due_at)}

    return ctx.transact(work)
