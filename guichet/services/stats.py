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
- medians and P90 are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values), given as the upper
  bound of the histogram bucket holding it (guichet.services.rollup: 1 minute steps up to an hour,
  5 minutes up to three hours, 15 minutes beyond), so both databases give the same number, a test
  can compute it by hand, and a year reads the daily rollup instead of every ticket.

Every figure is summed from guichet.services.rollup's cells and histograms: stored for the days rolled
up, computed live for the others, the same columns either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from ..core.errors import Invalid
from ..core.numbering import business_day
from ..models import Service
from .aggregates import one_decimal, percent, weekday_of
from .context import Actor, Context
from .guards import managed_site
from .rollup import COUNTS, SUMS, WAIT, PeriodRows

MAX_DAYS = 366
DEFAULT_DAYS = 30


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
        found = figures(s, PeriodRows(s, {site.id: site.timezone}, first, last))
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


GROUPS = ("service", "partner", "hour", "weekday", "agent", "priority", "day", "site", "weekday_hour")
# Medians and P90 need a histogram per group: kept per service (and day, and whole month), so they are
# given per service, partner and site; hours, weekdays, agents, priority and single days get means,
# maxima and shares.
WITH_PERCENTILES = ("service", "partner", "site")
SUMMED = (*COUNTS, *SUMS)


def figures(
    s: Session, rows: PeriodRows, by: str = "service", totals: bool = True
) -> dict[Any, dict[str, Any]]:
    """The indicators per group (`by`, one of GROUPS), and for all under the key None when `totals`."""
    found = grouped(s, rows, (by, "all") if totals else (by,))
    out = found[by]
    if totals:
        out[None] = found["all"].get(None, empty())
    return out


def grouped(s: Session, rows: PeriodRows, groups: Sequence[str]) -> dict[str, dict[Any, dict[str, Any]]]:
    """The indicators of the period per key of each group (GROUPS, or "all": one key, None), summed
    from the period's cells (rollup.PeriodRows) in the database in one statement: the cells are first
    summed over the days (a few thousand rows whatever the period's length), then per group. "day"
    needs the days and has a statement of its own; "weekday_hour" keys are weekday·100 + hour."""
    unknown = set(groups) - {*GROUPS, "all"}
    if unknown:
        raise ValueError(sorted(unknown))
    out: dict[str, dict[Any, dict[str, Any]]] = {g: {} for g in groups}
    c = rows.cells
    sums = [func.sum(getattr(c.c, name)).label(name) for name in SUMMED]
    if "day" in groups:
        stmt = select(c.c.business_day, *sums, func.max(c.c.wait_max)).group_by(c.c.business_day)
        for k, *values in s.execute(stmt):
            out["day"][k] = _summed(values)
    across = [g for g in groups if g != "day"]
    if across:
        dims: dict[str, Any] = {
            "site": c.c.site_id,
            "service": c.c.service_id,
            "partner": Service.partner_id,
            "hour": c.c.hour,
            "weekday": weekday_of(c.c.business_day),
            "agent": c.c.agent_id,
            "priority": case((c.c.priority, 1), else_=0),
        }
        agg = (
            select(*(v.label(k) for k, v in dims.items()), *sums, func.max(c.c.wait_max).label("wait_max"))
            .join(Service, Service.id == c.c.service_id)
            .group_by(*dims.values())
            .cte("agg")
            .prefix_with("MATERIALIZED")
        )
        keys: dict[str, Any] = {
            **{g: agg.c[g] for g in dims},
            "all": cast(null(), Integer),
            "weekday_hour": agg.c.weekday * 100 + agg.c.hour,
        }
        parts = [
            select(
                literal(g).label("g"),
                keys[g].label("k"),
                *(func.sum(agg.c[name]) for name in SUMMED),
                func.max(agg.c.wait_max),
            ).group_by(keys[g])
            for g in across
        ]
        for g, k, *values in s.execute(parts[0] if len(parts) == 1 else union_all(*parts)):
            out[g][bool(k) if g == "priority" else k] = _summed(values)
    for g in groups:
        if g in WITH_PERCENTILES or g == "all":
            for k, metric, median, p90 in _percentiles(s, rows, g):
                r = out[g].setdefault(k, empty())
                if metric == WAIT:
                    r["wait_s"]["median"], r["wait_s"]["p90"] = median, p90
                else:
                    r["service_s"]["median"] = median
    return out


def arrival_counts(found: dict[str, dict[Any, dict[str, Any]]]) -> tuple[dict[tuple[int, int], int], int]:
    """Visitors arrived per (weekday, hour of the site's day), and the number of days with any, from
    grouped()'s answer with "weekday_hour" and "day"."""
    counts = {divmod(int(k), 100): r["issued"] for k, r in found["weekday_hour"].items() if r["issued"]}
    days = sum(1 for r in found["day"].values() if r["issued"])
    return counts, days


def _summed(values: Sequence[Any]) -> dict[str, Any]:
    *added, wait_max = (None if v is None else int(v) for v in values)
    return _row(added, wait_max)


def _row(added: Sequence[int | None], wait_max: int | None) -> dict[str, Any]:
    counts, rest = added[: len(COUNTS)], added[len(COUNTS) :]
    waited, wait_sum, within, quoted, error_sum, close, timed, service_sum = (v or 0 for v in rest)
    r = empty()
    r.update({name: int(n or 0) for name, n in zip(COUNTS, counts, strict=True)})
    r["wait_s"] = {"mean": _mean(wait_sum, waited), "median": None, "p90": None, "max": wait_max}
    r["within_target_pct"] = percent(within, waited)
    r["estimate_error_s"] = {"mean_abs": _mean(error_sum, quoted), "within_5min_pct": percent(close, quoted)}
    r["service_s"] = {"mean": _mean(service_sum, timed), "median": None}
    return r


def _mean(total: int, n: int) -> float | None:
    return one_decimal(total / n) if n else None


def _percentiles(s: Session, rows: PeriodRows, by: str) -> list[tuple[Any, str, int | None, int | None]]:
    """(group, metric, median, P90): nearest rank (the value at rank ⌈p·n⌉) as the upper bound of the
    bucket holding it, picked from the period's histogram summed in the database per site, service and
    bucket (rollup.PeriodRows.binned: one query for every grouping of the period)."""
    partner_of: dict[int, int | None] = {}
    if by == "partner":
        partner_of = {sid: pid for sid, pid in s.execute(select(Service.id, Service.partner_id))}
    group: Callable[[int, int], Any] = {
        "service": lambda site, service: service,
        "partner": lambda site, service: partner_of.get(service),
        "site": lambda site, service: site,
        "all": lambda site, service: None,
    }[by]
    counts: dict[tuple[Any, str], dict[int, int]] = {}
    for site, service, metric, bucket_, n in rows.binned(s):
        per = counts.setdefault((group(site, service), metric), {})
        per[bucket_] = per.get(bucket_, 0) + n
    found = []
    for (k, metric), per in counts.items():
        total, cum = sum(per.values()), 0
        median: int | None = None
        p90: int | None = None
        for bound in sorted(per):
            cum += per[bound]
            # cum >= ⌈n/2⌉ and cum >= ⌈9n/10⌉, in integers: 2·cum >= n and 10·cum >= 9·n.
            if median is None and 2 * cum >= total:
                median = bound
            if 10 * cum >= 9 * total:
                p90 = bound
                break
        found.append((k, metric, median, p90))
    return found
