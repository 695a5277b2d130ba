"""Quality indicators of a site over a period, computed in the database (SQL aggregation over the
tickets; no row is loaded into Python), the same on SQLite and PostgreSQL.

Definitions (docs/architecture.md, "Statistics"):
- the period is a range of business days (the site's local dates), both ends included;
- `issued`: tickets numbered (a transfer's continuation is the same visitor: not counted again);
  `served`: tickets finished (`done`); `no_show`: tickets closed as absent;
- `wait_s`: from issue (or check-in) to the first call, in whole seconds, for tickets that were called,
  counted on the ticket first issued (a transfer's continuation keeps its arrival: not counted twice),
  walk-ins served at once excluded (they never waited);
- `service_s`: from the start of service to its end, for tickets served;
- `within_target_pct`: share of those waits within the service's target (`target_wait_min`);
- `estimate_error_s`: |quoted wait − actual wait|, for waits quoted at issue;
- medians and P90 are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values), so both databases
  give the same number and a test can compute it by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..core.errors import Invalid
from ..core.numbering import business_day
from ..core.tickets import Source, State
from ..models import Service, Ticket
from .aggregates import distribution, one_decimal, percent, seconds_between, whole
from .context import Actor, Context
from .guards import managed_site

MAX_DAYS = 366
DEFAULT_DAYS = 30
WITHIN_ESTIMATE_S = 300  # an estimate "within 5 minutes" of the actual wait


def check_period(first: date, last: date) -> None:
    if last < first:
        raise Invalid("date_range_inverted")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid("period_too_long", days=MAX_DAYS)


def site_stats(
    ctx: Context, actor: Actor, slug: str, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    """The site's indicators over the period (by default the 30 days up to today, the site's local
    date), and each service's (by code)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        last = last or business_day(ctx.clock(), site.timezone)
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        check_period(first, last)
        codes = dict(s.execute(select(Service.id, Service.code).where(Service.site_id == site.id)).all())
        in_period = and_(Ticket.site_id == site.id, Ticket.business_day >= first, Ticket.business_day <= last)
        found = figures(s, in_period)
        slug = site.slug
    services = {code: empty() for code in sorted(codes.values())}
    for service_id, row in found.items():
        if service_id is not None and service_id in codes:
            services[codes[service_id]] = row
    return {
        "site": slug,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": found.get(None, empty()),
        "services": services,
    }


def empty() -> dict[str, Any]:
    return {
        "issued": 0,
        "served": 0,
        "no_show": 0,
        "cancelled": 0,
        "transferred": 0,
        "redirected": 0,
        "wait_s": {"mean": None, "median": None, "p90": None, "max": None},
        "service_s": {"mean": None, "median": None},
        "within_target_pct": None,
        "estimate_error_s": {"mean_abs": None, "within_5min_pct": None},
    }


def figures(s: Session, in_period: Any, key: Any = None, totals: bool = True) -> dict[Any, dict[str, Any]]:
    """The indicators per value of `key` (an expression over the ticket and its service; by default
    the service id), and for all under the key None when `totals`."""
    key = Ticket.service_id if key is None else key
    out: dict[Any, dict[str, Any]] = {}

    def row(k: Any) -> dict[str, Any]:
        return out.setdefault(k, empty())

    # Counts.
    first_issue = Ticket.transferred_from_id.is_(None)
    counted = (
        func.sum(case((first_issue, 1), else_=0)),
        func.sum(case((Ticket.state == State.DONE.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.NO_SHOW.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.CANCELLED.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.TRANSFERRED.value, 1), else_=0)),
        func.sum(case((Ticket.outcome == "redirected", 1), else_=0)),
    )
    names = ("issued", "served", "no_show", "cancelled", "transferred", "redirected")
    all_rows = row(None) if totals else empty()
    grouped = select(key, *counted).join(Service, Service.id == Ticket.service_id).where(in_period)
    for k, *counts in s.execute(grouped.group_by(key)):
        r = row(k)
        for name, n in zip(names, counts, strict=True):
            r[name] = int(n or 0)
            all_rows[name] += int(n or 0)  # the whole's counts are its groups' sums

    # Waits: one value per visitor called, with the service's target and the wait quoted at issue.
    waited = (
        select(
            key.label("k"),
            whole(seconds_between(Ticket.first_called_at, Ticket.arrived_at)).label("v"),
            (Service.target_wait_min * 60).label("target"),
            Ticket.quoted_wait_s.label("quoted"),
        )
        .join(Service, Service.id == Ticket.service_id)
        .where(
            in_period,
            first_issue,
            Ticket.first_called_at.is_not(None),
            Ticket.source != Source.COUNTER.value,
        )
        .subquery()
    )
    error = func.abs(waited.c.quoted - waited.c.v)
    extra = (
        func.sum(case((waited.c.v <= waited.c.target, 1), else_=0)),
        func.sum(error),  # NULL (ignored) where no wait was quoted
        func.count(waited.c.quoted),
        func.sum(case((error <= WITHIN_ESTIMATE_S, 1), else_=0)),
    )
    for k, dist in distribution(s, waited, extra, totals).items():
        r = row(k)
        n, mean, median, p90, top, within, error_sum, quoted, close = dist
        r["wait_s"] = {"mean": one_decimal(mean), "median": median, "p90": p90, "max": top}
        r["within_target_pct"] = percent(within, n)
        r["estimate_error_s"] = {
            "mean_abs": one_decimal(error_sum / quoted) if quoted else None,
            "within_5min_pct": percent(close, quoted),
        }

    # Service times of the visitors served.
    served = (
        select(key.label("k"), whole(seconds_between(Ticket.ended_at, Ticket.started_at)).label("v"))
        .join(Service, Service.id == Ticket.service_id)
        .where(in_period, Ticket.state == State.DONE.value, Ticket.started_at.is_not(None))
        .subquery()
    )
    for k, dist in distribution(s, served, (), totals).items():
        row(k)["service_s"] = {"mean": one_decimal(dist[1]), "median": dist[2]}
    return out
