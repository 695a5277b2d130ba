"""Kiosk namespace: who may join (the kiosk page's people, on their own site), and what it hears
(its site's `settings_changed`, nothing of the queue, nothing of another site)."""

from __future__ import annotations

from typing import Any

import pytest

from guichet.services import tickets

from ..factories import build_world
from .test_kiosk import enrol

NS = "/kiosk"


def kiosk_socket(app, client, auth: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    return app.extensions["socketio"].test_client(app, namespace=NS, auth=auth, flask_test_client=client)


def names(sio) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["name"] for e in sio.get_received(NS)]


def rename_caf(client, world, label: str = "Allocations familiales"):  # type: ignore[no-untyped-def]
    answer = client.patch(
        f"/api/v1/sites/{world.slug}/services/CAF", json={"label": label}, headers=world.auth("manager")
    )
    assert answer.status_code == 200, answer.json


def test_an_enrolled_kiosk_joins_with_its_device_cookie_and_hears_a_service_change(
    app, ctx, client, world
) -> None:
    enrol(client, ctx)
    sio = kiosk_socket(app, client, {"site": "test"})
    assert sio.is_connected(NS)
    assert sio.get_received(NS) == [{"name": "ready", "args": [{"site_id": world.site_id}], "namespace": NS}]
    rename_caf(client, world)
    received = sio.get_received(NS)
    assert [(e["name"], e["args"][0]) for e in received] == [("settings_changed", {"part": "services"})]


@pytest.mark.parametrize("who", ["kiosk", "agent", "manager", "admin"])
def test_the_kiosk_pages_people_join_with_a_token(app, client, world, who) -> None:
    sio = kiosk_socket(app, client, {"token": world.tokens[who], "site": "test"})
    assert sio.is_connected(NS)
    assert names(sio) == ["ready"]


@pytest.mark.parametrize("who", [None, "display", "gch_forged"])
def test_anonymous_displays_and_forged_tokens_are_refused(app, client, world, who) -> None:
    auth: dict[str, Any] = {"site": "test"}
    if who:
        auth["token"] = world.tokens.get(who, who)
    assert not kiosk_socket(app, client, auth).is_connected(NS)


@pytest.mark.parametrize("site", ["other", "nowhere", "NOT A SLUG", None])
def test_a_kiosk_joins_its_own_site_only(app, ctx, client, world, site) -> None:
    build_world(ctx, "other")
    auth: dict[str, Any] = {"token": world.tokens["kiosk"]}
    if site is not None:
        auth["site"] = site
    assert not kiosk_socket(app, client, auth).is_connected(NS)


def test_another_sites_kiosk_is_refused(app, ctx, client, world) -> None:
    other = build_world(ctx, "other")
    assert not kiosk_socket(app, client, {"token": other.tokens["kiosk"], "site": "test"}).is_connected(NS)
    assert kiosk_socket(app, client, {"token": other.tokens["kiosk"], "site": "other"}).is_connected(NS)


def test_a_kiosk_hears_neither_queue_news_nor_another_sites_changes(app, ctx, client, world) -> None:
    other = build_world(ctx, "other")
    sio = kiosk_socket(app, client, {"token": world.tokens["kiosk"], "site": "test"})
    sio.get_received(NS)
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")  # queue_changed: the screens' news
    rename_caf(client, other)
    assert sio.get_received(NS) == []
    rename_caf(client, world)
    assert names(sio) == ["settings_changed"]


def test_the_offer_endpoint_gives_the_screens_and_a_version_that_follows_changes(
    app, ctx, client, world
) -> None:
    enrol(client, ctx)
    page = client.get("/kiosk/test").get_data(as_text=True)
    first = client.get("/kiosk/test/offer")
    assert first.status_code == 200
    body = first.json
    assert body["open"] is True and f'"offer_version": "{body["version"]}"' in page
    assert 'data-screen="home"' in body["html"] and "Service CAF" in body["html"]
    rename_caf(client, world, "Caisse d'allocations familiales")
    again = client.get("/kiosk/test/offer").json
    assert again["version"] != body["version"] and "Caisse d&#39;allocations familiales" in again["html"]


def test_a_deactivated_service_is_no_longer_offered_by_the_kiosk(app, ctx, client, world) -> None:
    enrol(client, ctx)
    assert 'data-service="CAF"' in client.get("/kiosk/test/offer").json["html"]
    answer = client.patch(
        "/api/v1/sites/test/services/CAF", json={"active": False}, headers=world.auth("manager")
    )
    assert answer.status_code == 200
    assert 'data-service="CAF"' not in client.get("/kiosk/test/offer").json["html"]
    assert 'data-service="CAF"' not in client.get("/kiosk/test").get_data(as_text=True)


def test_the_offer_endpoint_is_the_kiosk_pages_people_only(app, ctx, client, world) -> None:
    assert client.get("/kiosk/test/offer").status_code == 401
    assert client.get("/kiosk/test/offer", headers=world.auth("display")).status_code == 403
    other = build_world(ctx, "other")
    for who in ("kiosk", "manager"):
        assert client.get("/kiosk/test/offer", headers=other.auth(who)).status_code == 403, who
    assert client.get("/kiosk/test/offer", headers=world.auth("agent")).status_code == 200
