"""The public results of a site (Services Publics+ transparency): over the last 30 days up to
yesterday, the average wait, the share within target, satisfaction, and the peak and quiet hours,
with the opening hours. No personal data, nothing about agents; figures change once a day, so each
site's are kept in memory until its local date changes."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..core.numbering import business_day
from ..core.peaks import peak_hours, quiet_hours
from ..models import Site
from . import satisfaction
from .context import Context
from .guards import site_by_slug
from .rollup import PeriodRows
from .service_hours import calendar_of
from .sites import weekly_hours
from .stats import arrival_counts, empty, grouped

DAYS = 30
_lock = threading.Lock()
_kept: dict[tuple[int, date], dict[str, Any]] = {}


def public_results(ctx: Context, slug: str) -> dict[str, Any]:
    """The site's published figures for the 30 days before today (its local date)."""
    with ctx.db.session() as s:
        site: Site = site_by_slug(s, slug)
        site_id = site.id
        today = business_day(ctx.clock(), site.timezone)
        with _lock:
            kept = _kept.get((site.id, today))
        if kept is not None:
            return kept
        last, first = today - timedelta(days=1), today - timedelta(days=DAYS)
        # One pass over the period's cells for the totals and the arrival curve.
        found = grouped(
            s, PeriodRows(s, {site.id: site.timezone}, first, last), ("all", "weekday_hour", "day")
        )
        totals = found["all"].get(None, empty())
        counts, _days = arrival_counts(found)
        rated = satisfaction.figures(s, [site.id], first, last)["totals"]
        local = ctx.clock().astimezone(ZoneInfo(site.timezone))
        result = {
            "site": {"slug": site.slug, "name": site.name},
            "from": first.isoformat(),
            "to": last.isoformat(),
            "served": totals["served"],
            "wait_mean_s": totals["wait_s"]["mean"],
            "within_target_pct": totals["within_target_pct"],
            "satisfied_pct": rated["satisfied_pct"],
            "answers": rated["answers"],
            "peaks": [{"weekday": d, "hours": h} for d, h in peak_hours(counts).items()],
            "quiet": [{"weekday": d, "hours": h} for d, h in quiet_hours(counts).items()],
            "hours": weekly_hours(calendar_of(site, year=local.year).weekly),
        }
    with _lock:
        for key in [k for k in _kept if k[0] == site_id]:
            del _kept[key]
        _kept[(site_id, today)] = result
    return result
