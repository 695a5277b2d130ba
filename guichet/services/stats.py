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

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.util import ClauseAdapter

from ..core.errors import Invalid
from ..core.numbering import business_day
from ..core.tickets import Source, State
from ..models import Service, Ticket
from .context import Actor, Context
from .guards import managed_site

MAX_DAYS = 366
DEFAULT_DAYS = 30
WITHIN_ESTIMATE_S = 300  # an estimate "within 5 minutes" of the actual wait


class seconds_between(FunctionElement[float]):  # noqa: N801 (an SQL function's name)
    """Seconds from the second moment to the first, as the database computes them."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _whole(seconds: Any) -> Any:
    return cast(func.round(seconds), Integer)


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
        figures = _figures(s, in_period)
        slug = site.slug
    services = {code: _empty() for code in sorted(codes.values())}
    for service_id, row in figures.items():
        if service_id is not None and service_id in codes:
            services[codes[service_id]] = row
    return {
        "site": slug,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": figures.get(None, _empty()),
        "services": services,
    }


def _empty() -> dict[str, Any]:
    return {
        "issued": 0,
        "served": 0,
        "no_show": 0,
        "cancelled": 0,
        "transferred": 0,
        "wait_s": {"mean": None, "median": None, "p90": None, "max": None},
        "service_s": {"mean": None, "median": None},
        "within_target_pct": None,
        "estimate_error_s": {"mean_abs": None, "within_5min_pct": None},
    }


def _figures(s: Session, in_period: Any) -> dict[int | None, dict[str, Any]]:
    """Per service id, and for the whole site under the key None."""
    out: dict[int | None, dict[str, Any]] = {}

    def row(key: int | None) -> dict[str, Any]:
        return out.setdefault(key, _empty())

    # Counts.
    first_issue = Ticket.transferred_from_id.is_(None)
    counted = (
        func.sum(case((first_issue, 1), else_=0)),
        func.sum(case((Ticket.state == State.DONE.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.NO_SHOW.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.CANCELLED.value, 1), else_=0)),
        func.sum(case((Ticket.state == State.TRANSFERRED.value, 1), else_=0)),
    )
    names = ("issued", "served", "no_show", "cancelled", "transferred")
    totals = row(None)
    for sid, *counts in s.execute(
        select(Ticket.service_id, *counted).where(in_period).group_by(Ticket.service_id)
    ):
        r = row(sid)
        for name, n in zip(names, counts, strict=True):
            r[name] = int(n or 0)
            totals[name] += int(n or 0)  # the site's counts are its services' sums

    # Waits: one value per visitor called, with the service's target and the wait quoted at issue.
    waited = (
        select(
            Ticket.service_id.label("service_id"),
            _whole(seconds_between(Ticket.first_called_at, Ticket.arrived_at)).label("v"),
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
    for sid, dist in _distribution(s, waited, extra).items():
        r = row(sid)
        n, mean, median, p90, top, within, error_sum, quoted, close = dist
        r["wait_s"] = {"mean": _round(mean), "median": median, "p90": p90, "max": top}
        r["within_target_pct"] = _pct(within, n)
        r["estimate_error_s"] = {
            "mean_abs": _round(error_sum / quoted) if quoted else None,
            "within_5min_pct": _pct(close, quoted),
        }

    # Service times of the visitors served.
    served = (
        select(
            Ticket.service_id.label("service_id"),
            _whole(seconds_between(Ticket.ended_at, Ticket.started_at)).label("v"),
        )
        .where(in_period, Ticket.state == State.DONE.value, Ticket.started_at.is_not(None))
        .subquery()
    )
    for sid, dist in _distribution(s, served, ()).items():
        row(sid)["service_s"] = {"mean": _round(dist[1]), "median": dist[2]}
    return out


def _distribution(s: Session, values: Any, extra: tuple[Any, ...]) -> dict[int | None, tuple[Any, ...]]:
    """Per service and for all: (n, mean, median, p90, max, *extra) of the subquery's column `v`,
    the median and P90 by nearest rank through a window, in one pass per grouping."""
    out: dict[int | None, tuple[Any, ...]] = {}
    for grouped in (True, False):
        partition = [values.c.service_id] if grouped else []
        ranked = select(
            values,
            func.row_number().over(partition_by=partition, order_by=values.c.v).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        ).subquery()
        # ⌈p·n⌉ in integer arithmetic, the same on both databases.
        at_median = (ranked.c.n + 1) // 2
        at_p90 = (9 * ranked.c.n + 9) // 10
        cols = (
            func.count(),
            func.avg(ranked.c.v),
            func.max(case((ranked.c.rn == at_median, ranked.c.v))),
            func.max(case((ranked.c.rn == at_p90, ranked.c.v))),
            func.max(ranked.c.v),
            *(ClauseAdapter(ranked).traverse(e) for e in extra),  # over the ranked rows' columns
        )
        key = ranked.c.service_id if grouped else literal(None)
        stmt = select(key, *cols)
        if grouped:
            stmt = stmt.group_by(ranked.c.service_id)
        for sid, *rest in s.execute(stmt):
            out[sid if grouped else None] = tuple(rest)
    return out


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _pct(part: Any, whole: Any) -> float | None:
    return round(100.0 * float(part or 0) / float(whole), 1) if whole else None
