"""Opening hours written from a compact text form: "mon-fri=08:30-12:30,13:30-17:30"."""

from __future__ import annotations

import re
from datetime import time

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..core import opening
from ..core.errors import Invalid
from ..models import OpeningHours
from .changes import record_change
from .context import Context, Event
from .guards import site_by_slug

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SPEC_RE = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)=(?P<ranges>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$"
)


def parse_spec(spec: str) -> dict[int, list[opening.Range]]:
    """Weekday (0 = Monday) -> ranges; refuses anything ambiguous with a clear message."""
    match = SPEC_RE.match(spec.strip().lower())
    if not match:
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    first, _, last = match["days"].partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30,13:30-17:30")
    ranges = []
    for part in match["ranges"].split(","):
        try:
            opens, closes = (time.fromisoformat(x) for x in part.split("-"))
            ranges.append(opening.Range(opens, closes))
        except ValueError as exc:
            raise Invalid("hours_spec", spec=spec, example="mon-fri=08:30-12:30") from exc
    return {day: ranges for day in range(start, end + 1)}


def set_weekly_hours(ctx: Context, site_slug: str, specs: list[str]) -> int:
    """Replace the site's weekly hours (no spec at all: no hours, the site counts as always open)."""
    weekly: dict[int, list[opening.Range]] = {}
    for spec in specs:
        weekly.update(parse_spec(spec))

    def work(s: Session, events: list[Event]) -> int:
        site = site_by_slug(s, site_slug)
        s.execute(
            delete(OpeningHours).where(OpeningHours.site_id == site.id, OpeningHours.service_id.is_(None))
        )
        count = 0
        for day, ranges in weekly.items():
            for r in ranges:
                s.add(OpeningHours(site_id=site.id, weekday=day, opens=r.opens, closes=r.closes))
                count += 1
        # Run from the command line (no actor); kiosks and screens reload the new hours.
        record_change(
            s, events, None, ctx.clock(), "site.hours", site.id, site.slug, None, {"hours": specs}, "hours"
        )
        return count

    return ctx.transact(work)
