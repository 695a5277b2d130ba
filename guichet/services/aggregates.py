"""SQL building blocks of the statistics, written once for both databases: durations between two
moments, a site's local hour, weekday and month, and distributions (count, mean, nearest-rank median
and P90, max) per group through window functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.util import ClauseAdapter


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


class shifted(FunctionElement[datetime]):  # noqa: N801
    """A UTC moment moved by a number of seconds (a site's offset from UTC): its local wall time."""

    inherit_cache = True
    name = "shifted"


@compiles(shifted, "sqlite")
def _shifted_sqlite(element: shifted, compiler: SQLCompiler, **kw: Any) -> str:
    moment, shift = (compiler.process(arg, **kw) for arg in element.clauses)
    # A modifier rather than julianday arithmetic: a moment on the hour stays on its hour.
    return f"datetime({moment}, printf('%+d seconds', {shift}))"


@compiles(shifted, "postgresql")
def _shifted_postgresql(element: shifted, compiler: SQLCompiler, **kw: Any) -> str:
    moment, shift = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({moment} AT TIME ZONE 'UTC') + make_interval(secs => {shift}))"


class hour_of(FunctionElement[int]):  # noqa: N801
    """The hour (0-23) of a wall time (shifted)."""

    type = Integer()
    inherit_cache = True
    name = "hour_of"


@compiles(hour_of, "sqlite")
def _hour_sqlite(element: hour_of, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(strftime('%H', {moment}) AS INTEGER)"


@compiles(hour_of, "postgresql")
def _hour_postgresql(element: hour_of, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(HOUR FROM {moment}) AS INTEGER)"


class weekday_of(FunctionElement[int]):  # noqa: N801
    """A date's weekday, Monday 0 to Sunday 6 (Python's and the models' numbering)."""

    type = Integer()
    inherit_cache = True
    name = "weekday_of"


@compiles(weekday_of, "sqlite")
def _weekday_sqlite(element: weekday_of, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7)"


@compiles(weekday_of, "postgresql")
def _weekday_postgresql(element: weekday_of, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) - 1)"


class month_of(FunctionElement[str]):  # noqa: N801
    """A date's (or a wall time's) month as YYYY-MM."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"strftime('%Y-%m', {day})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"to_char({day}, 'YYYY-MM')"


def whole(seconds: Any) -> Any:
    """Seconds rounded to a whole number, as the figures are given."""
    return cast(func.round(seconds), Integer)


def day_bounds(zone: str, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments where a site's local days `first` to `last` (both included) begin and end."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    return start, datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)


def within_days(site_id: Any, moment: Any, zones: dict[int, str], first: date, last: date) -> Any:
    """A UTC moment column inside the period's local days at its row's site (`zones`: site id ->
    time zone), on an index of the moment: one range per site."""
    parts = []
    for sid, zone in zones.items():
        start, end = day_bounds(zone, first, last)
        parts.append(and_(site_id == sid, moment >= start, moment < end))
    return or_(*parts)


def utc_offsets(zone: str, first: date, last: date) -> list[tuple[datetime | None, int]]:
    """The site's offset from UTC over its local days `first` to `last`, as steps: [(until, seconds)],
    the last step's `until` None. Found day by day, then to the minute where it changes."""
    tz = ZoneInfo(zone)
    begin, end = day_bounds(zone, first - timedelta(days=1), last + timedelta(days=1))

    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    steps: list[tuple[datetime | None, int]] = []
    at, current = begin, offset(begin)
    while at < end:
        step = min(at + timedelta(days=1), end)
        if offset(step) != current:
            low, high = at, step  # bisect to the minute: offsets change on a whole minute
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                low, high = (mid, high) if offset(mid) == current else (low, mid)
            steps.append((high, current))
            current = offset(high)
        at = step
    steps.append((None, current))
    return steps


def local_offset(moment: Any, site_id: Any, zones: dict[int, str], first: date, last: date) -> Any:
    """The offset from UTC, in seconds, of a UTC moment column at its row's site (`zones`: site id ->
    time zone), over the period's local days, daylight saving included: a CASE over the period's
    offset steps, the same SQL on both databases."""

    def steps_of(zone: str) -> Any:
        steps = utc_offsets(zone, first, last)
        if len(steps) == 1:
            return literal(steps[0][1])
        return case(*((moment < until, seconds) for until, seconds in steps[:-1]), else_=steps[-1][1])

    if len({*zones.values()}) == 1:
        return steps_of(next(iter(zones.values())))
    return case(*((site_id == sid, steps_of(zone)) for sid, zone in zones.items()))


def local_time(moment: Any, site_id: Any, zones: dict[int, str], first: date, last: date) -> Any:
    """A UTC moment column as the wall time of its row's site."""
    return shifted(moment, local_offset(moment, site_id, zones, first, last))


def distribution(
    s: Session, values: Any, extra: tuple[Any, ...] = (), totals: bool = True
) -> dict[Any, tuple[Any, ...]]:
    """Per group `k` of the subquery, and for all under the key None when `totals`: (n, mean, median,
    P90, max, *extra) of its column `v`; the median and P90 by nearest rank (the value at rank ⌈p·n⌉
    of the sorted values, computed in integer arithmetic, the same on both databases)."""
    out: dict[Any, tuple[Any, ...]] = {}
    for grouped in (True, False) if totals else (True,):
        partition = [values.c.k] if grouped else []
        ranked = select(
            values,
            func.row_number().over(partition_by=partition, order_by=values.c.v).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        ).subquery()
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
        key = ranked.c.k if grouped else literal(None)
        stmt = select(key, *cols)
        if grouped:
            stmt = stmt.group_by(ranked.c.k)
        for k, *rest in s.execute(stmt):
            out[k if grouped else None] = tuple(rest)
    return out


def one_decimal(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def percent(part: Any, whole_: Any) -> float | None:
    return round(100.0 * float(part or 0) / float(whole_), 1) if whole_ else None
