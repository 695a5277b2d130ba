"""Past activity for the demo site, so a newcomer's dashboard has figures to show: the tickets of
the days before today (busier on Monday and at opening, a few priority tickets, absences,
re-orientations, waits that grow with the crowd, one visitor in five rating the visit), past
appointments that were held, missed or cancelled, and level-2 cases answered on time or late.
Deterministic (a fixed seed); days that already hold tickets are left alone, so loading it again
adds nothing."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..core.numbering import business_day
from ..models import (
    Appointment,
    Case,
    CaseService,
    Request,
    RequestService,
    SatisfactionAnswer,
    Service,
    Site,
    Ticket,
    User,
)
from .context import Context, Event

# Local opening of the demo site (services.demo's hours): weekday -> [(start, end)] in hours.
OPEN = {wd: [(8.5, 12.5), (13.5, 17.5)] for wd in range(5)} | {5: [(9.0, 12.0)]}
# Arrivals per hour at each weekday (Monday busiest), and an hour's shape (the opening rush).
PER_HOUR = {0: 16, 1: 11, 2: 13, 3: 10, 4: 12, 5: 14}
OUTCOMES = ["resolved"] * 8 + ["redirected", "incomplete"]


def load_history(ctx: Context, slug: str, days: int, seed: int = 2026) -> int:
    """Fill the `days` days before today at the site; the number of tickets added."""
    rnd = random.Random(seed)

    def work(s: Session, _events: list[Event]) -> int:
        site = s.scalar(select(Site).where(Site.slug == slug))
        if site is None:
            return 0
        tz = ZoneInfo(site.timezone)
        today = business_day(ctx.clock(), site.timezone)
        services = list(s.scalars(select(Service).where(Service.site_id == site.id, Service.active)))
        desk = [sv for sv in services if sv.level == 1]
        experts = [sv for sv in services if sv.level == 2]
        agents = list(s.scalars(select(User.id).where(User.site_id == site.id, User.role == "agent")))
        if not desk or not agents:
            return 0
        filled = set(
            s.scalars(
                select(Ticket.business_day)
                .where(Ticket.site_id == site.id, Ticket.business_day < today)
                .distinct()
            )
        )
        added = 0
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if day in filled or day.weekday() not in OPEN:
                continue
            added += _day(s, rnd, site.id, tz, day, desk, agents)
            if experts:
                _appointments_and_cases(s, rnd, site.id, tz, day, experts, agents[0], ctx.clock())
        return added

    return ctx.transact(work)


def _request(
    s: Session,
    site_id: int,
    day: date,
    channel: str,
    summary: str,
    at: datetime,
    agent: int,
    service_id: int,
    outcome: str | None = None,
    case_id: int | None = None,
) -> None:
    rid = s.execute(
        insert(Request)
        .values(
            site_id=site_id,
            channel=channel,
            summary=summary,
            consent=False,
            outcome=outcome,
            case_id=case_id,
            recorded_by_id=agent,
            recorded_at=at,
            business_day=day,
        )
        .returning(Request.id)
    ).scalar_one()
    s.execute(insert(RequestService).values(request_id=rid, service_id=service_id))


def _at(tz: ZoneInfo, day: date, hours: float) -> datetime:
    local = datetime.combine(day, time(0), tz) + timedelta(hours=hours)
    return local.astimezone(UTC)


def _day(
    s: Session,
    rnd: random.Random,
    site_id: int,
    tz: ZoneInfo,
    day: date,
    desk: list[Service],
    agents: list[int],
) -> int:
    weights = [3 if sv.code in ("ANTS_ID", "CAF", "CPAM", "IMPOTS") else 1 for sv in desk]
    sequences: dict[int, int] = {}
    rows = []
    for start, end in OPEN[day.weekday()]:
        hour = start
        while hour < end:
            rush = 1.5 if hour - start < 1 else 1.0  # the queue at opening
            for _ in range(int(PER_HOUR[day.weekday()] * rush * rnd.uniform(0.6, 1.3) / 2)):
                sv = rnd.choices(desk, weights)[0]
                seq = sequences[sv.id] = sequences.get(sv.id, 0) + 1
                arrived = _at(tz, day, hour + rnd.random() / 2)
                crowd = 1.6 if rush > 1 or day.weekday() == 0 else 1.0
                wait = int(rnd.gammavariate(2.5, sv.target_wait_min * 18 * crowd))
                quoted = max(0, int(wait * rnd.uniform(0.6, 1.4)) + rnd.randint(-120, 120))
                length = int((sv.default_service_time_s or 600) * rnd.uniform(0.5, 1.6))
                called = arrived + timedelta(seconds=wait)
                row = {
                    "site_id": site_id,
                    "service_id": sv.id,
                    "business_day": day,
                    "sequence": seq,
                    "number": f"{sv.prefix}{seq:03d}",
                    "state": "done",
                    "priority": rnd.random() < 0.05,
                    "source": "kiosk",
                    "quoted_wait_s": quoted,
                    "tracking_token": secrets.token_urlsafe(24),
                    "arrived_at": arrived,
                    "issued_at": arrived,
                    "first_called_at": called,
                    "called_at": called,
                    "started_at": called + timedelta(seconds=30),
                    "ended_at": called + timedelta(seconds=30 + length),
                    "recall_count": 0,
                    "placed_first": False,
                    "agent_id": rnd.choice(agents),
                    "outcome": rnd.choice(OUTCOMES),
                }
                fate = rnd.random()
                if fate < 0.06:
                    row.update(state="no_show", started_at=None, outcome=None, recall_count=2)
                    row["ended_at"] = called + timedelta(minutes=3)
                elif fate < 0.09:
                    row.update(state="cancelled", first_called_at=None, called_at=None, started_at=None)
                    row.update(ended_at=arrived + timedelta(seconds=wait // 2), agent_id=None, outcome=None)
                rows.append(row)
            hour += 0.5
    if rows:
        s.execute(insert(Ticket), rows)
        _ratings(s, rnd, site_id, day)
    return len(rows)


def _ratings(s: Session, rnd: random.Random, site_id: int, day: date) -> None:
    """About one visitor in five rates the visit; most are satisfied."""
    served = s.execute(
        select(Ticket.id, Ticket.service_id, Ticket.ended_at).where(
            Ticket.site_id == site_id, Ticket.business_day == day, Ticket.state == "done"
        )
    ).all()
    answers = []
    for tid, sid, ended in served:
        if ended is not None and rnd.random() < 0.2:
            score = min(10, max(0, int(rnd.gauss(8, 2))))
            answers.append(
                {
                    "ticket_id": tid,
                    "site_id": site_id,
                    "service_id": sid,
                    "business_day": day,
                    "satisfied": score >= 6,
                    "score": score if rnd.random() < 0.8 else None,
                    "answered_at": ended + timedelta(minutes=rnd.randint(1, 120)),
                }
            )
    if answers:
        s.execute(insert(SatisfactionAnswer), answers)


def _appointments_and_cases(
    s: Session,
    rnd: random.Random,
    site_id: int,
    tz: ZoneInfo,
    day: date,
    experts: list[Service],
    agent: int,
    now: datetime,
) -> None:
    if day.weekday() > 4:
        return
    appointments = []
    for slot in range(rnd.randint(2, 6)):
        sv = rnd.choice(experts)
        starts = _at(tz, day, 9 + slot * 0.5)
        fate = rnd.random()
        status = "seen" if fate < 0.75 else "no_show" if fate < 0.87 else "cancelled"
        created = starts - timedelta(days=rnd.randint(1, 20), hours=rnd.randint(0, 8))
        appointments.append(
            {
                "site_id": site_id,
                "service_id": sv.id,
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=30),
                "duration_min": 30,
                "code": secrets.token_hex(6).upper(),
                "status": status,
                "created_at": created,
                "channel": rnd.choice(["online", "online", "online", "agent", "escalation"]),
                "cancelled_at": created + timedelta(days=1) if status == "cancelled" else None,
                "cancelled_by": "citizen" if status == "cancelled" else None,
            }
        )
    s.execute(insert(Appointment), appointments)
    for _ in range(rnd.randint(0, 2)):
        sv = rnd.choice(experts)
        opened = _at(tz, day, rnd.uniform(9, 17))
        due = opened + timedelta(hours=sv.sla_hours)
        delay = timedelta(hours=rnd.uniform(4, sv.sla_hours * 1.3))
        answered = opened + delay if opened + delay < now else None
        # Most level-2 cases come from the desk; some from the phone, e-mail or post (a request).
        channel = rnd.choice(["desk", "desk", "phone", "email", "post"])
        case_id = s.execute(
            insert(Case)
            .values(
                site_id=site_id,
                status="answered" if answered else "open",
                channel=channel,
                description="Demande de démonstration (niveau 2)",
                consent=False,
                opened_by_id=agent,
                opened_at=opened,
                due_at=due,
                answer="Réponse groupée de démonstration." if answered else None,
                answered_at=answered,
                answered_by_id=agent if answered else None,
            )
            .returning(Case.id)
        ).scalar_one()
        s.execute(insert(CaseService).values(case_id=case_id, service_id=sv.id))
        if channel != "desk":
            _request(
                s,
                site_id,
                day,
                channel,
                "Demande de démonstration (niveau 2)",
                opened,
                agent,
                sv.id,
                case_id=case_id,
            )
    # Requests from other channels solved at once (information given by phone, an e-mail answered).
    for _ in range(rnd.randint(0, 3)):
        sv = rnd.choice(experts)
        at = _at(tz, day, rnd.uniform(9, 17))
        channel = rnd.choice(["phone", "phone", "email", "post", "social"])
        outcome = rnd.choice(["resolved", "resolved", "redirected"])
        _request(
            s, site_id, day, channel, "Renseignement de démonstration", at, agent, sv.id, outcome=outcome
        )
