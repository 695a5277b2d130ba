"""Slot computation speed: 90 days × 20 experts (core.slots.free_slots), the figure issue 6 asks for.

Each expert receives Monday to Friday 08:30-12:30 and 13:30-17:00 at one of two places; a 15-minute
motif with a 5-minute buffer; about a third of the slots already booked; a week of leave per expert;
French national holidays as closed days. Prints the median and max of several runs.

    .venv/bin/python bench/slots.py [--days 90] [--experts 20] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from guichet.core.slots import Calendar, OpeningRange, SlotRules, first_free_per_start, free_slots

TZ = ZoneInfo("Europe/Paris")


def build(days: int, experts: int, seed: int = 1):  # type: ignore[no-untyped-def]
    rnd = random.Random(seed)
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # spans the end of March DST change
    start = now.date()
    ranges = [
        OpeningRange(e, 1 + e % 2, wd, a, b, start - timedelta(days=30))
        for e in range(1, experts + 1)
        for wd in range(5)
        for a, b in ((time(8, 30), time(12, 30)), (time(13, 30), time(17, 0)))
    ]
    rules = SlotRules(duration_min=15, buffer_min=5, max_delay_days=days)
    busy: dict[int, list[tuple[int, int]]] = {}
    absences: dict[int, list[tuple[int, int]]] = {}
    probe = free_slots(ranges, rules, Calendar(), now, start, start + timedelta(days=days), TZ)
    for slot in probe:
        if rnd.random() < 0.33:
            busy.setdefault(slot.expert_id, []).append((slot.start, slot.end))
    for e in range(1, experts + 1):
        leave = int(now.timestamp()) + rnd.randrange(days) * 86400
        absences[e] = [(leave, leave + 7 * 86400)]
    fr = holidays.France(years=[2026, 2027])
    closed = frozenset(d for d in fr)
    cal = Calendar(busy=busy, absences=absences, closed_days={1: closed, 2: closed})
    return ranges, rules, cal, now, start, start + timedelta(days=days), len(probe)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--experts", type=int, default=20)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    ranges, rules, cal, now, first, last, candidates = build(args.days, args.experts)
    times = []
    slots = []
    for _ in range(args.runs):
        t0 = clock.perf_counter()
        slots = free_slots(ranges, rules, cal, now, first, last, TZ)
        times.append((clock.perf_counter() - t0) * 1000)
    t0 = clock.perf_counter()
    starts = first_free_per_start(slots)
    collapse_ms = (clock.perf_counter() - t0) * 1000
    print(
        f"{args.days} days x {args.experts} experts: {len(ranges)} opening ranges, "
        f"{candidates} slots without bookings, {sum(len(v) for v in cal.busy.values())} booked"
    )
    print(f"free slots: {len(slots)} ({len(starts)} distinct start times, collapse {collapse_ms:.1f} ms)")
    print(
        f"free_slots over {args.runs} runs: median {statistics.median(times):.1f} ms, "
        f"min {min(times):.1f} ms, max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
