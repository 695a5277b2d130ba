"""The level-2 SLA clock warns (issue 14, item 1): when a case nears its deadline and when it passes
it, its experts and the site's managers get one e-mail each (sent through a real SMTP server on
loopback), whatever the request's channel; twice never, not for an answered case, not for another
site's staff; GET /api/v1/cases/due counts the cases due soon and late for the staff pages."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from guichet.models import Notification, User
from guichet.services import case_alerts, jobs

from ..conftest import make_settings
from .test_booking_mail import inbox  # noqa: F401  (a real SMTP server on loopback)

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
EMAILS = {"expert": "expert@mairie.test", "manager": "manager@mairie.test", "agent": "agent@mairie.test"}


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    """On SQLite and on PostgreSQL."""
    return make_settings(database_url)


@pytest.fixture
def clock(ctx, world):  # type: ignore[no-untyped-def]
    state = {"now": NOW}
    ctx.clock = lambda: state["now"]

    def work(s, _e):  # type: ignore[no-untyped-def]
        for role, address in EMAILS.items():
            s.execute(update(User).where(User.id == world.user_ids[role]).values(email=address))

    ctx.transact(work)
    return state


def escalate(client, world, channel: str = "email"):  # type: ignore[no-untyped-def]
    r = client.post(
        f"/api/v1/sites/{world.slug}/requests",
        json={
            "channel": channel,
            "services": ["CAF"],
            "summary": "Mme Dupont, dossier 1234567",
            "consent": False,
        },
        headers=world.auth("agent"),
    )
    assert r.status_code == 201, r.json
    return r.json


def answer(client, world, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """The expert contributes for CAF and gives the grouped answer."""
    expert = world.auth("expert")
    contributed = client.post(
        f"/api/v1/cases/{case_id}/contributions", json={"service": "CAF", "text": "Vu"}, headers=expert
    )
    assert contributed.status_code == 200, contributed.json
    answered = client.post(f"/api/v1/cases/{case_id}/answer", json={"text": "Réponse"}, headers=expert)
    assert answered.status_code == 200, answered.json


def _warnings(ctx) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return [
            (n.case_id, n.kind, n.recipient)
            for n in s.scalars(
                select(Notification).where(Notification.case_id.is_not(None)).order_by(Notification.id)
            )
        ]


def test_experts_and_managers_are_warned_once_before_and_once_after_the_deadline(
    client,
    ctx,
    world,
    clock,
    inbox,  # noqa: F811
) -> None:
    case = escalate(client, world)
    due = datetime.fromisoformat(case["deadline_at"])
    assert jobs.run_jobs(ctx)["cases_near_deadline"] == 0  # 72 h ahead: nothing yet
    clock["now"] = due - timedelta(hours=23)
    first = jobs.run_jobs(ctx)
    assert first["cases_near_deadline"] == 1 and first["sent"] == 2
    assert sorted(w[2] for w in _warnings(ctx)) == ["expert@mairie.test", "manager@mairie.test"]
    assert jobs.run_jobs(ctx)["cases_near_deadline"] == 0  # once
    clock["now"] = due + timedelta(minutes=1)
    late = jobs.run_jobs(ctx)
    assert late["cases_overdue"] == 1 and late["sent"] == 2
    assert jobs.run_jobs(ctx)["cases_overdue"] == 0
    kinds = sorted((w[1], w[2]) for w in _warnings(ctx))
    assert kinds == [
        ("case_near", "expert@mairie.test"),
        ("case_near", "manager@mairie.test"),
        ("case_overdue", "expert@mairie.test"),
        ("case_overdue", "manager@mairie.test"),
    ]
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert len(subjects) == 4 and all(case["reference"] in s for s in subjects)
    assert sum("dépassé" in s for s in subjects) == 2
    # Paris time in the text; nothing of the citizen's request.
    body = inbox.messages[0].get_content()
    assert "avant le jeudi 25 mars 2027 à 09 h 00" in body
    assert "Services concernés : Service CAF." in body
    assert all("Dupont" not in m.get_content() for m in inbox.messages)


def test_an_answered_case_is_not_warned_and_a_queued_warning_is_dropped(
    client,
    ctx,
    world,
    clock,
    inbox,  # noqa: F811
) -> None:  # noqa: F811
    answered = escalate(client, world)
    queued = escalate(client, world, "phone")
    answer(client, world, answered["id"])
    clock["now"] = datetime.fromisoformat(queued["deadline_at"]) - timedelta(hours=1)
    assert case_alerts.warn_deadlines(ctx) == {"cases_near_deadline": 1, "cases_overdue": 0}
    assert {w[0] for w in _warnings(ctx)} == {queued["id"]}
    # Answered after its warning was queued, before the outbox ran: the warning is not sent.
    answer(client, world, queued["id"])
    sent = jobs.run_jobs(ctx)
    assert sent["sent"] == 0 and sent["dropped"] == 2 and inbox.messages == []


def test_two_job_loops_warn_each_case_once(client, ctx, world, clock) -> None:
    cases = [escalate(client, world) for _ in range(5)]
    clock["now"] = datetime.fromisoformat(cases[0]["deadline_at"]) + timedelta(minutes=5)
    start = threading.Barrier(2)
    found: list[dict[str, int]] = []

    def loop() -> None:
        start.wait()
        found.append(case_alerts.warn_deadlines(ctx))

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(f["cases_overdue"] for f in found) == 5
    overdue = [w for w in _warnings(ctx) if w[1] == "case_overdue"]
    assert len(overdue) == 10 and len(set(overdue)) == 10  # two recipients each, no duplicate


def test_the_staff_pages_count_the_cases_due_soon_and_late(client, ctx, world, clock) -> None:
    first = escalate(client, world)
    escalate(client, world, "post")
    assert client.get("/api/v1/cases/due", headers=world.auth("expert")).json == {"overdue": 0, "due_soon": 0}
    clock["now"] = datetime.fromisoformat(first["deadline_at"]) - timedelta(hours=2)
    assert client.get("/api/v1/cases/due", headers=world.auth("expert")).json == {
        "overdue": 0,
        "due_soon": 2,
    }
    clock["now"] += timedelta(hours=3)
    assert client.get("/api/v1/cases/due", headers=world.auth("manager")).json == {
        "overdue": 2,
        "due_soon": 0,
    }
    # An agent sees only the cases they opened: none.
    assert client.get("/api/v1/cases/due", headers=world.auth("agent2")).json == {
        "overdue": 0,
        "due_soon": 0,
    }
