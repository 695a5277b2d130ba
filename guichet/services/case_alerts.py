"""The level-2 SLA clock's warnings: when an open case nears its deadline (GUICHET_CASE_WARNING_H
before it) and when it passes it, its experts and the site's managers get an e-mail (through the
outbox) once each, and the staff pages show how many of their cases are due soon or late.

Each warning is claimed on the case itself (`warned_near_at`, `warned_overdue_at`, set by a
conditional UPDATE in the transaction that queues the e-mails), so two job loops never warn twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..core.roles import EXPERT, MANAGER
from ..models import Case, Notification, User
from .cases import list_cases, may_see
from .context import Actor, Context, Event
from .notifications.case_messages import CASE_NEAR, CASE_OVERDUE


def warn_deadlines(ctx: Context) -> dict[str, int]:
    """Queue the warnings due now; returns how many cases were warned of each kind."""
    now = ctx.clock()
    soon = now + timedelta(hours=ctx.settings.case_warning_h)
    done = {"cases_near_deadline": 0, "cases_overdue": 0}
    open_ = Case.status == "open"
    with ctx.db.session() as s:
        near = list(
            s.scalars(
                select(Case.id).where(
                    open_, Case.due_at > now, Case.due_at <= soon, Case.warned_near_at.is_(None)
                )
            )
        )
        late = list(
            s.scalars(select(Case.id).where(open_, Case.due_at <= now, Case.warned_overdue_at.is_(None)))
        )
    for kind, ids, key in ((CASE_NEAR, near, "cases_near_deadline"), (CASE_OVERDUE, late, "cases_overdue")):
        for case_id in ids:

            def work(s: Session, _events: list[Event], case_id: int = case_id, kind: str = kind) -> int:
                return _warn(s, case_id, kind, now)

            done[key] += ctx.transact(work)
    return done


def _warn(s: Session, case_id: int, kind: str, now: datetime) -> int:
    column = Case.warned_near_at if kind == CASE_NEAR else Case.warned_overdue_at
    claimed = s.execute(update(Case).where(Case.id == case_id, column.is_(None)).values({column: now}))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return 0  # another process warned it first
    case = s.get(Case, case_id)
    assert case is not None
    for email in sorted(_recipients(s, case)):
        s.add(Notification(case_id=case.id, kind=kind, recipient=email, created_at=now))
    return 1


def _recipients(s: Session, case: Case) -> set[str]:
    """The experts and the site's managers who see the case (cases.may_see, the rule of every
    listing), those with an address."""
    staff = s.scalars(
        select(User).where(
            User.active.is_(True),
            User.email.is_not(None),
            User.role.in_((EXPERT, MANAGER)),
            (User.site_id == case.site_id) | (User.site_id.is_(None) & (User.role == EXPERT)),
        )
    ).all()
    return {
        str(u.email)
        for u in staff
        if may_see(s, Actor(kind="user", id=u.id, role=u.role, site_id=u.site_id), case)
    }


def due_soon(ctx: Context, actor: Actor) -> dict[str, Any]:
    """How many of the open cases the actor sees are late, and due within the warning time."""
    now = ctx.clock()
    soon = now + timedelta(hours=ctx.settings.case_warning_h)
    late = near = 0
    for c in list_cases(ctx, actor, "open"):
        due = datetime.fromisoformat(c["due_at"])
        if due <= now:
            late += 1
        elif due <= soon:
            near += 1
    return {"overdue": late, "due_soon": near}
