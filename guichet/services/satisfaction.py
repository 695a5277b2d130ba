"""One question once a visit is over, "Globalement satisfait ?" (yes or no) and an optional score
from 0 to 10, asked on the ticket's tracking page: anonymous, one answer per ticket, for a week
after the visit. The figures: per service and month, the share satisfied (satisfaction globale)
and the net satisfaction (the share of scores 9-10 minus the share of 0-6, as a net promoter score
is counted), computed in the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Invalid, NotFound
from ..core.tickets import State
from ..models import SatisfactionAnswer, Service, Ticket
from .aggregates import month_of, one_decimal, percent
from .context import Context, Event

ASK_FOR = timedelta(days=7)


def question(s: Session, ticket: Ticket, now: Any) -> str | None:
    """ "ask" while a finished visit may still be rated, "answered" once it was, else None."""
    if ticket.state != State.DONE.value:
        return None
    if s.scalar(select(SatisfactionAnswer.id).where(SatisfactionAnswer.ticket_id == ticket.id)):
        return "answered"
    if ticket.ended_at is None or now - ticket.ended_at > ASK_FOR:
        return None
    return "ask"


def answer(ctx: Context, token: str, satisfied: bool, score: int | None) -> dict[str, Any]:
    """Record the visitor's answer; a second answer for the same ticket is refused."""
    if score is not None and not 0 <= score <= 10:
        raise Invalid("score_out_of_range")

    def work(s: Session, _events: list[Event]) -> dict[str, Any]:
        now = ctx.clock()
        ticket = None
        if token and len(token) <= 64:
            ticket = s.scalar(select(Ticket).where(Ticket.tracking_token == token))
        if ticket is None:
            raise NotFound("ticket_not_found")
        asked = question(s, ticket, now)
        if asked == "answered":
            raise DomainError("already_answered")
        if asked is None:
            raise DomainError("satisfaction_not_asked")
        s.add(
            SatisfactionAnswer(
                ticket_id=ticket.id,
                site_id=ticket.site_id,
                service_id=ticket.service_id,
                business_day=ticket.business_day,
                satisfied=satisfied,
                score=score,
                answered_at=now,
            )
        )
        try:
            s.flush()
        except IntegrityError as exc:  # the same ticket answered at the same moment elsewhere
            raise DomainError("already_answered") from exc
        return {"satisfaction": "answered"}

    return ctx.transact(work)


def _measures() -> tuple[Any, ...]:
    return (
        func.count(),
        func.sum(case((SatisfactionAnswer.satisfied, 1), else_=0)),
        func.count(SatisfactionAnswer.score),
        func.sum(case((SatisfactionAnswer.score >= 9, 1), else_=0)),
        func.sum(case((SatisfactionAnswer.score <= 6, 1), else_=0)),
        func.avg(SatisfactionAnswer.score),
    )


def _figures(n: Any, yes: Any, scored: Any, high: Any, low: Any, mean: Any) -> dict[str, Any]:
    net = one_decimal(100.0 * (int(high or 0) - int(low or 0)) / scored) if scored else None
    return {"answers": int(n), "satisfied_pct": percent(yes, n), "net": net, "mean_score": one_decimal(mean)}


def figures(s: Session, site_ids: list[int], first: date, last: date) -> dict[str, Any]:
    """The period's answers: overall, and per service and month (answers, the share satisfied, the
    net satisfaction, the mean score)."""
    in_period = (
        SatisfactionAnswer.site_id.in_(site_ids),
        SatisfactionAnswer.business_day >= first,
        SatisfactionAnswer.business_day <= last,
    )
    month = month_of(SatisfactionAnswer.business_day)
    rows = s.execute(
        select(Service.id, Service.label_fr, month, *_measures())
        .join(Service, Service.id == SatisfactionAnswer.service_id)
        .where(*in_period)
        .group_by(Service.id, Service.label_fr, month)
        .order_by(month, Service.label_fr)
    ).all()
    whole = s.execute(select(*_measures()).where(*in_period)).one()
    return {
        "totals": _figures(*whole),
        "rows": [{"service_id": sid, "name": name, "month": m, **_figures(*r)} for sid, name, m, *r in rows],
    }
