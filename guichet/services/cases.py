"""Level-2 cases: opened by a level-1 escalation, answered by experts within the committed delay.

A case concerning several services closes with one grouped answer, once every service concerned
has contributed. Who sees a case: the experts named on it or serving one of its services, the agent
who opened it, and the site's managers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.channels import DESK
from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.numbering import business_day
from ..core.roles import EXPERT, MANAGERS
from ..core.tickets import State
from ..models import (
    Appointment,
    Case,
    CaseMessage,
    CaseService,
    Notification,
    Service,
    Site,
    Ticket,
    User,
    UserService,
)
from . import audit
from .context import Actor, Context, Event
from .guards import require_staff
from .journal import log_step
from .notifications.case_messages import CASE_ANSWER
from .ticket_views import iso, ticket_json

MAX_SERVICES = 10


def reference(case_id: int) -> str:
    return f"N2-{case_id:06d}"


def _person(u: User | None) -> dict[str, Any] | None:
    return {"id": u.id, "name": u.display_name} if u else None


def case_json(c: Case, now: datetime, ticket_number: str | None = None) -> dict[str, Any]:
    end = c.answered_at or now
    return {
        "id": c.id,
        "reference": reference(c.id),
        "status": c.status,
        "channel": c.channel,
        "opened_at": iso(c.opened_at),
        "due_at": iso(c.due_at),
        "overdue": end > c.due_at,
        "remaining_s": int((c.due_at - now).total_seconds()) if c.status == "open" else None,
        "description": c.description,
        "consent": c.consent,
        "contact": (
            {"name": c.contact_name, "email": c.contact_email, "phone": c.contact_phone}
            if c.consent and c.contact_name
            else None
        ),
        "opened_by": _person(c.opened_by),
        "ticket": ticket_number,
        "services": [
            {
                "code": cs.service.code,
                "label": cs.service.label_fr,
                "expert": _person(cs.expert),
                "contribution": cs.contribution,
                "contributed_at": iso(cs.contributed_at),
                "contributed_by": _person(cs.contributed_by),
            }
            for cs in c.services
        ],
        "missing": [cs.service.code for cs in c.services if cs.contribution is None],
        "answer": c.answer,
        "answered_at": iso(c.answered_at),
        "answered_by": _person(c.answered_by),
        "messages": [message_json(m) for m in c.messages],
    }


def message_json(m: CaseMessage) -> dict[str, Any]:
    """One message of the exchange with the citizen (`by` None: the citizen's own reply)."""
    return {"kind": m.kind, "text": m.text, "at": iso(m.at), "by": _person(m.by)}


def _case_event(c: Case) -> Event:
    # No personal data in events: the case id and its status only.
    return Event("case_changed", c.site_id, {"case": c.id, "status": c.status})


def _clean(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("validation")
    value = value.strip()
    if len(value) > limit:
        raise Invalid("too_long", limit=limit)
    return value or None


@dataclass(frozen=True)
class CheckedRequest:
    """A request's services, description and contact, checked (for a case or a request solved at once)."""

    codes: list[str]
    services: dict[str, Service]
    description: str
    consent: bool
    contact: tuple[str | None, str | None, str | None]  # name, e-mail, phone

    @property
    def service_ids(self) -> list[int]:
        return [self.services[c].id for c in self.codes]


def checked_request(s: Session, site: Site, data: dict[str, Any]) -> CheckedRequest:
    """The services concerned (codes of the site, 1 to MAX_SERVICES), the description, and a contact
    only with consent; the same rules for every channel."""
    codes = data.get("services") or []
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise Invalid("case_services_required")
    if len(set(codes)) != len(codes) or len(codes) > MAX_SERVICES:
        raise Invalid("duplicate_service")
    description = _clean(data.get("description"), 2000)
    if not description:
        raise Invalid("case_description_required")
    consent = bool(data.get("consent"))
    contact = data.get("contact") or None
    if contact is not None and not isinstance(contact, dict):
        raise Invalid("validation")
    if contact and not consent:
        raise Invalid("consent_required")
    services = {
        sv.code: sv
        for sv in s.scalars(select(Service).where(Service.site_id == site.id, Service.code.in_(codes))).all()
    }
    missing = [c for c in codes if c not in services]
    if missing:
        raise NotFound("service_not_found", service=", ".join(missing))
    person = (
        (
            _clean(contact.get("name"), 200),
            _clean(contact.get("email"), 254),
            _clean(contact.get("phone"), 32),
        )
        if contact
        else (None, None, None)
    )
    if contact and not person[0]:
        raise Invalid("contact_name_required")
    return CheckedRequest(codes, services, description, consent, person)


def open_in_session(
    s: Session,
    ctx: Context,
    actor: Actor,
    site: Site,
    data: dict[str, Any],
    events: list[Event],
    ticket: Ticket | None = None,
    channel: str = DESK,
    checked: CheckedRequest | None = None,
) -> dict[str, Any]:
    """Open a case inside the caller's transaction (a finish with outcome `escalated`, or a request
    from another channel: guichet.services.requests, which has already `checked` the data)."""
    now = ctx.clock()
    checked = checked or checked_request(s, site, data)
    codes, services = checked.codes, checked.services
    expert = None
    if data.get("expert") is not None:
        expert = s.get(User, int(data["expert"]))
        if (
            expert is None
            or expert.role != EXPERT
            or expert.site_id not in (None, site.id)
            or not expert.active
        ):
            raise NotFound("user_not_found", user=data["expert"])
    # The committed delay is the strictest of the services concerned (72 h by default).
    sla_hours = min(services[c].sla_hours for c in codes)
    case = Case(
        site_id=site.id,
        ticket_id=ticket.id if ticket else None,
        status="open",
        channel=channel,
        description=checked.description,
        consent=checked.consent,
        contact_name=checked.contact[0],
        contact_email=checked.contact[1],
        contact_phone=checked.contact[2],
        opened_by_id=actor.user_id,
        opened_at=now,
        due_at=now + timedelta(hours=sla_hours),
    )
    expert_services = set()
    if expert is not None:
        expert_services = set(
            s.scalars(select(UserService.service_id).where(UserService.user_id == expert.id))
        )
    for code in codes:
        sv = services[code]
        # A named expert is put on the services they serve (all of them if unrestricted).
        named = expert if expert is not None and (not expert_services or sv.id in expert_services) else None
        case.services.append(CaseService(service_id=sv.id, expert_id=named.id if named else None))
    s.add(case)
    s.flush()
    s.refresh(case)
    if ticket is not None:
        log_step(s, ticket, "escalate", ticket.state, actor, now, case=case.id, services=codes)
    events.append(_case_event(case))
    return case_json(case, now, ticket.number if ticket else None)


def _served_service_ids(s: Session, user_id: int) -> set[int]:
    return set(s.scalars(select(UserService.service_id).where(UserService.user_id == user_id)))


def may_see(s: Session, actor: Actor, c: Case, served: set[int] | None = None) -> bool:
    """Whether the actor sees the case (its experts, the agent who opened it, the site's managers);
    `served`: the actor's services, when the caller already read them (a listing reads them once)."""
    if actor.site_id is not None and actor.site_id != c.site_id:
        return False
    if actor.role in MANAGERS:
        return True
    if c.opened_by_id == actor.user_id:
        return True
    if actor.role != EXPERT:
        return False
    if served is None:
        served = _served_service_ids(s, actor.id)
    for cs in c.services:
        if cs.expert_id == actor.user_id:
            return True
        if cs.expert_id is None and (not served or cs.service_id in served):
            return True
    return False


def _ticket_numbers(s: Session, cases: list[Case]) -> dict[int, str]:
    ids = [c.ticket_id for c in cases if c.ticket_id]
    if not ids:
        return {}
    return dict(s.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).all())


def list_cases(ctx: Context, actor: Actor, status: str = "open") -> list[dict[str, Any]]:
    require_staff(actor)
    if status not in ("open", "answered", "all"):
        raise Invalid("unknown_case_status", status=status)
    now = ctx.clock()
    with ctx.db.session() as s:
        stmt = select(Case)
        if actor.site_id is not None:
            stmt = stmt.where(Case.site_id == actor.site_id)
        if status != "all":
            stmt = stmt.where(Case.status == status)
        if actor.role not in MANAGERS:
            # Narrow in SQL first; may_see applies the exact rule.
            mine = select(CaseService.case_id).where(
                or_(CaseService.expert_id == actor.user_id, CaseService.expert_id.is_(None))
            )
            stmt = stmt.where(or_(Case.opened_by_id == actor.user_id, Case.id.in_(mine)))
        served = _served_service_ids(s, actor.id) if actor.role == EXPERT else set()
        rows = [
            c
            for c in s.scalars(stmt.order_by(Case.due_at, Case.id).limit(500)).all()
            if may_see(s, actor, c, served)
        ]
        numbers = _ticket_numbers(s, rows)
        out = [case_json(c, now, numbers.get(c.ticket_id or 0)) for c in rows]
        if status == "answered":
            out.sort(key=lambda c: c["answered_at"] or "", reverse=True)
        else:
            # Overdue first (managers' attention), then the soonest deadline.
            out.sort(key=lambda c: (c["status"] != "open", not c["overdue"], c["due_at"]))
        return out


def case_row(s: Session, case_id: int, lock: bool = False) -> Case | None:
    """The case, its row locked for the transaction when asked (PostgreSQL; SQLite writes one at a time)."""
    stmt = select(Case).where(Case.id == case_id)
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Case)
    return s.scalar(stmt)


def _case_for(s: Session, actor: Actor, case_id: int, lock: bool = False) -> Case:
    c = case_row(s, case_id, lock)
    if c is None or (actor.site_id is not None and actor.site_id != c.site_id):
        raise NotFound("case_not_found", case=case_id)
    if not may_see(s, actor, c):
        raise Forbidden("case_of_other_expert")
    return c


def get_case(ctx: Context, actor: Actor, case_id: int) -> dict[str, Any]:
    require_staff(actor)
    with ctx.db.session() as s:
        c = _case_for(s, actor, case_id)
        return case_json(c, ctx.clock(), _ticket_numbers(s, [c]).get(c.ticket_id or 0))


def _may_answer(s: Session, actor: Actor, c: Case, cs: CaseService | None = None) -> None:
    if actor.role in MANAGERS:
        return
    if actor.role != EXPERT:
        raise Forbidden("experts_only")
    rows = [cs] if cs is not None else list(c.services)
    served = _served_service_ids(s, actor.id)
    for row in rows:
        if row.expert_id == actor.user_id or (
            row.expert_id is None and (not served or row.service_id in served)
        ):
            return
    raise Forbidden("case_of_other_expert")


def _open_case_to_change(s: Session, actor: Actor, case_id: int) -> Case:
    """The case, locked for this transaction, while it still takes contributions and its answer."""
    c = _case_for(s, actor, case_id, lock=True)
    if c.status != "open":
        raise DomainError("case_closed", reference=reference(c.id))
    return c


def _changed(s: Session, c: Case, now: datetime, events: list[Event]) -> dict[str, Any]:
    """Tell the workstations (case id and status only) and answer the case as it now is."""
    s.flush()
    s.refresh(c)
    events.append(_case_event(c))
    return case_json(c, now, _ticket_numbers(s, [c]).get(c.ticket_id or 0))


def contribute(ctx: Context, actor: Actor, case_id: int, service_code: str, text: str) -> dict[str, Any]:
    """One service's part of the answer; it may be rewritten until the case is answered."""
    require_staff(actor)
    text = (text or "").strip()
    if not text:
        raise Invalid("contribution_required")

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        c = _open_case_to_change(s, actor, case_id)
        row = next((cs for cs in c.services if cs.service.code == service_code), None)
        if row is None:
            raise NotFound("service_not_in_case", service=service_code)
        _may_answer(s, actor, c, row)
        row.contribution = text
        row.contributed_at = now
        row.contributed_by_id = actor.user_id
        if row.expert_id is None and actor.role == EXPERT:
            row.expert_id = actor.user_id
        return _changed(s, c, now, events)

    return ctx.transact(work)


def answer(ctx: Context, actor: Actor, case_id: int, text: str) -> dict[str, Any]:
    """Close the case with one grouped answer, once every service concerned has contributed."""
    require_staff(actor)
    text = (text or "").strip()
    if not text:
        raise Invalid("answer_required")

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        c = _open_case_to_change(s, actor, case_id)
        _may_answer(s, actor, c)
        missing = [cs.service for cs in c.services if cs.contribution is None]
        if missing:
            raise DomainError(
                "contributions_missing",
                services=[sv.code for sv in missing],
                missing=", ".join(sv.label_fr for sv in missing),
            )
        c.status = "answered"
        c.answer = text
        c.answered_at = now
        c.answered_by_id = actor.user_id
        message = CaseMessage(kind="answer", text=text, at=now, by_id=actor.user_id)
        c.messages.append(message)
        s.flush()
        if c.consent and c.contact_email:
            # The grouped answer goes to the citizen in one e-mail, whatever the number of services.
            s.add(
                Notification(
                    case_id=c.id,
                    kind=CASE_ANSWER,
                    recipient=c.contact_email,
                    data={"message": message.id},
                    created_at=now,
                )
            )
        audit.record(
            s,
            actor,
            now,
            "case.answered",
            c.site_id,
            reference(c.id),
            {"status": "open"},
            {"status": "answered"},
        )
        return _changed(s, c, now, events)

    return ctx.transact(work)


def reply_in_session(s: Session, c: Case, text: str, now: datetime, events: list[Event]) -> None:
    """The citizen's reply to the exchange: it reopens an answered case, with the services' delay
    again from now and its warnings to send again; the earlier answers stay in the exchange."""
    c.messages.append(CaseMessage(kind="reply", text=text, at=now))
    if c.status == "answered":
        c.status = "open"
        c.answer = c.answered_at = c.answered_by_id = None
        c.due_at = now + timedelta(hours=min(cs.service.sla_hours for cs in c.services))
        c.warned_near_at = c.warned_overdue_at = None
        before, after = {"status": "answered"}, {"status": "open"}
        audit.record(s, None, now, "case.reopened", c.site_id, reference(c.id), before, after)
    events.append(_case_event(c))


def expert_day(ctx: Context, actor: Actor) -> dict[str, Any]:
    """An expert's appointments of the day and the checked-in citizens waiting for them."""
    require_staff(actor)
    now = ctx.clock()
    with ctx.db.session() as s:
        stmt = select(Appointment).where(Appointment.expert_id == actor.user_id)
        if actor.site_id is not None:
            stmt = stmt.where(Appointment.site_id == actor.site_id)
        site = s.get(Site, actor.site_id) if actor.site_id else None
        tz = site.timezone if site else "Europe/Paris"
        today = business_day(now, tz)
        rows = [
            a
            for a in s.scalars(
                stmt.where(
                    Appointment.starts_at >= now - timedelta(hours=24),
                    Appointment.starts_at <= now + timedelta(hours=24),
                ).order_by(Appointment.starts_at)
            ).all()
            if business_day(a.starts_at, tz) == today
        ]
        ticket_ids = [a.ticket_id for a in rows if a.ticket_id]
        held = {
            t.id: t
            for t in (s.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))).all() if ticket_ids else [])
        }
        appointments = []
        waiting = []
        for a in rows:
            t = held.get(a.ticket_id or 0)
            appointments.append(
                {
                    "code": a.code,
                    "starts_at": a.starts_at.isoformat(),
                    "duration_min": a.duration_min,
                    "service": a.service.code,
                    "service_label": a.service.label_fr,
                    "status": a.status,
                    "ticket": {"id": t.id, "number": t.number, "status": t.state} if t else None,
                }
            )
            if t is not None and t.state == State.WAITING.value:
                waiting.append(ticket_json(ctx, t, s=s))
        return {"appointments": appointments, "waiting": waiting}
