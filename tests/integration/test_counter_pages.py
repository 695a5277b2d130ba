"""The agent workstation page /counter: who may open it, what it carries for its script (the
session's CSRF token, the texts in French), and that the token it carries is the one the API wants."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from ..factories import PASSWORD

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _login_csrf(client) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert match
    return match.group(1)


def sign_in(client, username: str, next_path: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"csrf": _login_csrf(client), "username": username, "password": PASSWORD, "next": next_path},
    )


def _json_block(html: str, block_id: str) -> dict[str, Any]:
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert match, f"no #{block_id} block in the page"
    return json.loads(match.group(1))


def test_an_anonymous_browser_is_sent_to_sign_in_and_comes_back(client, world) -> None:
    response = client.get("/counter", headers=HTML)
    assert response.status_code in (302, 303)
    location = urlparse(response.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": ["/counter"]}
    back = sign_in(client, "agent-test", next_path="/counter")
    assert back.status_code == 303 and back.headers["Location"] == "/counter"
    assert client.get("/counter", headers=HTML).status_code == 200


def test_the_query_string_survives_the_detour_through_sign_in(client, world) -> None:
    response = client.get("/counter?site=test", headers=HTML)
    assert parse_qs(urlparse(response.headers["Location"]).query) == {"next": ["/counter?site=test"]}


def test_a_script_without_credentials_gets_401_not_a_redirect(client, world) -> None:
    response = client.get("/counter", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.json["error"] == "unauthenticated"


@pytest.mark.parametrize("device", ["kiosk", "display"])
def test_devices_may_not_open_the_workstation(client, world, device: str) -> None:
    response = client.get("/counter", headers={**HTML, **world.auth(device)})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["agent", "expert", "manager", "admin"])
def test_every_staff_role_may_open_the_workstation(client, world, role: str) -> None:
    assert sign_in(client, f"{role}-test").status_code == 303
    response = client.get("/counter", headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert re.search(r'<h1 id="c-title"[^>]*>Poste d(\'|&#39;)accueil</h1>', html)
    assert 'aria-keyshortcuts="N Space"' in html and "Appeler le suivant" in html
    data = _json_block(html, "page-data")
    assert data["role"] == role and data["user_id"] == world.user_ids[role]


def test_the_page_carries_the_sessions_csrf_token_and_the_api_accepts_it(client, world) -> None:
    sign_in(client, "agent-test")
    html = client.get("/counter", headers=HTML).get_data(as_text=True)
    token = _json_block(html, "page-data")["csrf"]
    with client.session_transaction() as session:
        assert token and token == session["csrf"]
    counter = world.counters[1]
    refused = client.post(f"/api/v1/counters/{counter}/occupy", json={})
    assert refused.status_code == 403 and refused.json["error"] == "csrf"
    occupied = client.post(f"/api/v1/counters/{counter}/occupy", json={}, headers={"X-CSRF-Token": token})
    assert occupied.status_code == 200, occupied.get_data(as_text=True)
    assert occupied.json["agent"]["id"] == world.user_ids["agent"]


def test_an_account_of_every_site_says_which_site_it_works_at(client, world) -> None:
    sign_in(client, "admin-test")
    data = _json_block(client.get("/counter?site=test", headers=HTML).get_data(as_text=True), "page-data")
    assert data["site"] == "test"
    sign_in(client, "agent-test")  # an agent works at their own site, whatever the address says
    data = _json_block(client.get("/counter?site=other", headers=HTML).get_data(as_text=True), "page-data")
    assert data["site"] is None


def test_the_scripts_texts_are_french_with_their_placeholders_ready_for_the_script(client, world) -> None:
    sign_in(client, "agent-test")
    texts = _json_block(client.get("/counter", headers=HTML).get_data(as_text=True), "page-text")
    assert texts["announce_called"] == "{number} appelé à {counter}."
    assert texts["offline"].startswith("Hors ligne")
    leftovers = {k: v for k, v in texts.items() if "%(" in v or not v.strip()}
    assert leftovers == {}
