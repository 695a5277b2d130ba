"""Retention of personal data beyond appointments (issue 13, item 9), on SQLite and PostgreSQL: ticket
notes, agents and the event log are erased past their settings while every figure of the dashboard
stays the same (the rollup keeps them); the event log's triggers still refuse every other delete and
every update; answered cases lose their contacts and texts; the rollup counts each day once when two
processes race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DatabaseError

from guichet.models import (
    Case,
    CaseMessage,
    CaseService,
    Request,
    RetentionGrant,
    StatsCell,
    StatsDay,
    Ticket,
    TicketEvent,
)
from guichet.services import dashboard, jobs, retention, rollup
from guichet.services.retention import purge_personal_data
from guichet.settings import Retention

from ..conftest import make_settings
from ..stats_data import DAYS, FIRST, generate

LAST = FIRST + timedelta(days=DAYS - 1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # nine days after the generated period
SHORT = Retention(
    ticket_notes_days=5,
    ticket_agents_days=5,
    event_log_days=5,
    case_contacts_days=30,
    case_texts_days=60,
)


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url).with_overrides(retention=SHORT)


@pytest.fixture
def clock(ctx):  # type: ignore[no-untyped-def]
    state = {"now": NOW}
    ctx.clock = lambda: state["now"]
    return state


def _with_notes_and_events(ctx, world) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The generated tickets, each with a note naming a person and its issue event."""
    rows = generate(ctx, world)

    def work(s, _e):  # type: ignore[no-untyped-def]
        s.execute(update(Ticket).values(note="Mme Dupont, née le 01/02/1960, dossier CAF 1234567"))
        s.execute(
            insert(TicketEvent),
            [
                {
                    "ticket_id": r["id"],
                    "site_id": r["site_id"],
                    "at": r["arrived_at"],
                    "action": "issue",
                    "to_state": "waiting",
                    "data": {},
                }
                for r in rows
            ],
        )

    ctx.transact(work)
    return rows


def _figures(ctx, world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dashboard.dashboard(ctx, world.actors["manager"], "test", "custom", FIRST, LAST)


def _count(ctx, stmt) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return int(s.scalar(stmt) or 0)


def test_the_purge_erases_notes_agents_and_old_events_and_every_figure_stays(
    ctx, world, clock, monkeypatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 37)  # several transactions of each kind
    rows = _with_notes_and_events(ctx, world)
    served_by_someone = sum(1 for r in rows if r["agent_id"] is not None)
    before = _figures(ctx, world)

    # Nothing rolled up yet: notes and events go (five days), agents stay until their day is rolled up.
    first = purge_personal_data(ctx)
    assert first["ticket_notes_erased"] == len(rows)
    assert first["events_deleted"] == len(rows)
    assert first["ticket_agents_erased"] == 0
    assert _count(ctx, select(func.count()).where(Ticket.agent_id.is_not(None))) == served_by_someone

    # The jobs roll the days up first, then erase the agents: the figures do not move.
    done = jobs.run_jobs(ctx)
    assert done["days_rolled_up"] == DAYS and done["ticket_agents_erased"] == served_by_someone
    assert _count(ctx, select(func.count()).where(Ticket.note.is_not(None))) == 0
    assert _count(ctx, select(func.count()).where(Ticket.agent_id.is_not(None))) == 0
    assert _count(ctx, select(func.count()).select_from(TicketEvent)) == 0
    assert _count(ctx, select(func.count()).where(StatsCell.agent_id.is_not(None))) == 0
    after = _figures(ctx, world)
    for group in ("totals", "services", "partners", "hours", "weekdays", "priority", "days", "arrivals"):
        assert after[group] == before[group], group
    # Per agent, the visitors are all still counted, under no one's name.
    assert [r["key"] for r in after["agents"]] == [None]
    assert after["agents"][0]["issued"] == sum(r["issued"] for r in before["agents"])
    assert after["agents"][0]["served"] == sum(r["served"] for r in before["agents"])
    # A second pass has nothing left to do.
    again = jobs.run_jobs(ctx)
    assert again["days_rolled_up"] == 0
    assert again["ticket_notes_erased"] == again["ticket_agents_erased"] == again["events_deleted"] == 0


def test_nothing_is_erased_before_its_retention(ctx, world, clock) -> None:
    rows = _with_notes_and_events(ctx, world)
    clock["now"] = datetime.combine(LAST, datetime.min.time(), UTC) + timedelta(days=3)
    done = jobs.run_jobs(ctx)
    # Only the first days are five days old; the last ones keep their notes, agents and events.
    young = [r for r in rows if r["issued_at"] >= clock["now"] - timedelta(days=5)]
    assert young and len(young) < len(rows)
    assert _count(ctx, select(func.count()).where(Ticket.note.is_not(None))) == len(young)
    assert _count(ctx, select(func.count()).select_from(TicketEvent)) == len(young)
    assert done["events_deleted"] == len(rows) - len(young)
    assert _count(ctx, select(func.count()).select_from(RetentionGrant)) == 0


def test_the_event_log_refuses_updates_and_deletes_outside_a_retention_grant(ctx, world, clock) -> None:
    _with_notes_and_events(ctx, world)
    cut = datetime.combine(FIRST + timedelta(days=2), datetime.min.time(), UTC)
    total = _count(ctx, select(func.count()).select_from(TicketEvent))
    older = _count(ctx, select(func.count()).where(TicketEvent.at < cut))
    assert 0 < older < total

    def without_grant(s, _e):  # type: ignore[no-untyped-def]
        s.execute(delete(TicketEvent).where(TicketEvent.at < cut))

    def grant_then(stmt):  # type: ignore[no-untyped-def]
        def work(s, _e):  # type: ignore[no-untyped-def]
            s.execute(insert(RetentionGrant).values(name="ticket_events", before=cut))
            s.execute(stmt)

        return work

    other_name = insert(RetentionGrant).values(name="something_else", before=NOW)
    for attempt in (
        without_grant,
        grant_then(delete(TicketEvent)),  # rows newer than the grant: refused
        grant_then(update(TicketEvent).values(action="forged")),  # never an update
        lambda s, _e: (s.execute(other_name), s.execute(delete(TicketEvent).where(TicketEvent.at < cut))),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            ctx.transact(attempt)
        assert _count(ctx, select(func.count()).select_from(TicketEvent)) == total

    # Inside the grant, the older rows go, and the grant itself leaves with the transaction.
    def purge(s, _e):  # type: ignore[no-untyped-def]
        s.execute(insert(RetentionGrant).values(name="ticket_events", before=cut))
        s.execute(delete(TicketEvent).where(TicketEvent.at < cut))
        s.execute(delete(RetentionGrant))

    ctx.transact(purge)
    assert _count(ctx, select(func.count()).select_from(TicketEvent)) == total - older
    assert _count(ctx, select(func.count()).select_from(RetentionGrant)) == 0


def test_answered_cases_lose_their_contacts_then_their_texts(ctx, world, clock) -> None:
    def case(answered_days_ago: int | None) -> dict[str, Any]:
        answered = None if answered_days_ago is None else NOW - timedelta(days=answered_days_ago)
        return {
            "site_id": world.site_id,
            "status": "open" if answered is None else "answered",
            "description": "Mme Dupont, dossier 1234567, demande de RSA",
            "consent": True,
            "contact_name": "Mme Dupont",
            "contact_email": "dupont@example.org",
            "contact_phone": "0601020304",
            "opened_by_id": world.user_ids["agent"],
            "opened_at": NOW - timedelta(days=400),
            "due_at": NOW - timedelta(days=397),
            "answer": None if answered is None else "Votre dossier est complet.",
            "answered_at": answered,
            "answered_by_id": None if answered is None else world.user_ids["expert"],
        }

    def work(s, _e):  # type: ignore[no-untyped-def]
        ids = [
            s.execute(insert(Case).values(**case(days)).returning(Case.id)).scalar_one()
            for days in (None, 10, 45, 90)
        ]
        for i in ids:
            s.execute(
                insert(CaseService).values(
                    case_id=i, service_id=world.services["CAF"], contribution="Vu avec Mme Dupont"
                )
            )
            # The exchange with the citizen: a reply naming them, and the answer once given.
            s.add(
                CaseMessage(case_id=i, kind="reply", text="Je suis Mme Dupont", at=NOW - timedelta(days=99))
            )
        return ids

    still_open, recent, past_contacts, past_both = ctx.transact(work)
    done = purge_personal_data(ctx)
    assert done["cases_anonymised"] == 2 and done["case_texts_erased"] == 1
    with ctx.db.session() as s:
        found = {
            i: (name, email, text, answer)
            for i, name, email, text, answer in s.execute(
                select(Case.id, Case.contact_name, Case.contact_email, Case.description, Case.answer)
            )
        }
        contributions = dict(s.execute(select(CaseService.case_id, CaseService.contribution)).all())
        exchange = dict(s.execute(select(CaseMessage.case_id, CaseMessage.text)).all())
        status, answered_at = s.execute(
            select(Case.status, Case.answered_at).where(Case.id == past_both)
        ).one()
    for kept in (still_open, recent):
        assert found[kept][0] == "Mme Dupont" and "Dupont" in found[kept][2]
    assert found[past_contacts][1] is None and "Dupont" in found[past_contacts][2]
    assert contributions[past_contacts] == "Vu avec Mme Dupont"
    assert (*found[past_both], contributions[past_both]) == (None, None, "", None, None)
    assert done["case_messages_erased"] == 1 and exchange[past_both] == ""
    assert all(exchange[i] == "Je suis Mme Dupont" for i in (still_open, recent, past_contacts))
    assert status == "answered" and answered_at is not None  # the case stays for the figures


def test_requests_solved_at_once_lose_their_contact_then_their_summary(ctx, world, clock) -> None:
    from guichet.services.requests import record_request

    body = {"channel": "phone", "services": ["CAF"], "summary": "Mme Dupont, dossier 1234567"}
    contact = {"consent": True, "contact": {"name": "Mme Dupont", "phone": "0601020304"}}
    for days_ago in (10, 45, 90):
        clock["now"] = NOW - timedelta(days=days_ago)
        record_request(
            ctx, world.actors["agent"], "test", {**body, **contact, "resolved_outcome": "resolved"}
        )
    clock["now"] = NOW
    done = purge_personal_data(ctx)
    assert done["requests_anonymised"] == 2 and done["request_texts_erased"] == 1  # past 30, past 60 days
    with ctx.db.session() as s:
        rows = s.execute(
            select(Request.contact_name, Request.consent, Request.summary, Request.outcome).order_by(
                Request.recorded_at
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (None, False, "", "resolved"),
        (None, False, "Mme Dupont, dossier 1234567", "resolved"),
        ("Mme Dupont", True, "Mme Dupont, dossier 1234567", "resolved"),
    ]


def test_two_processes_rolling_up_at_once_count_each_day_once(ctx, world, clock) -> None:
    rows = generate(ctx, world)
    start = threading.Barrier(2)
    rolled: list[int] = []

    def run() -> None:
        start.wait()
        rolled.append(rollup.roll_up(ctx))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(rolled) == DAYS
    assert _count(ctx, select(func.count()).select_from(StatsDay)) == DAYS
    issued = sum(1 for r in rows if r["transferred_from_id"] is None)
    assert _count(ctx, select(func.sum(StatsCell.issued))) == issued
    assert _figures(ctx, world)["totals"]["issued"] == issued
