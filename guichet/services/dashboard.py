"""The managers' dashboard: the indicators of one site, or of every site the manager may see, over a
period, broken down by service, partner, hour of arrival, weekday, agent and priority; the arrival
curve and the peak and quiet hours it gives; appointments, level-2 cases and satisfaction. Everything is
aggregated in the database from the daily rollup's cells (guichet.services.stats, .rollup and
.aggregates); this module picks the groupings and names their keys."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..core.channels import CHANNELS, EMAIL, POST, WEB
from ..core.errors import NotFound
from ..core.numbering import business_day
from ..core.peaks import peak_hours, quiet_hours
from ..models import Appointment, Case, Motif, Partner, Request, Service, Site, User
from . import satisfaction
from .aggregates import (
    distribution,
    one_decimal,
    percent,
    seconds_between,
    whole,
    within_days,
)
from .booking.slots import next_free
from .context import Actor, Context
from .guards import check_site, require_manager
from .rollup import PeriodRows
from .stats import DEFAULT_DAYS, arrival_counts, check_period, empty, grouped

PERIODS = ("today", "week", "month", "custom")


def period_of(kind: str, today: date, first: date | None, last: date | None) -> tuple[date, date]:
    """The business days a named period covers: today, this week (from Monday), this month (from the
    1st), or custom (by default the 30 days up to today)."""
    if kind == "today":
        return today, today
    if kind == "week":
        return today - timedelta(days=today.weekday()), today
    if kind == "month":
        return today.replace(day=1), today
    last = last or today
    return first or last - timedelta(days=DEFAULT_DAYS - 1), last


def visible_sites(s: Session, actor: Actor, slug: str | None) -> list[Site]:
    """The site asked for (None: every site the manager may see), the manager's own only."""
    require_manager(actor)
    stmt = select(Site).order_by(Site.name)
    if actor.site_id is not None:
        stmt = stmt.where(Site.id == actor.site_id)
    found = list(s.scalars(stmt))
    if slug is None:
        if not found:
            raise NotFound("site_not_found", site="")
        return found
    chosen = [site for site in found if site.slug == slug]
    if not chosen:
        site = s.scalar(select(Site).where(Site.slug == slug))
        if site is not None:
            check_site(actor, site.id)  # another site's: refused, not hidden
        raise NotFound("site_not_found", site=slug)
    return chosen


def dashboard(
    ctx: Context,
    actor: Actor,
    slug: str | None,
    kind: str = "custom",
    first: date | None = None,
    last: date | None = None,
) -> dict[str, Any]:
    now = ctx.clock()
    with ctx.db.session() as s:
        sites = visible_sites(s, actor, slug)
        zones = _zones(sites)
        today = business_day(now, sites[0].timezone)
        first, last = period_of(kind, today, first, last)
        check_period(first, last)
        ids = list(zones)
        rows = PeriodRows(s, zones, first, last)
        tables = (
            ("services", "service"),
            ("partners", "partner"),
            ("hours", "hour"),
            ("weekdays", "weekday"),
            ("agents", "agent"),
            ("priority", "priority"),
            ("days", "day"),
        )
        found = grouped(s, rows, [by for _name, by in tables] + ["all", "weekday_hour"])
        totals = found["all"].get(None, empty())
        groups = {name: found[by] for name, by in tables}
        names = _names(s, ids, groups)
        result: dict[str, Any] = {
            "sites": [{"slug": site.slug, "name": site.name} for site in sites],
            "period": kind,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "totals": totals,
            **{name: _rows(name, found, names) for name, found in groups.items()},
            "arrivals": _arrivals(found),
            "appointments": _appointments(s, sites, first, last, now),
            "cases": _cases(s, sites, first, last, now),
            "channels": _channels(ctx, s, sites, first, last),
            "satisfaction": satisfaction.figures(s, ids, first, last),
        }
    return result


def _zones(sites: list[Site]) -> dict[int, str]:
    return {site.id: site.timezone for site in sites}


def _names(s: Session, site_ids: list[int], groups: dict[str, dict[Any, Any]]) -> dict[str, dict[Any, str]]:
    """What each group's keys are called: services (with their site when several), partners, agents."""
    several = len(site_ids) > 1
    services = {
        sid: (f"{site} — {label}" if several else label, code)
        for sid, code, label, site in s.execute(
            select(Service.id, Service.code, Service.label_fr, Site.name)
            .join(Site, Site.id == Service.site_id)
            .where(Service.site_id.in_(site_ids))
        )
    }
    partner_ids = [k for k in groups["partners"] if k is not None]
    agent_ids = [k for k in groups["agents"] if k is not None]
    return {
        "services": {sid: label for sid, (label, _code) in services.items()},
        "service_codes": {sid: code for sid, (_label, code) in services.items()},
        "partners": dict(
            s.execute(select(Partner.id, Partner.name).where(Partner.id.in_(partner_ids))).all()
        ),
        "agents": dict(s.execute(select(User.id, User.display_name).where(User.id.in_(agent_ids))).all()),
    }


def _rows(
    group: str, found: dict[Any, dict[str, Any]], names: dict[str, dict[Any, str]]
) -> list[dict[str, Any]]:
    """A group's rows in their natural order, each with its key and, where it has one, its name
    (None keys: tickets without partner, or not served by any agent)."""
    rows = []
    for key in sorted(found, key=lambda k: (k is None, k)):
        row = {"key": key.isoformat() if isinstance(key, date) else key, **found[key]}
        if group in ("services", "partners", "agents"):
            row["name"] = names[group].get(key)
        if group == "services":
            row["code"] = names["service_codes"].get(key)
        rows.append(row)
    if group == "services":
        rows.sort(key=lambda r: r["name"] or "")
    return rows


def _arrivals(found: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    """Arrivals per hour (mean per day that had any), and per weekday the peak and quiet hours."""
    counts, days = arrival_counts(found)
    per_hour: dict[int, int] = {}
    for (_wd, h), n in counts.items():
        per_hour[h] = per_hour.get(h, 0) + n
    return {
        "days": int(days),
        "by_hour": [
            {"hour": h, "arrivals": n, "per_day": one_decimal(n / days) if days else None}
            for h, n in sorted(per_hour.items())
        ],
        "peaks": [{"weekday": wd, "hours": hours} for wd, hours in peak_hours(counts).items()],
        "quiet": [{"weekday": wd, "hours": hours} for wd, hours in quiet_hours(counts).items()],
    }


def _appointments(s: Session, sites: list[Site], first: date, last: date, now: datetime) -> dict[str, Any]:
    """Appointments due in the period: how they ended, how they were booked, how long ahead; and the
    first free public slot now of each bookable motif (within the 14 days searched)."""
    in_period = within_days(Appointment.site_id, Appointment.starts_at, _zones(sites), first, last)
    by_status: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for status, channel, n in s.execute(
        select(Appointment.status, Appointment.channel, func.count())
        .where(in_period)
        .group_by(Appointment.status, Appointment.channel)
    ):
        by_status[status] = by_status.get(status, 0) + int(n)
        by_channel[channel] = by_channel.get(channel, 0) + int(n)
    ahead = (
        select(
            Appointment.site_id.label("k"),
            whole(seconds_between(Appointment.starts_at, Appointment.created_at)).label("v"),
        )
        .where(in_period, Appointment.channel != "import")
        .subquery()
    )
    lead = distribution(s, ahead).get(None)
    ended = sum(by_status.get(k, 0) for k in ("seen", "no_show"))
    first_free = []
    for site in sites:
        for motif in s.scalars(
            select(Motif).where(Motif.site_id == site.id, Motif.active, Motif.bookable_by == "everyone")
        ):
            slots = next_free(s, site, motif, 1, now, now, n=1)
            first_free.append(
                {"site": site.slug, "motif": motif.label, "first_free": slots[0]["start"] if slots else None}
            )
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_channel": by_channel,
        "honoured_pct": percent(by_status.get("seen", 0), ended),
        "lead_time_s": {
            "mean": one_decimal(lead[1]) if lead else None,
            "median": lead[2] if lead else None,
            "p90": lead[3] if lead else None,
        },
        "first_free": first_free,
    }


def _channels(ctx: Context, s: Session, sites: list[Site], first: date, last: date) -> list[dict[str, Any]]:
    """Requests from every channel recorded in the period (guichet.services.requests): per channel,
    how many, solved at once, passed to level 2, and for e-mail, the web form and post the share
    answered within the Services Publics+ delay (settings: a request solved at once is answered when
    recorded, an escalated one when its case is). Desk visits with a ticket are the tickets above."""
    days = {
        EMAIL: ctx.settings.answer_email_days,
        WEB: ctx.settings.answer_email_days,
        POST: ctx.settings.answer_post_days,
    }
    delay = case(*((Request.channel == ch, d * 86400) for ch, d in days.items()), else_=None)
    answered_in_time = case(
        (Request.outcome.is_not(None), 1),
        (
            and_(
                Case.answered_at.is_not(None), seconds_between(Case.answered_at, Request.recorded_at) <= delay
            ),
            1,
        ),
        else_=0,
    )
    rows = s.execute(
        select(
            Request.channel,
            func.count(),
            func.count(Request.outcome),
            func.count(Request.case_id),
            func.sum(answered_in_time),
        )
        .outerjoin(Case, Case.id == Request.case_id)
        .where(
            Request.site_id.in_([site.id for site in sites]),
            Request.business_day >= first,
            Request.business_day <= last,
        )
        .group_by(Request.channel)
    ).all()
    found = {
        ch: (int(n), int(solved), int(escalated), int(on_time or 0))
        for ch, n, solved, escalated, on_time in rows
    }
    return [
        {
            "channel": ch,
            "requests": n,
            "resolved": solved,
            "escalated": escalated,
            "delay_days": days.get(ch),
            "answered_in_delay_pct": percent(on_time, n) if ch in days else None,
        }
        for ch in CHANNELS
        if ch in found
        for n, solved, escalated, on_time in [found[ch]]
    ]


def _cases(s: Session, sites: list[Site], first: date, last: date, now: datetime) -> dict[str, Any]:
    """Level-2 cases opened in the period: answered, answered by their deadline, overdue now."""
    in_period = within_days(Case.site_id, Case.opened_at, _zones(sites), first, last)
    opened, answered, in_time, overdue = s.execute(
        select(
            func.count(),
            func.count(Case.answered_at),
            func.sum(case((Case.answered_at <= Case.due_at, 1), else_=0)),
            func.sum(case((and_(Case.answered_at.is_(None), Case.due_at < now), 1), else_=0)),
        ).where(in_period)
    ).one()
    return {
        "opened": int(opened),
        "answered": int(answered),
        "answered_in_time": int(in_time or 0),
        "in_time_pct": percent(in_time, answered),
        "overdue": int(overdue or 0),
    }
