"""Socket.IO /track: a ticket's tracking token, and only it, opens a live view of that one ticket."""

from __future__ import annotations

import logging

import pytest
from flask_socketio import ConnectionRefusedError
from sqlalchemy import update

from guichet.models import Ticket
from guichet.services import calling, ticket_steps, tickets
from guichet.services import tracking as tracking_service
from tracking import socket as tracking

NS = "/track"
PUBLIC_KEYS = {
    "number",
    "service",
    "service_label",
    "status",
    "position",
    "estimated_wait_s",
    "counter",
    "called_at",
}


def token_of(issued: dict) -> str:
    return issued["tracking_url"].rsplit("/t/", 1)[1]


def follow(app, client, token):
    return app.extensions["socketio"].test_client(
        app, namespace=NS, auth={"token": token}, flask_test_client=client
    )


def events(sio_client, name: str) -> list[dict]:
    return [e["args"][0] for e in sio_client.get_received(NS) if e["name"] == name]


def test_a_valid_token_connects_and_receives_the_public_snapshot(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tracker = follow(app, client, token_of(issued))
    assert tracker.is_connected(NS)
    [snapshot] = events(tracker, "snapshot")
    assert snapshot == tracking_service.public_status(ctx, token_of(issued))
    assert set(snapshot) == PUBLIC_KEYS
    assert snapshot["number"] == "F001" and snapshot["status"] == "waiting" and snapshot["position"] == 1


@pytest.mark.parametrize(
    "auth",
    [
        None,
        {},
        {"token": None},
        {"token": 12345},
        {"token": ["a" * 32]},
        {"token": ""},
        {"token": "short"},
        {"token": "a" * 65},
        {"token": "has spaces and ; quotes' in it"},
        {"token": "well-formed-but-unknown_000000000"},
    ],
    ids=["no-auth", "empty", "null", "number", "list", "blank", "short", "long", "bad-chars", "unknown"],
)
def test_unknown_or_malformed_tokens_are_refused_and_learn_nothing(app, client, world, auth) -> None:
    tracker = app.extensions["socketio"].test_client(app, namespace=NS, auth=auth, flask_test_client=client)
    assert not tracker.is_connected(NS)
    assert tracker.queue == []  # not even a snapshot slipped out before the refusal


def test_refusals_say_the_same_thing_whether_the_token_is_malformed_or_unknown(app, world) -> None:
    answers = []
    for auth in (None, {"token": "x"}, {"token": "well-formed-but-unknown_000000000"}):
        with app.test_request_context("/socket.io"), pytest.raises(ConnectionRefusedError) as refused:
            tracking.TrackNamespace(NS).on_connect(auth)
        answers.append(refused.value.error_args)
    assert answers == [{"message": tracking.REFUSED}] * 3


@pytest.mark.parametrize("token", ["", "short", "a" * 65, "spaces and ; quotes' here____", "é" * 32])
def test_malformed_tokens_are_refused_without_touching_the_database(app, monkeypatch, token) -> None:
    looked_up = []
    monkeypatch.setattr(tracking_service, "public_status", lambda _ctx, tok: looked_up.append(tok))
    with app.test_request_context("/socket.io"), pytest.raises(ConnectionRefusedError) as refused:
        tracking.TrackNamespace(NS).on_connect({"token": token})
    assert refused.value.error_args == {"message": tracking.REFUSED} and looked_up == []


def test_calling_the_ticket_sends_ticket_called_with_the_counter_number(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tracker = follow(app, client, token_of(issued))
    tracker.get_received(NS)
    called = client.post(f"/api/v1/counters/{world.counters[2]}/call-next", headers=world.auth("agent"))
    assert called.status_code == 200 and called.get_json()["number"] == "F001"
    received = tracker.get_received(NS)
    [call] = [e["args"][0] for e in received if e["name"] == "ticket_called"]
    assert call["counter"] == 2 and call["number"] == "F001" and call["recall"] is False
    assert "queue_changed" in [e["name"] for e in received]


def test_a_recall_reaches_the_tracker_as_a_new_call(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    tracker = follow(app, client, token_of(issued))
    tracker.get_received(NS)
    ticket_steps.act(ctx, world.actors["agent"], issued["id"], "recall")
    [call] = events(tracker, "ticket_called")
    assert call["recall"] is True and call["counter"] == 2


def test_a_tracker_of_ticket_b_hears_nothing_of_ticket_a_but_an_empty_queue_hint(
    app, ctx, client, world
) -> None:
    first = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    second = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tracker_a = follow(app, client, token_of(first))
    tracker_b = follow(app, client, token_of(second))
    tracker_a.get_received(NS)
    tracker_b.get_received(NS)
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    assert [c["number"] for c in events(tracker_a, "ticket_called")] == ["F001"]
    # B only gets an empty hint that its queue moved: nothing about A's number or counter.
    received_b = tracker_b.get_received(NS)
    assert [e["name"] for e in received_b] == ["queue_changed"]
    assert all(arg == {} for e in received_b for arg in e["args"])


def test_refresh_answers_a_fresh_snapshot(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tracker = follow(app, client, token_of(issued))
    tracker.get_received(NS)
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    tracker.get_received(NS)
    tracker.emit("refresh", namespace=NS)
    [snapshot] = events(tracker, "snapshot")
    assert snapshot["status"] == "called" and snapshot["counter"] == 2 and snapshot["position"] is None


def test_the_snapshot_never_carries_the_agents_note(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    agent = world.actors["agent"]
    tracker = follow(app, client, token_of(issued))
    calling.call_next(ctx, agent, world.counters[2])
    ticket_steps.act(ctx, agent, issued["id"], "start")
    ticket_steps.act(ctx, agent, issued["id"], "finish", {"outcome": "resolved", "note": "Mme Durand, RSA"})
    tracker.get_received(NS)
    tracker.emit("refresh", namespace=NS)
    [snapshot] = events(tracker, "snapshot")
    assert snapshot["status"] == "done" and "Durand" not in repr(snapshot) and set(snapshot) == PUBLIC_KEYS


def test_a_token_that_stops_resolving_is_disconnected_on_refresh(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tracker = follow(app, client, token_of(issued))
    tracker.get_received(NS)

    def forget(s, _events):
        gone = update(Ticket).where(Ticket.id == issued["id"]).values(tracking_token="replaced_" + "0" * 24)
        s.execute(gone)

    ctx.transact(forget)
    tracker.emit("refresh", namespace=NS)
    assert not tracker.is_connected(NS)
    assert tracker.queue == []


def test_the_token_is_never_logged_even_when_the_database_fails(
    app, ctx, client, world, caplog, monkeypatch
) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    token = token_of(issued)
    caplog.set_level(logging.DEBUG)
    follow(app, client, "well-formed-but-unknown_000000000")
    tracker = follow(app, client, token)
    tracker.get_received(NS)

    def broken(_ctx, tok):  # what a driver error looks like: it quotes the query's parameters
        raise RuntimeError(f"database is locked [parameters: ('{tok}',)]")

    monkeypatch.setattr(tracking_service, "public_status", broken)
    tracker.emit("refresh", namespace=NS)
    assert tracker.is_connected(NS) and tracker.get_received(NS) == []
    refused = follow(app, client, token)
    assert not refused.is_connected(NS)
    assert "tracking snapshot failed: RuntimeError" in caplog.text
    assert token not in caplog.text
