"""The statistics' daily rollup, and the one source every figure is read from.

A business day's tickets are summed into cells (service × hour of arrival × agent × priority:
additive counts and sums) and their waits and service times into histograms (per service), once the
day is over by a full day (`SETTLE_DAYS`: a visit finished after midnight still counts). The rollup
job writes them with INSERT … SELECT, in the database, one day per transaction.

`cells` and `histograms` give the same columns for any period: stored rows for the days rolled up,
the same SELECT run live over the tickets for the others (today, yesterday, a day the job has not
reached yet). So a figure never depends on whether its day was rolled up, and once it is, the purge
of the tickets' personal data (retention) cannot change it.

Percentiles come from the histograms: the median and P90 are the upper bound of the bucket holding
the nearest-rank value (buckets of a minute up to an hour, 5 min up to three hours, 15 min beyond:
figures to the minute, and a few dozen rows per service and day whatever the number of visitors).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import and_, case, exists, false, func, insert, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.numbering import business_day
from ..core.tickets import Source, State
from ..models import (
    Service,
    Site,
    StatsCell,
    StatsDay,
    StatsHistogram,
    StatsMonth,
    StatsMonthHistogram,
    Ticket,
)
from .aggregates import hour_of, local_time, seconds_between, whole
from .context import Context, Event

log = logging.getLogger(__name__)

SETTLE_DAYS = 2  # a day is rolled up once it is two days old: today and yesterday stay live
DAYS_PER_RUN = 62  # a first run over a long history catches up by two months a minute
LOOK_BACK_DAYS = 31  # how far back before the last rolled day a day left behind is still found
WITHIN_ESTIMATE_S = 300  # an estimate "within 5 minutes" of the actual wait
WAIT, SERVICE = "w", "s"
# Without statistics (no ANALYZE), SQLite prefers the numbering's unique index (site, service, day,
# sequence) on the site alone and reads every ticket of the site: the days' index is named for it.
BY_DAY = "INDEXED BY ix_tickets_site_day"
TICKETS = Ticket.__table__
COUNTS = ("issued", "served", "no_show", "cancelled", "transferred", "redirected")
SUMS = ("waited", "wait_sum", "within_target", "quoted", "error_sum", "close", "timed", "service_sum")
KEYS = ("site_id", "business_day", "service_id", "hour", "agent_id", "priority")
# StatsCell's columns in live_cells' order.
CELL_COLUMNS = (*KEYS, *COUNTS, "waited", "wait_sum", "wait_max", *SUMS[2:])


def bucket(seconds: Any) -> Any:
    """The upper bound of a duration's histogram bucket (whole seconds in, whole seconds out)."""
    return case(
        (seconds <= 3600, ((seconds + 59) // 60) * 60),
        (seconds <= 10800, ((seconds + 299) // 300) * 300),
        else_=((seconds + 899) // 900) * 900,
    )


def _first_issue() -> Any:
    return Ticket.transferred_from_id.is_(None)


def _waited() -> Any:
    """Tickets whose wait counts: the visitor's first issue, called, not served at once at a counter."""
    return and_(_first_issue(), Ticket.first_called_at.is_not(None), Ticket.source != Source.COUNTER.value)


def _timed() -> Any:
    return and_(Ticket.state == State.DONE.value, Ticket.started_at.is_not(None))


def _wait() -> Any:
    return whole(seconds_between(Ticket.first_called_at, Ticket.arrived_at))


def _service_time() -> Any:
    return whole(seconds_between(Ticket.ended_at, Ticket.started_at))


def _n(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(condition: Any, value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def live_cells(where: Any, zones: dict[int, str], first: date, last: date) -> Any:
    """The cells of the tickets matching `where`, computed now (columns of StatsCell but its id)."""
    waited, wait = _waited(), _wait()
    quoted = and_(waited, Ticket.quoted_wait_s.is_not(None))
    error = func.abs(Ticket.quoted_wait_s - wait)
    hour = hour_of(local_time(Ticket.arrived_at, Ticket.site_id, zones, first, last))
    return (
        select(
            Ticket.site_id,
            Ticket.business_day,
            Ticket.service_id,
            hour.label("hour"),
            Ticket.agent_id,
            Ticket.priority,
            _n(_first_issue()).label("issued"),
            _n(Ticket.state == State.DONE.value).label("served"),
            _n(Ticket.state == State.NO_SHOW.value).label("no_show"),
            _n(Ticket.state == State.CANCELLED.value).label("cancelled"),
            _n(Ticket.state == State.TRANSFERRED.value).label("transferred"),
            _n(Ticket.outcome == "redirected").label("redirected"),
            _n(waited).label("waited"),
            _sum(waited, wait).label("wait_sum"),
            func.max(case((waited, wait))).label("wait_max"),
            _n(and_(waited, wait <= Service.target_wait_min * 60)).label("within_target"),
            _n(quoted).label("quoted"),
            _sum(quoted, error).label("error_sum"),
            _n(and_(quoted, error <= WITHIN_ESTIMATE_S)).label("close"),
            _n(_timed()).label("timed"),
            _sum(_timed(), _service_time()).label("service_sum"),
        )
        .join(Service, Service.id == Ticket.service_id)
        .where(where)
        .with_hint(TICKETS, BY_DAY, "sqlite")
        .group_by(
            Ticket.site_id, Ticket.business_day, Ticket.service_id, hour, Ticket.agent_id, Ticket.priority
        )
    )


def live_histograms(where: Any, by_day: bool = True) -> Any:
    """The histogram rows of the tickets matching `where`, computed now (per day when `by_day`)."""
    keys = (
        (Ticket.site_id, Ticket.business_day, Ticket.service_id)
        if by_day
        else (Ticket.site_id, Ticket.service_id)
    )

    def of(metric: str, condition: Any, value: Any) -> Any:
        b = bucket(value)
        return (
            select(*keys, literal(metric).label("metric"), b.label("bucket"), func.count().label("n"))
            .where(where, condition)
            .with_hint(TICKETS, BY_DAY, "sqlite")
            .group_by(*keys, b)
        )

    return union_all(of(WAIT, _waited(), _wait()), of(SERVICE, _timed(), _service_time()))


class PeriodRows:
    """The cells and histogram rows of some sites over a period: stored for the days rolled up, live
    for the rest. `.cells` and `.histograms` are subqueries with the same columns either way."""

    def __init__(self, s: Session, zones: dict[int, str], first: date, last: date) -> None:
        rolled: dict[int, set[date]] = {sid: set() for sid in zones}
        for sid, day in s.execute(
            select(StatsDay.site_id, StatsDay.business_day).where(
                StatsDay.site_id.in_(zones), StatsDay.business_day >= first, StatsDay.business_day <= last
            )
        ):
            rolled[sid].add(day)
        live = or_(
            false(),
            *(
                and_(Ticket.site_id == sid, Ticket.business_day >= lo, Ticket.business_day <= hi)
                for sid, days in rolled.items()
                for lo, hi in _gaps(first, last, days)
            ),
        )
        stored = and_(
            StatsCell.site_id.in_(zones), StatsCell.business_day >= first, StatsCell.business_day <= last
        )
        self.cells = union_all(
            select(*(getattr(StatsCell, k) for k in CELL_COLUMNS)).where(stored),
            live_cells(live, zones, first, last),
        ).subquery("cells")
        # Histograms: whole months rolled up read their month's rows, the other rolled days theirs.
        months: dict[int, list[tuple[date, date]]] = {sid: [] for sid in zones}
        for sid, month in s.execute(
            select(StatsMonth.site_id, StatsMonth.month).where(
                StatsMonth.site_id.in_(zones), StatsMonth.month >= first, StatsMonth.month <= last
            )
        ):
            if month_end(month) <= last:
                months[sid].append((month, month_end(month)))
        h, m = StatsHistogram, StatsMonthHistogram
        whole = or_(
            false(),
            *(and_(m.site_id == sid, m.month == lo) for sid, spans in months.items() for lo, _ in spans),
        )
        days = or_(
            false(),
            *(
                and_(h.site_id == sid, h.business_day >= lo, h.business_day <= hi)
                for sid, spans in months.items()
                for lo, hi in _gaps(first, last, {d for a, b in spans for d in _days(a, b)})
            ),
        )
        self.histograms = union_all(
            select(m.site_id, m.service_id, m.metric, m.bucket, m.n).where(whole),
            select(h.site_id, h.service_id, h.metric, h.bucket, h.n).where(days),
            *live_histograms(live, by_day=False).selects,
        ).subquery("histograms")
        self._binned: list[tuple[int, int, str, int, int]] | None = None

    def binned(self, s: Session) -> list[tuple[int, int, str, int, int]]:
        """The period's histogram summed per (site, service, metric, bucket), queried once: every
        percentile of the period is picked from these few thousand rows."""
        if self._binned is None:
            h = self.histograms
            keys = (h.c.site_id, h.c.service_id, h.c.metric, h.c.bucket)
            self._binned = [
                (int(a), int(b), str(c), int(d), int(n))
                for a, b, c, d, n in s.execute(select(*keys, func.sum(h.c.n)).group_by(*keys))
            ]
        return self._binned


def month_end(month: date) -> date:
    """The last day of the month starting on `month`."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _gaps(first: date, last: date, rolled: set[date]) -> list[tuple[date, date]]:
    """The ranges of days from `first` to `last` not in `rolled`."""
    out: list[tuple[date, date]] = []
    start: date | None = None
    day = first
    while day <= last:
        if day in rolled:
            if start is not None:
                out.append((start, day - timedelta(days=1)))
                start = None
        elif start is None:
            start = day
        day += timedelta(days=1)
    if start is not None:
        out.append((start, last))
    return out


def _settled(now: Any, zone: str) -> date:
    """The first business day of a site still computed live (today and yesterday)."""
    return business_day(now, zone) - timedelta(days=SETTLE_DAYS - 1)


def roll_up(ctx: Context, limit: int = DAYS_PER_RUN) -> int:
    """Roll up the settled business days of every site not rolled up yet, oldest first, at most
    `limit`; returns how many. Two processes racing on one day: the second finds it taken."""
    now = ctx.clock()
    todo: list[tuple[int, str, date]] = []
    with ctx.db.session() as s:
        for site_id, zone in s.execute(select(Site.id, Site.timezone)):
            settled = _settled(now, zone)
            done = select(StatsDay.business_day).where(StatsDay.site_id == site_id)
            # Days are rolled oldest first: only the last weeks can hold one not rolled yet (a day a
            # crashed process left), so the minute's look does not read a year of tickets.
            latest = s.scalar(select(func.max(StatsDay.business_day)).where(StatsDay.site_id == site_id))
            since = date.min if latest is None else latest - timedelta(days=LOOK_BACK_DAYS)
            days = s.scalars(
                select(Ticket.business_day)
                .where(
                    Ticket.site_id == site_id,
                    Ticket.business_day >= since,
                    Ticket.business_day < settled,
                    Ticket.business_day.not_in(done),
                )
                .group_by(Ticket.business_day)
                .order_by(Ticket.business_day)
                .limit(limit)
            )
            todo += [(site_id, zone, day) for day in days]
    todo.sort(key=lambda t: t[2])
    rolled = 0
    for site_id, zone, day in todo[:limit]:
        try:
            rolled += ctx.transact(partial(_roll_day, site_id=site_id, zone=zone, day=day, ctx=ctx))
        except IntegrityError:
            log.info("rollup: day %s of site %s already rolled up by another process", day, site_id)
    return rolled


def roll_months(ctx: Context) -> int:
    """Sum the histograms of every month whose days are all rolled up (and over by SETTLE_DAYS) into
    stats_month_histograms; returns how many months. Claimed first, as days are."""
    now = ctx.clock()
    todo: list[tuple[int, date]] = []
    with ctx.db.session() as s:
        for site_id, zone in s.execute(select(Site.id, Site.timezone)):
            settled = _settled(now, zone)
            done = {m for (m,) in s.execute(select(StatsMonth.month).where(StatsMonth.site_id == site_id))}
            rolled = select(StatsDay.business_day).where(StatsDay.site_id == site_id)
            months = {d.replace(day=1) for (d,) in s.execute(rolled)} - done
            for month in sorted(months):
                if month_end(month) >= settled:
                    continue
                unrolled = exists().where(
                    Ticket.site_id == site_id,
                    Ticket.business_day >= month,
                    Ticket.business_day <= month_end(month),
                    Ticket.business_day.not_in(rolled),
                )
                if not s.scalar(select(unrolled)):
                    todo.append((site_id, month))
    made = 0
    for site_id, month in todo:
        try:
            made += ctx.transact(partial(_roll_month, site_id=site_id, month=month, ctx=ctx))
        except IntegrityError:
            log.info("rollup: month %s of site %s already rolled up by another process", month, site_id)
    return made


def _roll_month(s: Session, _events: list[Event], site_id: int, month: date, ctx: Context) -> int:
    s.execute(insert(StatsMonth).values(site_id=site_id, month=month, rolled_at=ctx.clock()))
    s.flush()
    h = StatsHistogram
    keys = (h.site_id, h.service_id, h.metric, h.bucket)
    summed = (
        select(h.site_id, literal(month).label("month"), h.service_id, h.metric, h.bucket, func.sum(h.n))
        .where(h.site_id == site_id, h.business_day >= month, h.business_day <= month_end(month))
        .group_by(*keys)
    )
    columns = ["site_id", "month", "service_id", "metric", "bucket", "n"]
    s.execute(insert(StatsMonthHistogram).from_select(columns, summed))
    return 1


def _roll_day(s: Session, _events: list[Event], site_id: int, zone: str, day: date, ctx: Context) -> int:
    where = and_(Ticket.site_id == site_id, Ticket.business_day == day)
    s.execute(insert(StatsDay).values(site_id=site_id, business_day=day, rolled_at=ctx.clock()))
    s.flush()  # the day is claimed first: a racing process stops here
    s.execute(insert(StatsCell).from_select(CELL_COLUMNS, live_cells(where, {site_id: zone}, day, day)))
    s.execute(
        insert(StatsHistogram).from_select(
            ["site_id", "business_day", "service_id", "metric", "bucket", "n"], live_histograms(where)
        )
    )
    return 1
