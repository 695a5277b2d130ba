"""Issuing tickets, their public status page, and which ticket call-next gives each counter."""

from __future__ import annotations

from sqlalchemy import func, select

from guichet.models import Ticket

from ..factories import build_world

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


def issue(client, world, service="CAF", who="kiosk", slug=None, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/sites/{slug or world.slug}/tickets",
        json={"service": service, **body},
        headers=world.auth(who),
    )


def call_next(client, world, counter: int, who: str = "agent"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/counters/{world.counters[counter]}/call-next", headers=world.auth(who))


def act(client, world, ticket_id: int, action: str, who: str = "agent", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tickets/{ticket_id}/{action}", json=body, headers=world.auth(who))


def token_of(ticket: dict) -> str:
    return ticket["tracking_url"].rsplit("/", 1)[1]


# --- issue -------------------------------------------------------------------------------------


def test_issue_answers_201_with_number_position_estimate_and_tracking_url(client, ctx, world) -> None:
    first = issue(client, world)
    second = issue(client, world)
    assert first.status_code == 201 and second.status_code == 201
    a, b = first.json, second.json
    assert isinstance(a["id"], int) and a["id"] != b["id"]
    assert (a["number"], b["number"]) == ("F001", "F002")
    assert a["service"] == "CAF" and a["status"] == "waiting"
    assert (a["position"], b["position"]) == (1, 2)
    assert isinstance(a["estimated_wait_s"], int) and a["estimated_wait_s"] > 0
    assert b["estimated_wait_s"] > a["estimated_wait_s"]
    with ctx.db.session() as s:
        token = s.scalar(select(Ticket.tracking_token).where(Ticket.id == a["id"]))
    assert a["tracking_url"].endswith("/" + token)


def test_numbering_is_per_service_with_the_service_prefix(client, world) -> None:
    assert issue(client, world, "CAF").json["number"] == "F001"
    assert issue(client, world, "CPAM").json["number"] == "M001"
    assert issue(client, world, "ANTS").json["number"] == "A001"


def test_priority_ticket_is_placed_first_ahead_of_earlier_walk_ins(client, world) -> None:
    issue(client, world)
    issue(client, world)
    prio = issue(client, world, priority=True, priority_reason="cmi")
    assert prio.status_code == 201
    assert prio.json["position"] == 1 and prio.json["priority"] is True
    assert prio.json["priority_reason"] == "cmi"


def test_source_is_kiosk_for_kiosk_devices_and_api_for_agent_bearer_tokens(client, world) -> None:
    assert issue(client, world, who="kiosk").json["source"] == "kiosk"
    assert issue(client, world, who="agent").json["source"] == "api"


def test_fourth_ants_ticket_of_the_day_is_refused_by_quota_and_not_stored(client, ctx, world) -> None:
    for n in range(1, 4):
        assert issue(client, world, "ANTS").json["number"] == f"A00{n}"
    refused = issue(client, world, "ANTS")
    assert refused.status_code == 409
    assert refused.json["error"] == "quota_reached"
    assert "3" in refused.json["message"]
    with ctx.db.session() as s:
        count = s.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.service_id == world.services["ANTS"])
        )
    assert count == 3
    # Other services are unaffected by the ANTS quota.
    assert issue(client, world, "CAF").status_code == 201


def test_inactive_service_refuses_tickets_with_service_closed(client, world) -> None:
    response = issue(client, world, "OLD")
    assert response.status_code == 409
    assert response.json["error"] == "service_closed"


def test_unknown_service_or_site_is_a_json_404(client, world) -> None:
    response = issue(client, world, "NOPE")
    assert response.status_code == 404 and response.json["error"] == "service_not_found"
    response = issue(client, world, "CAF", slug="nowhere")
    assert response.status_code == 404 and response.json["error"] == "site_not_found"


def test_display_device_may_not_issue_tickets(client, ctx, world) -> None:
    response = issue(client, world, who="display")
    assert response.status_code == 403
    assert response.json["error"] == "role"
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_kiosk_of_another_site_may_not_issue_tickets_here(client, ctx, world) -> None:
    other = build_world(ctx, slug="other")
    response = client.post(
        f"/api/v1/sites/{world.slug}/tickets", json={"service": "CAF"}, headers=other.auth("kiosk")
    )
    assert response.status_code == 403
    assert response.json["error"] == "other_site"
    assert issue(client, other, who="kiosk").status_code == 201


# --- public status -------------------------------------------------------------------------------


def test_public_status_needs_no_auth_and_exposes_only_public_fields(client, world) -> None:
    issue(client, world)
    ticket = issue(client, world).json
    response = client.get(f"/api/v1/tickets/{token_of(ticket)}")
    assert response.status_code == 200
    body = response.json
    assert set(body) == PUBLIC_KEYS
    assert body["number"] == "F002" and body["status"] == "waiting"
    assert body["position"] == 2
    assert isinstance(body["estimated_wait_s"], int) and body["estimated_wait_s"] > 0
    assert body["counter"] is None


def test_public_status_after_call_shows_counter_number_but_no_staff_data(client, world) -> None:
    ticket = issue(client, world).json
    called = call_next(client, world, 2)
    assert called.status_code == 200
    body = client.get(f"/api/v1/tickets/{token_of(ticket)}").json
    assert set(body) == PUBLIC_KEYS
    assert body["status"] == "called" and body["counter"] == 2
    assert body["position"] is None and body["estimated_wait_s"] is None
    assert body["called_at"] == called.json["called_at"]
    assert act(client, world, ticket["id"], "start").status_code == 200
    finished = act(client, world, ticket["id"], "finish", outcome="resolved", note="RIB fourni")
    assert finished.status_code == 200
    done = client.get(f"/api/v1/tickets/{token_of(ticket)}").json
    assert set(done) == PUBLIC_KEYS and "RIB fourni" not in done.values()
    assert done["status"] == "done" and done["counter"] is None


def test_public_status_of_unknown_token_is_a_json_404(client, world) -> None:
    response = client.get("/api/v1/tickets/does-not-exist")
    assert response.status_code == 404
    assert response.json["error"] == "ticket_not_found"


# --- call-next -----------------------------------------------------------------------------------


def test_call_next_gives_the_counter_the_oldest_ticket_as_called(client, world) -> None:
    first = issue(client, world).json
    issue(client, world)
    response = call_next(client, world, 1)
    assert response.status_code == 200
    assert response.json["id"] == first["id"] and response.json["status"] == "called"
    assert response.json["counter"]["number"] == 1
    assert response.json["counter"]["id"] == world.counters[1]


def test_call_next_answers_204_when_nothing_waits(client, world) -> None:
    response = call_next(client, world, 1)
    assert response.status_code == 204
    assert response.data == b""


def test_call_next_refuses_a_counter_that_still_holds_a_ticket(client, world) -> None:
    held = issue(client, world).json
    issue(client, world)
    assert call_next(client, world, 1).status_code == 200
    response = call_next(client, world, 1)
    assert response.status_code == 409
    assert response.json["error"] == "counter_busy"
    assert held["number"] in response.json["message"]


def test_call_next_takes_priority_tickets_first(client, world) -> None:
    issue(client, world)
    prio = issue(client, world, "CPAM", priority=True).json
    assert call_next(client, world, 1).json["id"] == prio["id"]


def test_counter_only_calls_services_it_serves(client, world) -> None:
    older_ants = issue(client, world, "ANTS").json
    caf = issue(client, world, "CAF").json
    issue(client, world, "ANTS")
    # Counter 2 serves CAF and CPAM: it skips the older ANTS ticket.
    assert call_next(client, world, 2, "agent2").json["id"] == caf["id"]
    # Counter 3 serves ANTS only.
    called = call_next(client, world, 3)
    assert called.json["id"] == older_ants["id"] and called.json["service"] == "ANTS"


def test_counter_three_gets_204_while_only_caf_and_cpam_wait(client, world) -> None:
    issue(client, world, "CAF")
    issue(client, world, "CPAM")
    assert call_next(client, world, 3).status_code == 204


def _serving_at_counter_one(client, world) -> dict:  # type: ignore[no-untyped-def]
    ticket = issue(client, world).json
    assert call_next(client, world, 1).json["id"] == ticket["id"]
    assert act(client, world, ticket["id"], "start").status_code == 200
    return ticket


def test_ticket_transferred_to_a_counter_is_called_only_by_that_counter(client, world) -> None:
    original = _serving_at_counter_one(client, world)
    moved = act(client, world, original["id"], "transfer", counter=world.counters[2])
    assert moved.status_code == 200
    new = moved.json
    assert new["id"] != original["id"] and new["status"] == "waiting"
    assert new["number"] == original["number"] == "F001"
    assert new["arrived_at"] == original["arrived_at"]
    assert new["transferred_from"] == original["id"]
    # Counter 1 also serves CAF and is free, yet must not take a ticket sent to counter 2.
    assert call_next(client, world, 1).status_code == 204
    called = call_next(client, world, 2, "agent2")
    assert called.status_code == 200 and called.json["id"] == new["id"]
    assert called.json["arrived_at"] == original["arrived_at"]


def test_original_tracking_url_follows_the_transferred_ticket(client, world) -> None:
    original = _serving_at_counter_one(client, world)
    new = act(client, world, original["id"], "transfer", counter=world.counters[2]).json
    assert new["tracking_url"] == original["tracking_url"]
    status = client.get(f"/api/v1/tickets/{token_of(original)}").json
    assert status["status"] == "waiting" and status["number"] == "F001"
    call_next(client, world, 2, "agent2")
    status = client.get(f"/api/v1/tickets/{token_of(original)}").json
    assert status["status"] == "called" and status["counter"] == 2


def test_transfer_to_a_service_puts_the_ticket_in_that_service_queue(client, world) -> None:
    original = _serving_at_counter_one(client, world)
    response = act(client, world, original["id"], "transfer", service="CPAM")
    assert response.status_code == 200
    new = response.json
    assert new["service"] == "CPAM" and new["status"] == "waiting" and new["number"] == "F001"
    status = client.get(f"/api/v1/tickets/{token_of(original)}").json
    assert status["service"] == "CPAM" and status["position"] == 1
    assert call_next(client, world, 3).status_code == 204  # ANTS only
    called = call_next(client, world, 2, "agent2")
    assert called.json["id"] == new["id"] and called.json["service"] == "CPAM"
