"""Agents sign in with a CSRF-protected form; managers see kiosk printer alerts and virtual tickets."""

from __future__ import annotations

import re

from guichet.services import devices

from ..factories import PASSWORD


def _csrf(page_html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert match
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    csrf = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf": csrf, "username": username, "password": password, "next": ""})


def test_sign_in_needs_the_forms_csrf_token(client, world) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"csrf": "forged", "username": "manager-test", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_wrong_password_is_refused_in_french_and_locks_after_repeated_failures(client, world) -> None:
    for _ in range(5):
        response = sign_in(client, "agent-test", "not the password")
        assert response.status_code == 401 and "incorrect" in response.get_data(as_text=True)
    locked = sign_in(client, "agent-test")  # right password, but locked now
    assert locked.status_code == 429 and "bloqué" in locked.get_data(as_text=True)


def test_next_parameter_cannot_send_an_agent_to_another_site(client, world) -> None:
    csrf = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"csrf": csrf, "username": "manager-test", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_manager_sees_printer_alerts_and_agents_do_not(client, ctx, world) -> None:
    devices.record_printer_state(ctx, world.actors["kiosk"].id, "error", "offline")
    assert sign_in(client, "agent-test").status_code == 303
    assert client.get("/admin/printers").status_code == 403
    other = client.application.test_client()
    assert sign_in(other, "manager-test").status_code == 303
    page = other.get("/admin/printers").get_data(as_text=True)
    assert "EN PANNE" in page and "kiosk 1" in page
    api = other.get("/api/v1/printers").json
    assert api["kiosks"][0]["alert"] is True and api["kiosks"][0]["detail"] == "offline"


def test_sign_out_ends_the_session(client, world) -> None:
    sign_in(client, "manager-test")
    page = client.get("/admin/printers").get_data(as_text=True)
    assert client.post("/logout", headers={"X-CSRF-Token": _csrf(page)}).status_code == 303
    assert client.get("/admin/printers", headers={"Accept": "application/json"}).status_code == 401


def test_the_sign_out_form_of_the_printers_page_works_and_a_forged_one_does_not(client, world) -> None:
    sign_in(client, "manager-test")
    page = client.get("/admin/printers").get_data(as_text=True)
    forged = client.post("/logout", data={"csrf": "forged"}, headers={"Accept": "application/json"})
    assert forged.status_code == 403
    assert client.post("/logout", data={"csrf": _csrf(page)}).status_code == 303
    assert client.get("/admin/printers", headers={"Accept": "application/json"}).status_code == 401
