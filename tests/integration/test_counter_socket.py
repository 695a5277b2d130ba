"""Socket.IO /counter: staff only; workstations hear their site's calls, queue, counter and case news."""

from __future__ import annotations

import pytest

from guichet.services import calling, counters, ticket_steps, tickets

NS = "/counter"


def workstation(app, client, **auth):  # type: ignore[no-untyped-def]
    return app.extensions["socketio"].test_client(
        app, namespace=NS, auth=auth or None, flask_test_client=client
    )


def names(sio) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["name"] for e in sio.get_received(NS)]


@pytest.mark.parametrize("who", ["kiosk", "display", None, "gch_forged"])
def test_only_staff_may_connect(app, client, world, who) -> None:
    token = world.tokens.get(who, who) if who else None
    sio = workstation(app, client, **({"token": token} if token else {}))
    assert not sio.is_connected(NS)


def test_an_agent_hears_calls_counter_changes_and_cases_of_their_site_only(app, ctx, client, world) -> None:
    from tests.factories import build_world

    other = build_world(ctx, "other")
    mine = workstation(app, client, token=world.tokens["agent"])
    theirs = workstation(app, client, token=other.tokens["agent"])
    assert mine.is_connected(NS) and "ready" in names(mine) and "ready" in names(theirs)

    counters.occupy(ctx, world.actors["agent2"], world.counters[2])
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    t = calling.call_next(ctx, world.actors["agent2"], world.counters[2])
    assert t is not None
    ticket_steps.act(ctx, world.actors["agent2"], t["id"], "start")
    ticket_steps.act(
        ctx,
        world.actors["agent2"],
        t["id"],
        "finish",
        {"outcome": "escalated", "case": {"services": ["CAF"], "description": "Dossier complexe"}},
    )
    heard = names(mine)
    for event in ("counter_changed", "queue_changed", "ticket_called", "ticket_changed", "case_changed"):
        assert event in heard, (event, heard)
    assert names(theirs) == []


def test_an_all_sites_admin_says_which_site_it_watches(app, client, world) -> None:
    assert not workstation(app, client, token=world.tokens["admin"]).is_connected(NS)
    sio = workstation(app, client, token=world.tokens["admin"], site="test")
    assert sio.is_connected(NS)


def test_the_display_namespace_does_not_hear_staff_news(app, ctx, client, world) -> None:
    screen = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"token": world.tokens["display"]}, flask_test_client=client
    )
    screen.get_received("/display")
    counters.occupy(ctx, world.actors["agent"], world.counters[1])
    counters.set_status(ctx, world.actors["agent"], world.counters[1], "paused")
    assert [e["name"] for e in screen.get_received("/display")] == []


def test_appointment_news_reach_the_workstations_and_never_the_waiting_room_screens(
    app, ctx, client, world
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from guichet.services import checkin

    from ..factories import add_appointment

    code = add_appointment(ctx, world, "CPAM", ctx.clock() + timedelta(minutes=10), world.user_ids["expert"])
    desk = workstation(app, client, token=world.tokens["expert"])
    screen = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"token": world.tokens["display"]}, flask_test_client=client
    )
    desk.get_received(NS)
    screen.get_received("/display")
    checkin.check_in(ctx, world.actors["kiosk"], "test", code)
    heard_by_desk = names(desk)
    heard_by_screen = [e["name"] for e in screen.get_received("/display")]
    assert "appointment_checked_in" in heard_by_desk
    assert "queue_changed" in heard_by_screen  # the screen still sees the queue grow
    assert not [n for n in heard_by_screen if n.startswith("appointment_")], heard_by_screen
