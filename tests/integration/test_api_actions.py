"""Counter actions on a ticket: the lifecycle over HTTP, who may act, the event log and published events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from guichet.models import TicketEvent


def issue(client, world, service: str = "CAF") -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/v1/sites/{world.slug}/tickets", json={"service": service}, headers=world.auth("kiosk")
    )
    assert response.status_code == 201
    return response.json


def call_next(client, world, counter: int = 1, who: str = "agent"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/counters/{world.counters[counter]}/call-next", headers=world.auth(who))


def act(client, world, ticket_id: int, action: str, who: str = "agent", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tickets/{ticket_id}/{action}", json=body, headers=world.auth(who))


def called_ticket(client, world) -> dict:  # type: ignore[no-untyped-def]
    ticket = issue(client, world)
    response = call_next(client, world)
    assert response.status_code == 200 and response.json["id"] == ticket["id"]
    return response.json


def log_rows(ctx, ticket_id: int) -> list:  # type: ignore[no-untyped-def]
    """(action, to_state, actor_user_id) of every ticket_events row of the ticket, oldest first."""
    with ctx.db.session() as s:
        return list(
            s.execute(
                select(TicketEvent.action, TicketEvent.to_state, TicketEvent.actor_user_id)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            ).all()
        )


# --- lifecycle -----------------------------------------------------------------------------------


def test_full_flow_call_recall_start_finish_records_outcome_and_note(client, world) -> None:
    ticket = called_ticket(client, world)
    recalled = act(client, world, ticket["id"], "recall")
    assert recalled.status_code == 200
    assert recalled.json["status"] == "called" and recalled.json["recall_count"] == 1
    started = act(client, world, ticket["id"], "start")
    assert started.status_code == 200 and started.json["status"] == "serving"
    assert started.json["started_at"]
    done = act(client, world, ticket["id"], "finish", outcome="resolved", note="dossier complet")
    assert done.status_code == 200
    assert done.json["status"] == "done" and done.json["outcome"] == "resolved"
    assert done.json["note"] == "dossier complet" and done.json["ended_at"]


def test_no_show_requires_one_recall_first(client, world) -> None:
    ticket = called_ticket(client, world)
    refused = act(client, world, ticket["id"], "no-show")
    assert refused.status_code == 409 and refused.json["error"] == "recall_required"
    assert act(client, world, ticket["id"], "recall").status_code == 200
    accepted = act(client, world, ticket["id"], "no-show")
    assert accepted.status_code == 200 and accepted.json["status"] == "no_show"


def test_finish_without_outcome_is_a_422(client, world) -> None:
    ticket = called_ticket(client, world)
    act(client, world, ticket["id"], "start")
    response = act(client, world, ticket["id"], "finish")
    assert response.status_code == 422
    assert response.json["error"] == "validation"
    assert [e["field"] for e in response.json["errors"]] == ["outcome"]


def test_finish_with_an_outcome_outside_the_site_list_is_refused(client, world) -> None:
    ticket = called_ticket(client, world)
    act(client, world, ticket["id"], "start")
    response = act(client, world, ticket["id"], "finish", outcome="teleported")
    assert response.status_code == 409 and response.json["error"] == "unknown_outcome"
    assert "teleported" in response.json["message"]
    assert act(client, world, ticket["id"], "finish", outcome="resolved").status_code == 200


@pytest.mark.parametrize(
    "setup, action, body",
    [
        ([], "start", {}),
        ([], "recall", {}),
        ([], "no-show", {}),
        (["call", "start", ("finish", {"outcome": "resolved"})], "finish", {"outcome": "resolved"}),
        (["call"], "finish", {"outcome": "resolved"}),
        (["call", "start"], "cancel", {}),
        (["park"], "park", {}),
        (["cancel"], "unpark", {}),
    ],
)
def test_forbidden_transition_is_a_409_invalid_transition_in_french(
    client, world, setup, action, body
) -> None:
    ticket = issue(client, world)
    for step in setup:
        name, data = step if isinstance(step, tuple) else (step, {})
        if name == "call":
            response = call_next(client, world)
        else:
            response = act(client, world, ticket["id"], name, **data)
        assert response.status_code == 200, (name, response.json)
    response = act(client, world, ticket["id"], action, **body)
    assert response.status_code == 409
    assert response.json["error"] == "invalid_transition"
    assert response.json["message"].startswith(f"Action « {action} » impossible sur un ticket à l'état")


def test_park_unpark_and_cancel_a_waiting_ticket(client, world) -> None:
    ticket = issue(client, world)
    parked = act(client, world, ticket["id"], "park")
    assert parked.status_code == 200 and parked.json["status"] == "parked"
    assert call_next(client, world).status_code == 204  # a parked ticket is not called
    unparked = act(client, world, ticket["id"], "unpark")
    assert unparked.status_code == 200 and unparked.json["status"] == "waiting"
    cancelled = act(client, world, ticket["id"], "cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["ended_at"]
    assert call_next(client, world).status_code == 204


def test_requeue_from_called_keeps_arrival_and_frees_the_counter(client, world) -> None:
    ticket = called_ticket(client, world)
    response = act(client, world, ticket["id"], "requeue")
    assert response.status_code == 200
    assert response.json["status"] == "waiting" and response.json["counter"] is None
    assert response.json["arrived_at"] == ticket["arrived_at"]
    other = issue(client, world)
    again = call_next(client, world)  # the counter is free again, and the requeued ticket is older
    assert again.status_code == 200 and again.json["id"] == ticket["id"] != other["id"]


def test_unknown_action_is_a_json_404(client, world) -> None:
    ticket = issue(client, world)
    response = act(client, world, ticket["id"], "teleport")
    assert response.status_code == 404 and response.json["error"] == "unknown_action"


def test_action_on_unknown_ticket_is_a_json_404(client, world) -> None:
    response = act(client, world, 999_999, "cancel")
    assert response.status_code == 404 and response.json["error"] == "ticket_not_found"


def test_other_agent_may_not_act_on_a_held_ticket_but_a_manager_may(client, world) -> None:
    ticket = called_ticket(client, world)
    refused = act(client, world, ticket["id"], "start", who="agent2")
    assert refused.status_code == 403 and refused.json["error"] == "held_by_other_agent"
    assert ticket["number"] in refused.json["message"]
    allowed = act(client, world, ticket["id"], "start", who="manager")
    assert allowed.status_code == 200 and allowed.json["status"] == "serving"


# --- ticket_events log ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_each_action_appends_exactly_one_log_row_with_the_actor(client, ctx, world, who) -> None:
    ticket = issue(client, world)
    steps = [
        ("park", {}),
        ("unpark", {}),
        ("call", {}),
        ("recall", {}),
        ("start", {}),
        ("finish", {"outcome": "resolved"}),
    ]
    for name, body in steps:
        before = len(log_rows(ctx, ticket["id"]))
        response = (
            call_next(client, world, who=who)
            if name == "call"
            else act(client, world, ticket["id"], name, who=who, **body)
        )
        assert response.status_code == 200, (name, response.json)
        rows = log_rows(ctx, ticket["id"])
        assert len(rows) == before + 1, name
        assert rows[-1].action == name and rows[-1].actor_user_id == world.user_ids[who]
        assert rows[-1].to_state == response.json["status"]
    assert [r.action for r in log_rows(ctx, ticket["id"])][0] == "issue"


def test_refused_action_appends_no_log_row(client, ctx, world) -> None:
    ticket = issue(client, world)
    before = len(log_rows(ctx, ticket["id"]))
    assert act(client, world, ticket["id"], "start").status_code == 409
    assert len(log_rows(ctx, ticket["id"])) == before


def test_transfer_logs_one_row_on_each_of_the_two_tickets(client, ctx, world) -> None:
    ticket = called_ticket(client, world)
    act(client, world, ticket["id"], "start")
    before = len(log_rows(ctx, ticket["id"]))
    new = act(client, world, ticket["id"], "transfer", service="CPAM").json
    old_rows, new_rows = log_rows(ctx, ticket["id"]), log_rows(ctx, new["id"])
    assert len(old_rows) == before + 1 and old_rows[-1].action == "transfer"
    assert [r.action for r in new_rows] == ["transfer_in"]
    assert {old_rows[-1].actor_user_id, new_rows[0].actor_user_id} == {world.user_ids["agent"]}


# --- published events ----------------------------------------------------------------------------


def test_call_next_publishes_ticket_called_with_display_fields(client, world, published) -> None:
    issue(client, world)
    published.clear()
    ticket = call_next(client, world).json
    called = [e for e in published if e.name == "ticket_called"]
    assert len(called) == 1
    payload = called[0].payload
    assert payload["number"] == "F001" and payload["counter"] == 1 and payload["service"] == "CAF"
    assert payload["called_at"] == ticket["called_at"] and payload["recall"] is False


def test_recall_publishes_ticket_called_with_recall_true(client, world, published) -> None:
    ticket = called_ticket(client, world)
    published.clear()
    assert act(client, world, ticket["id"], "recall").status_code == 200
    called = [e for e in published if e.name == "ticket_called"]
    assert len(called) == 1 and called[0].payload["recall"] is True
    assert called[0].payload["number"] == ticket["number"]


def test_refused_action_publishes_nothing(client, world, published) -> None:
    ticket = called_ticket(client, world)
    published.clear()
    assert act(client, world, ticket["id"], "no-show").status_code == 409
    assert act(client, world, ticket["id"], "finish", outcome="resolved").status_code == 409
    assert call_next(client, world).status_code == 409
    assert published == []


def test_requeue_from_serving_logs_the_counter_it_left(ctx, client, world) -> None:
    from sqlalchemy import select

    from guichet.models import TicketEvent

    ticket = called_ticket(client, world)
    assert act(client, world, ticket["id"], "start").status_code == 200
    response = act(client, world, ticket["id"], "requeue")
    assert response.status_code == 200 and response.json["status"] == "waiting"
    with ctx.db.session() as s:
        event = s.execute(
            select(TicketEvent.from_state, TicketEvent.counter_id).where(
                TicketEvent.ticket_id == ticket["id"], TicketEvent.action == "requeue"
            )
        ).one()
    assert event.from_state == "serving" and event.counter_id == ticket["counter"]["id"]
