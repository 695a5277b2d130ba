"""Displays: device-only namespace, a full snapshot on connect, calls and messages pushed after commit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from guichet.models import Device
from guichet.services import calling, ticket_steps, tickets

NS = "/display"


def screen(app, client, token: str):  # type: ignore[no-untyped-def]
    return app.extensions["socketio"].test_client(
        app, namespace=NS, auth={"token": token}, flask_test_client=client
    )


def received(sio, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e["args"][0] for e in sio.get_received(NS) if e["name"] == name]


def configure(ctx, **config) -> None:  # type: ignore[no-untyped-def]
    def work(s, _events):  # type: ignore[no-untyped-def]
        for d in s.scalars(select(Device).where(Device.kind == "display")):
            d.config = config

    ctx.transact(work)


def test_display_gets_a_full_snapshot_on_connect(app, ctx, client, world) -> None:
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    display = screen(app, client, world.tokens["display"])
    [snap] = received(display, "snapshot")
    assert set(snap) >= {"server_time", "site", "calls", "services", "message", "peak_hours", "filter"}
    caf = next(s for s in snap["services"] if s["code"] == "CAF")
    assert caf["waiting"] == 1 and caf["estimated_wait_s"] > 0


@pytest.mark.parametrize("who", ["kiosk", "agent", None, "gch_forged"])
def test_only_display_devices_may_connect(app, client, world, who) -> None:
    token = world.tokens.get(who, who) if who else None
    sio = app.extensions["socketio"].test_client(
        app, namespace=NS, auth={"token": token} if token else None, flask_test_client=client
    )
    assert not sio.is_connected(NS)


def test_a_call_and_a_recall_reach_the_display_with_the_counter(app, ctx, client, world) -> None:
    display = screen(app, client, world.tokens["display"])
    display.get_received(NS)
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    ticket_steps.act(ctx, world.actors["agent"], issued["id"], "recall")
    calls = received(display, "ticket_called")
    assert [(c["number"], c["counter"], c["recall"]) for c in calls] == [
        ("F001", 2, False),
        ("F001", 2, True),
    ]
    display.emit("refresh", namespace=NS)
    [snap] = received(display, "snapshot")
    assert [(c["number"], c["recall"]) for c in snap["calls"]] == [("F001", True), ("F001", False)]


def test_a_filtered_display_shows_its_services_and_still_hears_site_messages(app, ctx, client, world) -> None:
    configure(ctx, services=["ANTS"])
    display = screen(app, client, world.tokens["display"])
    [snap] = received(display, "snapshot")
    assert [s["code"] for s in snap["services"]] == ["ANTS"]
    client.put(
        "/api/v1/sites/test/display-message",
        json={"message": "Fermeture à 16 h"},
        headers=world.auth("manager"),
    )
    names = [e["name"] for e in display.get_received(NS)]
    assert "message_changed" in names


def test_filtered_display_receives_only_calls_of_its_services(app, ctx, client, world) -> None:
    configure(ctx, services=["ANTS"])
    display = screen(app, client, world.tokens["display"])
    display.get_received(NS)
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "ANTS")
    calling.call_next(ctx, world.actors["manager"], world.counters[2])
    calling.call_next(ctx, world.actors["manager"], world.counters[3])
    assert [c["number"] for c in received(display, "ticket_called")] == ["A001"]


def test_managers_set_the_screens_message_and_others_cannot(app, ctx, client, world) -> None:
    display = screen(app, client, world.tokens["display"])
    display.get_received(NS)
    url = "/api/v1/sites/test/display-message"
    assert client.put(url, json={"message": "x"}, headers=world.auth("agent")).status_code == 403
    assert client.put(url, json={"message": "x" * 281}, headers=world.auth("manager")).status_code == 422
    ok = client.put(
        url, json={"message": "  Fermeture   exceptionnelle à 16 h "}, headers=world.auth("manager")
    )
    assert ok.status_code == 200 and ok.json["message"] == "Fermeture exceptionnelle à 16 h"
    # The message itself travels with the event: no screen needs a snapshot for it.
    assert received(display, "message_changed") == [{"message": "Fermeture exceptionnelle à 16 h"}]
    display.emit("refresh", namespace=NS)
    assert received(display, "snapshot")[0]["message"] == "Fermeture exceptionnelle à 16 h"


def test_start_and_finish_reach_the_tickets_phone_but_not_the_screens(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    display = screen(app, client, world.tokens["display"])
    token = issued["tracking_url"].rsplit("/", 1)[-1]
    phone = app.extensions["socketio"].test_client(
        app, namespace="/track", auth={"token": token}, flask_test_client=client
    )
    display.get_received(NS)
    phone.get_received("/track")
    ticket_steps.act(ctx, world.actors["agent"], issued["id"], "start")
    ticket_steps.act(ctx, world.actors["agent"], issued["id"], "finish", {"outcome": "resolved"})
    assert display.get_received(NS) == []
    assert [
        e["args"][0]["status"] for e in phone.get_received("/track") if e["name"] == "ticket_changed"
    ] == [
        "serving",
        "done",
    ]


def figures_of(snapshot: dict, code: str) -> dict:
    sv = next(s for s in snapshot["services"] if s["code"] == code)
    return {k: sv[k] for k in ("waiting", "estimated_wait_s", "open")}


def test_queue_changed_carries_the_fresh_figures_a_snapshot_would_show(app, ctx, client, world) -> None:
    display = screen(app, client, world.tokens["display"])
    display.get_received(NS)
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    events = [(e["name"], e["args"][0]) for e in display.get_received(NS)]
    assert [name for name, _ in events] == [
        "queue_changed",
        "queue_changed",
        "ticket_called",
        "queue_changed",
    ]
    changes = [data for name, data in events if name == "queue_changed"]
    assert [(c["service"], c["waiting"], c["open"]) for c in changes] == [
        ("CAF", 1, True),
        ("CAF", 2, True),
        ("CAF", 1, True),
    ]
    display.emit("refresh", namespace=NS)
    [snap] = received(display, "snapshot")
    last = {k: changes[-1][k] for k in ("waiting", "estimated_wait_s", "open")}
    assert last == figures_of(snap, "CAF") and last["estimated_wait_s"] > 0


def test_the_figures_are_computed_once_per_event_whatever_the_number_of_screens(
    app, ctx, client, world
) -> None:
    hub = app.extensions["guichet_hub"]
    computed: list[tuple[int, str]] = []
    real = hub.queue_figures

    def counting(site_id: int, code: str):  # type: ignore[no-untyped-def]
        computed.append((site_id, code))
        return real(site_id, code)

    hub.queue_figures = counting
    screens = [screen(app, client, world.tokens["display"]) for _ in range(3)]
    for s in screens:
        s.get_received(NS)
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    assert computed == [(world.site_id, "CAF")]
    for s in screens:
        assert [c["waiting"] for c in received(s, "queue_changed")] == [1]


def test_without_figures_the_event_still_goes_out_as_a_hint(app, ctx, client, world, caplog) -> None:
    def broken(_site_id: int, _code: str):  # type: ignore[no-untyped-def]
        raise RuntimeError("database away")

    app.extensions["guichet_hub"].queue_figures = broken
    display = screen(app, client, world.tokens["display"])
    display.get_received(NS)
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    assert issued["number"]  # the committed action is not turned into an error
    assert received(display, "queue_changed") == [{"service": "CAF"}]
    assert "could not compute the queue figures" in caplog.text


def test_the_phone_of_a_waiting_ticket_hears_queue_changes_as_before(app, ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    token = issued["tracking_url"].rsplit("/", 1)[-1]
    phone = app.extensions["socketio"].test_client(
        app, namespace="/track", auth={"token": token}, flask_test_client=client
    )
    phone.get_received("/track")
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    assert [(e["name"], e["args"][0]) for e in phone.get_received("/track")] == [("queue_changed", {})]
