"""Managers configure their devices: a kiosk's name and printer (with a test print on a real TCP
listener that answers like an ESC/POS printer), a display's services, counters, languages and calls
shown; audited, refused cleanly, and the display reloads itself with its new configuration."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from guichet.models import AuditEntry, Device
from guichet.services import accounts, display

from ..factories import build_world
from ..printer.fake_network_printer import FakeNetworkPrinter, free_port
from .test_staff_pages import sign_in

NOW = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # 10:05 in Paris


def _ids(world) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return world.actors["kiosk"].id, world.actors["display"].id


def _device(ctx, device_id: int) -> Device:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        d = s.get(Device, device_id)
        s.expunge(d)
        return d


def _audit(ctx, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.kind == kind))
        return [
            {"before": e.before, "after": e.after, "actor": e.actor_name, "site": e.site_id} for e in rows
        ]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


# --- PATCH /api/v1/devices/{id} ---------------------------------------------------------------------


def test_a_manager_renames_a_kiosk_and_gives_it_its_printer_audited(client, ctx, world) -> None:
    kiosk, _ = _ids(world)
    response = client.patch(
        f"/api/v1/devices/{kiosk}",
        json={"name": "Borne de l'entrée", "printer_url": "tcp://192.168.1.50:9100"},
        headers=world.auth("manager"),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["printer_url"], body["display"]) == (
        "Borne de l'entrée",
        "tcp://192.168.1.50:9100",
        None,
    )
    assert _device(ctx, kiosk).config == {"printer_url": "tcp://192.168.1.50:9100"}
    [entry] = _audit(ctx, "device.updated")
    assert entry["before"]["name"] == "kiosk 1"
    assert entry["after"]["printer_url"] == "tcp://192.168.1.50:9100"
    assert (entry["actor"], entry["site"]) == ("manager-test", world.site_id)
    back = client.patch(f"/api/v1/devices/{kiosk}", json={"printer_url": None}, headers=world.auth("manager"))
    assert back.status_code == 200 and back.get_json()["printer_url"] is None
    assert _device(ctx, kiosk).config == {}


def test_a_display_is_configured_and_reloads_itself_with_the_new_configuration(
    client, ctx, world, published
) -> None:
    _, screen = _ids(world)
    body = {"services": ["CAF", "CPAM", "CAF"], "counters": [2], "languages": ["fr", "en"], "max_calls": 3}
    response = client.patch(f"/api/v1/devices/{screen}", json=body, headers=world.auth("manager"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["display"] == {
        "services": ["CAF", "CPAM"],
        "counters": [2],
        "languages": ["fr", "en"],
        "max_calls": 3,
    }
    # The screen is told that its own configuration changed (display.js then reloads the page)...
    assert any(
        e.name == "settings_changed" and e.payload == {"part": "display", "device": screen} for e in published
    )
    # ...and the page and the snapshot it then loads use the new configuration.
    page = client.get("/display/test", headers=world.auth("display"))
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page.get_data(as_text=True), re.S).group(1))
    assert (data["languages"], data["max_calls"], data["device"]) == (["fr", "en"], 3, screen)
    snap = display.snapshot(ctx, world.site_id, accounts.device_config(ctx, screen))
    assert snap["filter"] == {"services": ["CAF", "CPAM"], "counters": [2]}
    assert [sv["code"] for sv in snap["services"]] == ["CAF", "CPAM"]
    # Empty lists and the default count remove the settings: the screen shows everything again.
    reset = {"services": [], "counters": [], "languages": [], "max_calls": 6}
    cleared = client.patch(f"/api/v1/devices/{screen}", json=reset, headers=world.auth("manager"))
    assert cleared.get_json()["display"] == {
        "services": [],
        "counters": [],
        "languages": ["fr"],
        "max_calls": 6,
    }
    assert _device(ctx, screen).config == {}
    assert len(_audit(ctx, "device.updated")) == 2


@pytest.mark.parametrize(
    ("which", "body", "status", "code"),
    [
        ("kiosk", {"printer_url": "ftp://printer"}, 422, "validation"),
        ("kiosk", {"printer_url": "tcp://"}, 422, "validation"),
        ("kiosk", {"printer_url": "usb://zz:01"}, 422, "validation"),
        ("kiosk", {"name": ""}, 422, "validation"),
        ("kiosk", {"name": None}, 422, "validation"),
        ("kiosk", {"colour": "red"}, 422, "validation"),
        ("kiosk", {"services": ["CAF"]}, 409, "not_a_display"),
        ("display", {"printer_url": "tcp://10.0.0.9:9100"}, 409, "not_a_kiosk"),
        ("display", {"max_calls": 0}, 422, "validation"),
        ("display", {"max_calls": 21}, 422, "validation"),
        ("display", {"languages": ["de"]}, 422, "validation"),
        ("display", {"services": ["NOPE"]}, 404, "service_not_found"),
        ("display", {"counters": [42]}, 404, "counter_not_found"),
        ("display", {"name": "Écran 2", "services": ["CAF"], "counters": [99]}, 404, "counter_not_found"),
    ],
)
def test_a_bad_device_change_is_refused_with_a_code_and_nothing_is_saved(
    client, ctx, world, published, which, body, status, code
) -> None:
    device = dict(zip(("kiosk", "display"), _ids(world), strict=True))[which]
    before = _device(ctx, device)
    response = client.patch(f"/api/v1/devices/{device}", json=body, headers=world.auth("manager"))
    assert response.status_code == status and response.get_json()["error"] == code
    after = _device(ctx, device)
    assert (after.name, after.config) == (before.name, before.config)
    assert _audit(ctx, "device.updated") == [] and published == []


def test_a_device_name_taken_on_the_site_is_refused(client, ctx, world) -> None:
    made = client.post(
        "/api/v1/sites/test/devices", json={"kind": "kiosk", "name": "Borne 2"}, headers=world.auth("manager")
    )
    assert made.status_code == 201
    kiosk, _ = _ids(world)
    clash = client.patch(f"/api/v1/devices/{kiosk}", json={"name": "Borne 2"}, headers=world.auth("manager"))
    assert clash.status_code == 409 and clash.get_json()["error"] == "device_name_taken"
    assert _device(ctx, kiosk).name == "kiosk 1"


def test_a_display_shows_only_its_own_sites_services(client, ctx, world) -> None:
    build_world(ctx, "other")
    _, screen = _ids(world)
    # "other" has a CAF too, but counter 3 and services are looked up on the display's site only.
    response = client.patch(
        f"/api/v1/devices/{screen}", json={"services": ["CAF"]}, headers=world.auth("manager")
    )
    assert response.status_code == 200
    with ctx.db.session() as s:
        other_display = s.scalar(
            select(Device.id).where(Device.site_id != world.site_id, Device.kind == "display")
        )
    refused = client.patch(
        f"/api/v1/devices/{other_display}", json={"max_calls": 2}, headers=world.auth("manager")
    )
    assert refused.status_code == 403 and refused.get_json()["error"] == "other_site"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v1/devices/{kiosk}", {"name": "Borne renommée"}),
        ("post", "/api/v1/devices/{kiosk}/test-print", None),
    ],
)
def test_only_the_sites_managers_and_admins_configure_its_devices(
    client, ctx, world, method, path, body
) -> None:
    other = build_world(ctx, "other")
    kiosk, _ = _ids(world)
    ctx.settings = ctx.settings.with_overrides(printer_url=f"tcp://127.0.0.1:{free_port()}")
    path = path.replace("{kiosk}", str(kiosk))
    call = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    assert call(path, **kwargs).status_code == 401
    for who in ("agent", "expert", "kiosk", "display"):
        assert call(path, headers=world.auth(who), **kwargs).status_code == 403, who
    refused = call(path, headers=other.auth("manager"), **kwargs)
    assert refused.status_code == 403 and refused.get_json()["error"] == "other_site"
    assert _device(ctx, kiosk).name == "kiosk 1" and _device(ctx, kiosk).printer_state is None
    assert call(path, headers=other.auth("admin"), **kwargs).status_code == 200
    assert client.patch("/api/v1/devices/999999", json={}, headers=world.auth("admin")).status_code == 404


# --- POST /api/v1/devices/{id}/test-print -----------------------------------------------------------


def test_a_test_print_reaches_the_kiosks_printer_and_records_its_state(client, ctx, world) -> None:
    ctx.clock = lambda: NOW
    kiosk, _ = _ids(world)
    with FakeNetworkPrinter() as printer:
        saved = client.patch(
            f"/api/v1/devices/{kiosk}", json={"printer_url": printer.url}, headers=world.auth("manager")
        )
        assert saved.status_code == 200
        response = client.post(f"/api/v1/devices/{kiosk}/test-print", headers=world.auth("manager"))
        received = printer.received
    assert response.status_code == 200
    assert response.get_json() == {"state": "ok", "detail": "test ticket printed"}
    ticket = received[received.index(b"\x1b@") :]  # after the status requests, from ESC @ on
    text = ticket.decode("cp858")
    assert "Test d'impression" in text and "Site test" in text
    assert "23/11/2026 10:05" in text  # the site's time zone, not UTC
    assert "Ce ticket ne contient aucune donnée\npersonnelle." in text  # wrapped to the paper
    assert ticket.rstrip(b"\x10\x04\x01").endswith(b"\x1dV\x00")  # cut
    d = _device(ctx, kiosk)
    assert (d.printer_state, d.printer_detail, d.printer_checked_at) == ("ok", "test ticket printed", NOW)


def test_a_dead_printer_gives_a_clear_failed_state_not_a_server_error(client, ctx, world) -> None:
    kiosk, _ = _ids(world)
    dead = f"tcp://127.0.0.1:{free_port()}"
    client.patch(f"/api/v1/devices/{kiosk}", json={"printer_url": dead}, headers=world.auth("manager"))
    response = client.post(f"/api/v1/devices/{kiosk}/test-print", headers=world.auth("manager"))
    assert response.status_code == 200
    result = response.get_json()
    assert result["state"] == "error" and result["detail"].startswith("offline: cannot connect")
    d = _device(ctx, kiosk)
    assert (d.printer_state, d.printer_detail) == ("error", result["detail"])
    printers = client.get("/api/v1/printers", headers=world.auth("manager")).get_json()
    assert any(p["alert"] and p["detail"] == result["detail"] for p in printers["kiosks"])


def test_only_a_kiosk_has_a_test_print(client, ctx, world) -> None:
    _, screen = _ids(world)
    response = client.post(f"/api/v1/devices/{screen}/test-print", headers=world.auth("manager"))
    assert response.status_code == 409 and response.get_json()["error"] == "not_a_kiosk"
    assert _device(ctx, screen).printer_state is None


# --- /admin/devices/<id> ----------------------------------------------------------------------------


def test_the_devices_page_links_each_device_to_its_form(client, world) -> None:
    sign_in(client, "manager-test")
    kiosk, screen = _ids(world)
    html = client.get("/admin/devices").get_data(as_text=True)
    assert f'href="/admin/devices/{kiosk}?site=test"' in html
    assert f'href="/admin/devices/{screen}?site=test"' in html


def test_the_kiosk_form_saves_and_tests_its_printer_showing_the_result_in_words(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    kiosk, _ = _ids(world)
    page = client.get(f"/admin/devices/{kiosk}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tester l'impression" in html and "Inconnue (jamais vérifiée)" in html
    csrf = _csrf(html)
    refused = client.post(
        f"/admin/devices/{kiosk}", data={"csrf": csrf, "name": "Borne 1", "printer_url": "lpt://1"}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="printer_url-error"' in text and 'value="lpt://1"' in text
    assert _device(ctx, kiosk).config == {} and _device(ctx, kiosk).name == "kiosk 1"
    with FakeNetworkPrinter() as printer:
        saved = client.post(
            f"/admin/devices/{kiosk}", data={"csrf": csrf, "name": "Borne 1", "printer_url": printer.url}
        )
        assert saved.status_code == 302
        tested = client.post(f"/admin/devices/{kiosk}", data={"csrf": csrf, "action": "test-print"})
        assert b"Test d'impression" in printer.received
    html = tested.get_data(as_text=True)
    assert tested.status_code == 200 and "Ticket de test imprimé." in html
    assert re.search(r'id="printer-state">Prête', html)
    dead = client.post(
        f"/admin/devices/{kiosk}",
        data={"csrf": csrf, "name": "Borne 1", "printer_url": f"tcp://127.0.0.1:{free_port()}"},
    )
    assert dead.status_code == 302
    failed = client.post(f"/admin/devices/{kiosk}", data={"csrf": csrf, "action": "test-print"})
    html = failed.get_data(as_text=True)
    assert failed.status_code == 200 and "Échec de l'impression de test" in html
    assert re.search(r'id="printer-state">En erreur', html)


def test_the_display_form_saves_its_configuration_and_shows_errors_next_to_fields(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    _, screen = _ids(world)
    html = client.get(f"/admin/devices/{screen}").get_data(as_text=True)
    assert 'name="services" value="CAF"' in html and 'name="counters" value="2"' in html
    assert 'name="languages" value="ar"' in html and "Tester l'impression" not in html
    csrf = _csrf(html)
    refused = client.post(
        f"/admin/devices/{screen}",
        data={"csrf": csrf, "name": "Écran du hall", "services": ["CAF"], "max_calls": "30"},
    )
    assert refused.status_code == 422 and 'id="max_calls-error"' in refused.get_data(as_text=True)
    assert _device(ctx, screen).config == {}
    saved = client.post(
        f"/admin/devices/{screen}",
        data={
            "csrf": csrf,
            "name": "Écran du hall",
            "services": ["CAF"],
            "counters": ["1", "2"],
            "languages": ["fr", "es"],
            "max_calls": "4",
        },
    )
    assert saved.status_code == 302
    d = _device(ctx, screen)
    assert d.name == "Écran du hall"
    assert d.config == {"services": ["CAF"], "counters": [1, 2], "languages": ["fr", "es"], "max_calls": 4}


def test_the_device_form_is_refused_to_agents_and_other_sites_managers(client, ctx, world) -> None:
    build_world(ctx, "other")
    kiosk, _ = _ids(world)
    sign_in(client, "agent-test")
    assert client.get(f"/admin/devices/{kiosk}").status_code == 403
    client.get("/logout")
    sign_in(client, "manager-other")
    assert client.get(f"/admin/devices/{kiosk}").status_code == 403
