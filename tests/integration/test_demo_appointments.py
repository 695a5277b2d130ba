"""`guichet demo` books two appointments for today that the kiosk can check in, at any hour."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from guichet.models import Appointment
from guichet.services.context import Context
from guichet.services.demo import load_demo

from ..conftest import standalone_context

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def demo_ctx(sqlite_url: str) -> Context:
    return standalone_context(sqlite_url)


def _imported(ctx: Context) -> list[tuple[str, int | None, datetime]]:
    """(code, expert, start in UTC) of the demo's imported appointments."""
    with ctx.db.session() as s:
        rows = s.execute(
            select(Appointment.code, Appointment.expert_id, Appointment.starts_at).where(
                Appointment.channel == "import"
            )
        )
        return [(code, expert, start.replace(tzinfo=UTC)) for code, expert, start in rows]


@pytest.mark.parametrize(
    "local_now",
    [datetime(2026, 12, 4, 10, 3, tzinfo=PARIS), datetime(2026, 12, 4, 23, 50, tzinfo=PARIS)],
    ids=["morning", "ten-to-midnight"],
)
def test_each_run_books_todays_appointments_never_past_midnight_nor_on_top_of_another(
    demo_ctx: Context, local_now: datetime
) -> None:
    now = local_now.astimezone(UTC)
    demo_ctx.clock = lambda: now
    printed: list[str] = []
    # Four runs, each after the previous appointments were checked in (as the browser tests do).
    for _run in range(4):
        report = load_demo(demo_ctx)
        assert len(report.appointments) == 2
        printed.extend(code for _when, _label, code in report.appointments)
        with demo_ctx.db.session() as s, s.begin():
            s.execute(update(Appointment).where(Appointment.channel == "import").values(status="checked_in"))
    rows = _imported(demo_ctx)
    assert sorted(code for code, _e, _s in rows) == sorted(printed)
    assert len(rows) == 8
    starts = [start for _c, _e, start in rows]
    assert {start.astimezone(PARIS).date() for start in starts} == {date(2026, 12, 4)}, starts
    slots = [(expert, start) for _c, expert, start in rows]
    assert len(set(slots)) == len(slots), slots
    # Within the hour to come (or the minutes just before midnight): check-in can be tried at once.
    soon = now + timedelta(minutes=60)
    assert all(now - timedelta(minutes=30) <= start <= soon for start in starts), starts
