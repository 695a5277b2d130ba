"""The managers' dashboard (/manage/stats): every breakdown equals the same figures computed here in
plain Python over the generated tickets (by service, partner, local hour of arrival, weekday, agent,
priority, day), on SQLite and PostgreSQL; appointments and level-2 cases; the CSV of each table and
the France Services export hold the page's numbers; only the site's managers see them."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, insert, select, update

from guichet.models import (
    Appointment,
    Case,
    CaseService,
    Partner,
    Service,
    StatsDay,
    StatsHistogram,
    Ticket,
)
from guichet.services import dashboard, results, rollup
from guichet.services.aggregates import utc_offsets

from ..conftest import make_settings
from ..factories import build_world
from ..stats_data import DAYS, FIRST, expected, generate
from .test_staff_pages import sign_in

PARIS = ZoneInfo("Europe/Paris")
LAST = FIRST + timedelta(days=DAYS - 1)


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


@pytest.fixture
def data(ctx, world):  # type: ignore[no-untyped-def]
    """The generated tickets, CAF given a partner (CPAM has none)."""

    def work(s, _e):  # type: ignore[no-untyped-def]
        pid = s.execute(insert(Partner).values(code="CAF", name="Caisse d'allocations").returning(Partner.id))
        pid = pid.scalar_one()
        s.execute(update(Service).where(Service.id == world.services["CAF"]).values(partner_id=pid))
        return pid

    partner = ctx.transact(work)
    rows = generate(ctx, world)
    with ctx.db.session() as s:
        targets = dict(s.execute(select(Service.id, Service.target_wait_min)).all())
    return rows, targets, partner


def _by(rows: list[dict[str, Any]], key) -> dict[Any, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return groups


def _indicators(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("key", "name", "code")}


# Groups whose medians and P90 the histograms (kept per service and day) can give.
WITH_PERCENTILES = ("services", "partners")


def _means_only(figures: dict[str, Any]) -> dict[str, Any]:
    figures["wait_s"]["median"] = figures["wait_s"]["p90"] = figures["service_s"]["median"] = None
    return figures


@pytest.mark.parametrize("rolled", ["no day", "the older half", "every day"])
def test_every_breakdown_equals_the_figures_computed_in_python(ctx, world, data, rolled) -> None:
    """Whether a day's figures are read from its rollup or computed live from its tickets, they are
    the same: nothing rolled up, the first days rolled and the others live, everything rolled."""
    rows, targets, partner = data
    if rolled != "no day":
        days = rollup.roll_up(ctx, limit=DAYS // 2 if rolled == "the older half" else DAYS)
        assert days == (DAYS // 2 if rolled == "the older half" else DAYS)
        with ctx.db.session() as s:
            assert s.scalar(select(func.count()).select_from(StatsDay)) == days
    found = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)
    assert (found["from"], found["to"]) == (FIRST.isoformat(), LAST.isoformat())
    assert _indicators(found["totals"]) == expected(rows, targets)
    keys = {
        "services": lambda r: r["service_id"],
        "partners": lambda r: partner if r["service_id"] == world.services["CAF"] else None,
        "hours": lambda r: r["arrived_at"].astimezone(PARIS).hour,
        "weekdays": lambda r: r["business_day"].weekday(),
        "agents": lambda r: r["agent_id"],
        "priority": lambda r: r["priority"],
        "days": lambda r: r["business_day"].isoformat(),
    }
    for group, key in keys.items():
        want = {k: expected(members, targets) for k, members in _by(rows, key).items()}
        if group not in WITH_PERCENTILES:
            want = {k: _means_only(w) for k, w in want.items()}
        got = {r["key"]: _indicators(r) for r in found[group]}
        assert got == want, group
    # Names come with the keys; a None key is kept (tickets nobody served, services without partner).
    assert {r["name"] for r in found["services"]} == {"Service CAF", "Service CPAM"}
    assert {r["key"]: r["name"] for r in found["partners"]} == {partner: "Caisse d'allocations", None: None}
    agents = {r["key"]: r["name"] for r in found["agents"]}
    assert agents[world.user_ids["agent"]] == "agent-test" and None in agents


def test_whole_months_read_their_monthly_histograms(ctx, world) -> None:
    """From 28 September to 4 November: October is read from its month's histogram, the days around
    it from theirs; the figures are still the ones computed in Python."""
    first, days = date(2026, 9, 28), 38
    rows = generate(ctx, world, first=first, days=days)
    with ctx.db.session() as s:
        targets = dict(s.execute(select(Service.id, Service.target_wait_min)).all())
    assert rollup.roll_up(ctx, limit=days) == days
    assert rollup.roll_months(ctx) == 3  # September (its last days), October, November (its first)
    assert rollup.roll_months(ctx) == 0
    # October's days lose their own histograms: only its month's rows can give its percentiles.
    october = (date(2026, 10, 1), date(2026, 10, 31))
    ctx.transact(
        lambda s, _e: s.execute(
            delete(StatsHistogram).where(
                StatsHistogram.business_day >= october[0], StatsHistogram.business_day <= october[1]
            )
        )
    )
    for lo, hi in ((first, first + timedelta(days=days - 1)), october):
        found = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", lo, hi)
        members = [r for r in rows if lo <= r["business_day"] <= hi]
        assert _indicators(found["totals"]) == expected(members, targets), (lo, hi)
        by_service = {r["key"]: _indicators(r) for r in found["services"]}
        assert by_service == {
            k: expected(m, targets) for k, m in _by(members, lambda r: r["service_id"]).items()
        }


def test_the_arrival_curve_counts_first_issues_per_local_hour_and_open_day(ctx, world, data) -> None:
    rows, _targets, _partner = data
    found = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)["arrivals"]
    first = [r for r in rows if r["transferred_from_id"] is None]
    per_hour = _by(first, lambda r: r["arrived_at"].astimezone(PARIS).hour)
    days = len({r["business_day"] for r in first})
    assert found["days"] == days
    assert found["by_hour"] == [
        {"hour": h, "arrivals": len(m), "per_day": round(len(m) / days, 1)}
        for h, m in sorted(per_hour.items())
    ]
    assert found["peaks"] and all(p["hours"] for p in found["peaks"])


def test_local_hours_follow_the_change_to_winter_time(ctx, world) -> None:
    # 25 October 2026, 03:00 (summer, UTC+2) becomes 02:00 (winter, UTC+1): 08:30 UTC is 10:30 local
    # on the Saturday and 09:30 local on the Monday.
    assert [o for _u, o in utc_offsets("Europe/Paris", date(2026, 10, 24), date(2026, 10, 26))] == [
        7200,
        3600,
    ]
    moments = [datetime(2026, 10, 24, 8, 30, tzinfo=UTC), datetime(2026, 10, 26, 8, 30, tzinfo=UTC)]

    def work(s, _e):  # type: ignore[no-untyped-def]
        for i, at in enumerate(moments):
            s.execute(
                insert(Ticket).values(
                    site_id=world.site_id,
                    service_id=world.services["CAF"],
                    business_day=at.astimezone(PARIS).date(),
                    sequence=i + 1,
                    number=f"F{i + 1:03d}",
                    state="waiting",
                    source="kiosk",
                    tracking_token=uuid.uuid4().hex,
                    arrived_at=at,
                    issued_at=at,
                )
            )

    ctx.transact(work)
    found = dashboard.dashboard(
        ctx, world.actors["manager"], "test", "custom", date(2026, 10, 24), date(2026, 10, 26)
    )
    assert [(r["key"], r["issued"]) for r in found["hours"]] == [(9, 1), (10, 1)]
    assert [(r["key"], r["issued"]) for r in found["weekdays"]] == [(0, 1), (5, 1)]


def _appointment(world, starts: datetime, status: str, channel: str, ahead_h: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "site_id": world.site_id,
        "service_id": world.services["CAF"],
        "starts_at": starts,
        "duration_min": 30,
        "code": uuid.uuid4().hex[:12].upper(),
        "status": status,
        "created_at": starts - timedelta(hours=ahead_h),
        "channel": channel,
    }


def test_appointments_and_cases_of_the_period(ctx, world) -> None:
    now = ctx.clock()
    day = FIRST + timedelta(days=1)
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    appointments = [
        _appointment(world, at, "seen", "online", 48),
        _appointment(world, at + timedelta(minutes=30), "seen", "agent", 24),
        _appointment(world, at + timedelta(hours=1), "no_show", "online", 72),
        _appointment(world, at + timedelta(hours=2), "cancelled", "online", 96),
        # 22:30 UTC on 1 November is 23:30 in Paris, the evening before the period: outside; an hour
        # later it is 00:30 on 2 November, the period's first day: inside.
        _appointment(world, datetime(2026, 11, 1, 22, 30, tzinfo=UTC), "seen", "online", 5),
        _appointment(world, datetime(2026, 11, 1, 23, 30, tzinfo=UTC), "cancelled", "import", 5),
    ]
    opened = at - timedelta(hours=1)

    def work(s, _e):  # type: ignore[no-untyped-def]
        s.execute(insert(Appointment), appointments)
        uid = world.user_ids["agent"]
        cases = [
            {"answered_at": opened + timedelta(hours=10)},  # in time
            {"answered_at": opened + timedelta(hours=80)},  # late
            {"answered_at": None},  # still open, past its deadline
        ]
        for c in cases:
            cid = s.execute(
                insert(Case)
                .values(
                    site_id=world.site_id,
                    status="answered" if c["answered_at"] else "open",
                    description="x",
                    opened_by_id=uid,
                    opened_at=opened,
                    due_at=opened + timedelta(hours=72),
                    answered_at=c["answered_at"],
                )
                .returning(Case.id)
            ).scalar_one()
            s.execute(insert(CaseService).values(case_id=cid, service_id=world.services["CAF"]))

    ctx.transact(work)
    found = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)
    ap = found["appointments"]
    assert ap["total"] == 5
    assert ap["by_status"] == {"seen": 2, "no_show": 1, "cancelled": 2}
    assert ap["by_channel"] == {"online": 3, "agent": 1, "import": 1}
    assert ap["honoured_pct"] == round(100 * 2 / 3, 1)
    leads = sorted(h * 3600 for h in (48, 24, 72, 96))  # imported ones were not booked here: left out
    assert ap["lead_time_s"] == {"mean": sum(leads) / 4, "median": leads[1], "p90": leads[3]}
    assert found["cases"] == {
        "opened": 3,
        "answered": 2,
        "answered_in_time": 1,
        "in_time_pct": 50.0,
        "overdue": 1 if now > opened + timedelta(hours=72) else 0,
    }


def test_requests_by_channel_of_the_period(ctx, world) -> None:
    """Requests recorded in the period (the site's local days), per channel: solved at once or
    passed to level 2; one the day after the period is left out."""
    from guichet.services.requests import record_request

    agent = world.actors["agent"]
    inside = datetime(FIRST.year, FIRST.month, FIRST.day, 10, tzinfo=UTC)
    sent = [
        (inside, "phone", "resolved"),
        (inside, "phone", None),
        (inside, "email", None),
        (inside + timedelta(days=2), "post", "redirected"),
        (
            datetime(LAST.year, LAST.month, LAST.day, 23, 30, tzinfo=UTC),
            "phone",
            "resolved",
        ),  # 00:30 next day
    ]
    for at, channel, outcome in sent:
        ctx.clock = lambda at=at: at
        body = {"channel": channel, "services": ["CAF"], "summary": "Demande"}
        record_request(ctx, agent, "test", {**body, **({"resolved_outcome": outcome} if outcome else {})})
    # The e-mail's case is answered 8 days after it came: past the week Services Publics+ allows.
    ctx.transact(
        lambda s, _e: s.execute(
            update(Case)
            .where(Case.channel == "email")
            .values(status="answered", answered_at=inside + timedelta(days=8))
        )
    )
    found = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)
    assert found["channels"] == [
        {
            "channel": "phone",
            "requests": 2,
            "resolved": 1,
            "escalated": 1,
            "delay_days": None,
            "answered_in_delay_pct": None,
        },
        {
            "channel": "email",
            "requests": 1,
            "resolved": 0,
            "escalated": 1,
            "delay_days": 7,
            "answered_in_delay_pct": 0.0,
        },
        {
            "channel": "post",
            "requests": 1,
            "resolved": 1,
            "escalated": 0,
            "delay_days": 14,
            "answered_in_delay_pct": 100.0,
        },
    ]
    # Answered in 6 days instead: within the week.
    ctx.transact(
        lambda s, _e: s.execute(
            update(Case).where(Case.channel == "email").values(answered_at=inside + timedelta(days=6))
        )
    )
    again = dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)
    assert again["channels"][1]["answered_in_delay_pct"] == 100.0
    assert found["cases"]["opened"] == 2  # the escalated ones are the period's level-2 cases


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        ("today", date(2026, 12, 3), date(2026, 12, 3)),
        ("week", date(2026, 11, 30), date(2026, 12, 3)),  # from Monday
        ("month", date(2026, 12, 1), date(2026, 12, 3)),
        ("custom", date(2026, 11, 4), date(2026, 12, 3)),  # the 30 days up to today
    ],
)
def test_named_periods_cover_their_days(kind: str, first: date, last: date) -> None:
    assert dashboard.period_of(kind, date(2026, 12, 3), None, None) == (first, last)


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # a French spreadsheet reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_csv_of_a_table_holds_the_dashboards_numbers(client, ctx, world, data) -> None:
    rows, targets, _partner = data
    query = f"period=custom&from={FIRST}&to={LAST}"
    table = _csv(client.get(f"/manage/stats/services.csv?{query}", headers=world.auth("manager")))
    assert table[0][:3] == ["Service", "Tickets", "Servis"] and table[0][7] == "Attente moyenne (s)"
    body = {line[0]: line[1:] for line in table[1:]}
    whole = expected(rows, targets)
    assert body["Tous les services"][:6] == [
        str(whole[k]) for k in ("issued", "served", "no_show", "cancelled", "transferred", "redirected")
    ]
    assert body["Tous les services"][7] == str(whole["wait_s"]["median"])
    caf = expected([r for r in rows if r["service_id"] == world.services["CAF"]], targets)
    assert body["Service CAF"][0] == str(caf["issued"]) and body["Service CAF"][10] == str(
        caf["within_target_pct"]
    )
    days = _csv(client.get(f"/manage/stats/days.csv?{query}", headers=world.auth("manager")))
    assert len(days) == 1 + DAYS and days[1][0] == FIRST.strftime("%d/%m/%Y")
    assert client.get(f"/manage/stats/nothing.csv?{query}", headers=world.auth("manager")).status_code == 404


def test_the_france_services_export_counts_per_month_partner_and_demarche(client, ctx, world, data) -> None:
    rows, _targets, _partner = data
    table = _csv(
        client.get(
            f"/manage/stats/france-services.csv?period=custom&from={FIRST}&to={LAST}",
            headers=world.auth("manager"),
        )
    )
    head = table[0]
    assert head[:7] == [
        "month",
        "site_code",
        "site_name",
        "partner_code",
        "partner_name",
        "demarche_code",
        "demarche_label",
    ]
    got = {(r[0], r[3], r[5]): dict(zip(head, r, strict=True)) for r in table[1:]}
    for code, partner in (("CAF", "CAF"), ("CPAM", "SANS_PARTENAIRE")):
        mine = [r for r in rows if r["service_id"] == world.services[code]]
        line = got[("2026-11", partner, code)]
        assert line["site_code"] == "test" and line["visits"] == str(len(mine))
        assert line["served"] == str(sum(1 for r in mine if r["state"] == "done"))
    assert len(got) == 2


def test_the_page_shows_the_figures_and_refuses_bad_dates_in_french(client, ctx, world, data) -> None:
    sign_in(client, "manager-test")
    page = client.get(f"/manage/stats?period=custom&from={FIRST}&to={LAST}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Par service" in html and 'data-table="hours"' in html and "<svg" in html
    assert f'name="from" type="date" value="{FIRST}"' in html
    bad = client.get("/manage/stats?period=custom&from=2026-02-30")
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    inverted = client.get(f"/manage/stats?period=custom&from={LAST}&to={FIRST}")
    assert inverted.status_code == 400 and "précède" in inverted.get_data(as_text=True)


def test_only_managers_see_the_figures_and_only_of_their_sites(client, ctx, world) -> None:
    other = build_world(ctx, "autre")
    assert client.get("/manage/stats", headers=world.auth("agent")).status_code == 403
    assert client.get("/manage/stats/services.csv", headers=world.auth("agent")).status_code == 403
    assert client.get("/manage/stats/services.csv").status_code == 401
    mine = client.get("/manage/stats?site=autre", headers=world.auth("manager"))
    assert mine.status_code == 403
    assert (
        client.get("/manage/stats/france-services.csv?site=autre", headers=world.auth("manager")).status_code
        == 403
    )
    # Every site is the admin's; a manager's "all" is their own site only.
    both = dashboard.dashboard(ctx, world.actors["admin"], None, "month")
    assert {s["slug"] for s in both["sites"]} == {"test", "autre"}
    own = dashboard.dashboard(ctx, world.actors["manager"], None, "month")
    assert [s["slug"] for s in own["sites"]] == ["test"]
    assert other.slug == "autre"


def test_the_public_results_page_publishes_the_last_30_days_without_personal_data(
    client, ctx, world, data
) -> None:
    rows, targets, _partner = data
    ctx.clock = lambda: datetime(LAST.year, LAST.month, LAST.day, 10, tzinfo=UTC) + timedelta(days=1)
    found = results.public_results(ctx, "test")
    whole = expected(rows, targets)  # every generated day lies in the 30 days before "today"
    assert (found["from"], found["to"]) == ((LAST - timedelta(days=29)).isoformat(), LAST.isoformat())
    assert (found["served"], found["wait_mean_s"], found["within_target_pct"]) == (
        whole["served"],
        whole["wait_s"]["mean"],
        whole["within_target_pct"],
    )
    page = client.get("/resultats/test")  # public: no sign-in
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nos résultats" in html and "Horaires d'ouverture" in html
    assert "agent-test" not in html and "agent2-test" not in html
    assert client.get("/resultats/nowhere").status_code == 404
