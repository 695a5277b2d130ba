"""Malformed requests get JSON errors with stable codes; agents' sessions need the CSRF header to write."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from guichet.models import Ticket


def post_raw(client, world, url: str, data: bytes | str, who: str = "agent"):  # type: ignore[no-untyped-def]
    return client.post(url, data=data, content_type="application/json", headers=world.auth(who))


def tickets_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/sites/{world.slug}/tickets"


def ticket_count(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


def serving_ticket(client, world) -> int:  # type: ignore[no-untyped-def]
    client.post(tickets_url(world), json={"service": "CAF"}, headers=world.auth("kiosk"))
    ticket = client.post(f"/api/v1/counters/{world.counters[1]}/call-next", headers=world.auth("agent")).json
    started = client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("agent"))
    assert started.status_code == 200
    return ticket["id"]


# --- bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"service": "CAF"', "not json", '{"service": }', "\xff\xfe"])
def test_malformed_json_body_is_a_400_invalid_json(client, ctx, world, raw) -> None:
    response = post_raw(client, world, tickets_url(world), raw.encode("latin-1"))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_json" and response.json["message"]
    assert ticket_count(ctx) == 0


@pytest.mark.parametrize("raw", ['[{"service": "CAF"}]', '"CAF"', "42", "null"])
def test_json_body_that_is_not_an_object_is_a_400(client, ctx, world, raw) -> None:
    response = post_raw(client, world, tickets_url(world), raw)
    assert response.status_code == 400 and response.json["error"] == "invalid_json"
    assert ticket_count(ctx) == 0


def test_action_body_that_is_an_array_is_a_400(client, world) -> None:
    ticket_id = serving_ticket(client, world)
    response = post_raw(client, world, f"/api/v1/tickets/{ticket_id}/finish", "[]")
    assert response.status_code == 400 and response.json["error"] == "invalid_json"


def test_unknown_field_is_a_422_listing_the_field(client, ctx, world) -> None:
    response = client.post(
        tickets_url(world), json={"service": "CAF", "priorty": True}, headers=world.auth("kiosk")
    )
    assert response.status_code == 422
    assert response.json["error"] == "validation"
    assert isinstance(response.json["errors"], list)
    assert [e["field"] for e in response.json["errors"]] == ["priorty"]
    assert ticket_count(ctx) == 0


def test_unknown_field_on_an_empty_body_action_is_a_422(client, world) -> None:
    response = client.post(
        f"/api/v1/counters/{world.counters[1]}/call-next", json={"counter": 2}, headers=world.auth("agent")
    )
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "counter"


def test_wrong_type_for_a_field_is_a_422(client, world) -> None:
    response = client.post(tickets_url(world), json={"service": ["CAF"]}, headers=world.auth("kiosk"))
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "service"


def test_note_longer_than_2000_characters_is_a_422_and_the_ticket_stays_serving(client, world) -> None:
    ticket_id = serving_ticket(client, world)
    url = f"/api/v1/tickets/{ticket_id}/finish"
    response = client.post(url, json={"outcome": "resolved", "note": "x" * 2001}, headers=world.auth("agent"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["note"]
    ok = client.post(url, json={"outcome": "resolved", "note": "x" * 2000}, headers=world.auth("agent"))
    assert ok.status_code == 200 and len(ok.json["note"]) == 2000


def test_transfer_without_target_is_a_422(client, world) -> None:
    ticket_id = serving_ticket(client, world)
    response = client.post(f"/api/v1/tickets/{ticket_id}/transfer", json={}, headers=world.auth("agent"))
    assert response.status_code == 422 and response.json["error"] == "validation"


def test_body_over_64_kib_is_a_json_413(client, ctx, world) -> None:
    body = json.dumps({"service": "CAF", "priority_reason": "x" * (65 * 1024)})
    response = post_raw(client, world, tickets_url(world), body)
    assert response.status_code == 413
    assert response.is_json and response.json["error"] == "too_large"
    assert ticket_count(ctx) == 0


# --- routing errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/whatever", "/api/v1/sites/test/nothing", "/api/v2/health"])
def test_unknown_api_path_is_a_json_404(client, world, path) -> None:
    response = client.get(path, headers=world.auth("agent"))
    assert response.status_code == 404
    assert response.is_json and response.json["error"] == "not_found"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/counters/1/call-next"),
        ("DELETE", "/api/v1/tickets/sometoken"),
        ("PUT", "/api/v1/sites/test/tickets"),
    ],
)
def test_wrong_method_is_a_json_405(client, world, method, path) -> None:
    response = client.open(path, method=method, headers=world.auth("agent"))
    assert response.status_code == 405
    assert response.is_json and response.json["error"] == "method_not_allowed"


# --- session auth and CSRF -----------------------------------------------------------------------


@pytest.fixture
def session_client(client, world):  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["user_id"] = world.user_ids["agent"]
        session["csrf"] = "tok"
    return client


def test_session_reads_counters_without_csrf_header(session_client, world) -> None:
    response = session_client.get(f"/api/v1/sites/{world.slug}/counters")
    assert response.status_code == 200
    assert [c["number"] for c in response.json["counters"]] == [1, 2, 3]


def test_session_write_without_csrf_header_is_a_403_csrf(session_client, ctx, world) -> None:
    response = session_client.post(f"/api/v1/counters/{world.counters[1]}/call-next")
    assert response.status_code == 403 and response.json["error"] == "csrf"
    response = session_client.post(tickets_url(world), json={"service": "CAF"})
    assert response.status_code == 403 and response.json["error"] == "csrf"
    assert ticket_count(ctx) == 0


def test_session_write_with_a_wrong_csrf_header_is_a_403_csrf(session_client, world) -> None:
    response = session_client.post(
        f"/api/v1/counters/{world.counters[1]}/call-next", headers={"X-CSRF-Token": "other"}
    )
    assert response.status_code == 403 and response.json["error"] == "csrf"


def test_session_write_with_the_csrf_header_succeeds(session_client, world) -> None:
    url = f"/api/v1/counters/{world.counters[1]}/call-next"
    assert session_client.post(url, headers={"X-CSRF-Token": "tok"}).status_code == 204
    session_client.post(tickets_url(world), json={"service": "CAF"}, headers=world.auth("kiosk"))
    response = session_client.post(url, headers={"X-CSRF-Token": "tok"})
    assert response.status_code == 200 and response.json["status"] == "called"


def test_ticket_issued_through_a_session_has_source_counter(session_client, world) -> None:
    response = session_client.post(
        tickets_url(world), json={"service": "CAF"}, headers={"X-CSRF-Token": "tok"}
    )
    assert response.status_code == 201
    assert response.json["source"] == "counter"


def test_session_of_a_user_without_csrf_in_session_cannot_write(client, world) -> None:
    with client.session_transaction() as session:
        session["user_id"] = world.user_ids["agent"]
    response = client.post(f"/api/v1/counters/{world.counters[1]}/call-next", headers={"X-CSRF-Token": ""})
    assert response.status_code == 403 and response.json["error"] == "csrf"
