"""Setting a site up through the REST API: services, counters and accounts, by managers of the site
and admins only, audited, with clear refusals; the screens hear of each change."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from guichet.models import AuditEntry, Service, User
from guichet.services import accounts

from ..factories import build_world

NEW_SERVICE = {
    "code": "MSA",
    "prefix": "S",
    "label": "Mutualité sociale agricole",
    "labels": {"en": "Farmers' social security"},
    "category": "",
    "level": 1,
    "daily_quota": 40,
    "target_wait_min": 20,
    "sla_hours": 48,
    "active": True,
}


def test_a_manager_creates_a_service_and_the_kiosk_lists_it(client, world, published) -> None:
    response = client.post("/api/v1/sites/test/services", json=NEW_SERVICE, headers=world.auth("manager"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {**NEW_SERVICE, "partner": None}
    listing = client.get("/api/v1/sites/test/services", headers=world.auth("kiosk")).get_json()
    assert "MSA" in [sv["code"] for sv in listing["services"]]
    assert any(e.name == "settings_changed" and e.payload == {"part": "services"} for e in published)
    ticket = client.post("/api/v1/sites/test/tickets", json={"service": "MSA"}, headers=world.auth("kiosk"))
    assert ticket.status_code == 201 and ticket.get_json()["number"].startswith("S")


def test_patch_changes_only_the_fields_sent_and_is_audited_with_before_and_after(client, world, ctx) -> None:
    response = client.patch(
        "/api/v1/sites/test/services/CAF",
        json={"daily_quota": 5, "active": False},
        headers=world.auth("manager"),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["daily_quota"], body["active"], body["prefix"], body["label"]) == (
        5,
        False,
        "F",
        "Service CAF",
    )
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "service.updated")).one()
        assert entry.before["daily_quota"] is None and entry.after["daily_quota"] == 5
        assert entry.actor_name == "manager-test" and entry.target == "CAF"
    log = client.get("/api/v1/audit?kind=service", headers=world.auth("manager")).get_json()["entries"]
    assert [e["kind"] for e in log] == ["service.updated"] and log[0]["site"] == "test"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**NEW_SERVICE, "prefix": "F"}, 409, "prefix_taken"),
        ({**NEW_SERVICE, "code": "CAF"}, 409, "service_code_taken"),
        ({**NEW_SERVICE, "partner": "NOPE"}, 404, "partner_not_found"),
        ({**NEW_SERVICE, "prefix": "ss"}, 422, "validation"),
        ({**NEW_SERVICE, "level": 3}, 422, "validation"),
        ({**NEW_SERVICE, "daily_quota": 0}, 422, "validation"),
        ({**NEW_SERVICE, "colour": "red"}, 422, "validation"),
        ({k: v for k, v in NEW_SERVICE.items() if k != "label"}, 422, "validation"),
    ],
)
def test_a_bad_service_is_refused_with_a_code_and_nothing_is_saved(
    client, world, ctx, body, status, code
) -> None:
    response = client.post("/api/v1/sites/test/services", json=body, headers=world.auth("manager"))
    assert response.status_code == status and response.get_json()["error"] == code
    assert response.get_json()["message"]
    with ctx.db.session() as s:
        assert s.scalar(select(Service).where(Service.code == "MSA")) is None
        assert s.scalars(select(AuditEntry)).all() == []


def test_a_null_for_a_required_field_is_a_422_not_a_crash(client, world) -> None:
    response = client.patch(
        "/api/v1/sites/test/services/CAF", json={"label": None}, headers=world.auth("manager")
    )
    assert response.status_code == 422 and response.get_json()["error"] == "validation"


def test_a_letter_used_today_by_another_service_cannot_be_taken_again(client, world) -> None:
    issued = client.post("/api/v1/sites/test/tickets", json={"service": "CAF"}, headers=world.auth("kiosk"))
    assert issued.status_code == 201
    # CAF gives up F, then another service asks for it the same day: two people would hold F001.
    moved = client.patch(
        "/api/v1/sites/test/services/CAF", json={"prefix": "Q"}, headers=world.auth("manager")
    )
    assert moved.status_code == 200
    taken = client.patch(
        "/api/v1/sites/test/services/CPAM", json={"prefix": "F"}, headers=world.auth("manager")
    )
    assert taken.status_code == 409 and taken.get_json()["error"] == "prefix_used_today"
    token = issued.get_json()["tracking_url"].rsplit("/", 1)[1]
    number = client.get(f"/api/v1/tickets/{token}").get_json()["number"]
    assert number == issued.get_json()["number"]  # the ticket already issued keeps its number


def test_a_service_with_waiting_tickets_is_deactivated_not_deleted(client, world) -> None:
    client.post("/api/v1/sites/test/tickets", json={"service": "CPAM"}, headers=world.auth("kiosk"))
    response = client.delete("/api/v1/sites/test/services/CPAM", headers=world.auth("manager"))
    assert response.status_code == 409 and response.get_json()["error"] == "service_has_waiting_tickets"
    fresh = client.post("/api/v1/sites/test/services", json=NEW_SERVICE, headers=world.auth("manager"))
    assert fresh.status_code == 201
    assert client.delete("/api/v1/sites/test/services/MSA", headers=world.auth("manager")).status_code == 204
    assert client.delete("/api/v1/sites/test/services/MSA", headers=world.auth("manager")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/sites/test/services", NEW_SERVICE),
        ("patch", "/api/v1/sites/test/services/CAF", {"active": False}),
        ("delete", "/api/v1/sites/test/services/OLD", None),
        ("post", "/api/v1/sites/test/counters", {"number": 9, "name": "Guichet 9"}),
        ("patch", "/api/v1/sites/test/counters/1", {"name": "Accueil"}),
        ("delete", "/api/v1/sites/test/counters/3", None),
        ("get", "/api/v1/sites/test/users", None),
        ("post", "/api/v1/sites/test/users", {"username": "new-agent", "display_name": "Nouvel agent"}),
        ("patch", "/api/v1/users/{agent}", {"display_name": "Renommé"}),
        ("post", "/api/v1/users/{agent}/password-link", None),
        ("get", "/api/v1/audit?site=test", None),
    ],
)
def test_only_the_sites_managers_and_admins_may_set_it_up(client, ctx, world, method, path, body) -> None:
    other = build_world(ctx, "other")
    path = path.replace("{agent}", str(world.user_ids["agent"]))
    call = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    assert call(path, **kwargs).status_code == 401
    for who in ("agent", "expert", "kiosk", "display"):
        assert call(path, headers=world.auth(who), **kwargs).status_code == 403, who
    refused = call(path, headers=other.auth("manager"), **kwargs)
    assert refused.status_code == 403 and refused.get_json()["error"] == "other_site"
    assert call(path, headers=world.auth("manager"), **kwargs).status_code in (200, 201, 204)


def test_an_admin_sets_up_any_site(client, ctx, world) -> None:
    other = build_world(ctx, "other")
    response = client.post("/api/v1/sites/other/services", json=NEW_SERVICE, headers=world.auth("admin"))
    assert response.status_code == 201
    log = client.get("/api/v1/audit", headers=other.auth("manager")).get_json()["entries"]
    assert [e["kind"] for e in log] == ["service.created"]
    assert client.get("/api/v1/audit", headers=world.auth("manager")).get_json()["entries"] == []


def test_counters_are_created_renumbered_and_given_services(client, world, published) -> None:
    created = client.post(
        "/api/v1/sites/test/counters",
        json={"number": 7, "name": "Bureau 7", "services": [{"code": "CAF", "weight": 2}, {"code": "ANTS"}]},
        headers=world.auth("manager"),
    )
    assert created.status_code == 201
    assert created.get_json()["services"] == [{"code": "CAF", "weight": 2.0}, {"code": "ANTS", "weight": 1.0}]
    clash = client.patch("/api/v1/sites/test/counters/7", json={"number": 1}, headers=world.auth("manager"))
    assert clash.status_code == 409 and clash.get_json()["error"] == "counter_number_taken"
    moved = client.patch(
        "/api/v1/sites/test/counters/7",
        json={"number": 8, "services": [{"code": "CPAM"}]},
        headers=world.auth("manager"),
    )
    assert moved.status_code == 200 and moved.get_json()["number"] == 8
    assert moved.get_json()["services"] == [{"code": "CPAM", "weight": 1.0}]
    unknown = client.patch(
        "/api/v1/sites/test/counters/8", json={"services": [{"code": "NOPE"}]}, headers=world.auth("manager")
    )
    assert unknown.status_code == 404
    counters = client.get("/api/v1/sites/test/counters", headers=world.auth("agent")).get_json()["counters"]
    assert 8 in [c["number"] for c in counters]
    assert any(e.name == "counter_changed" for e in published)


def test_a_counter_that_called_tickets_stays(client, world) -> None:
    client.post(
        f"/api/v1/counters/{world.counters[2]}/status", json={"status": "open"}, headers=world.auth("agent")
    )
    busy = client.delete("/api/v1/sites/test/counters/2", headers=world.auth("manager"))
    assert busy.status_code == 409 and busy.get_json()["error"] == "counter_open"


def test_a_new_account_has_no_password_until_its_owner_uses_the_one_time_link(client, ctx, world) -> None:
    created = client.post(
        "/api/v1/sites/test/users",
        json={"username": "c.martin", "display_name": "Claire Martin", "role": "expert", "services": ["CAF"]},
        headers=world.auth("manager"),
    )
    assert created.status_code == 201
    body = created.get_json()
    assert "password" not in str({k: v for k, v in body.items() if k != "password_link"})
    code = body["password_link"]["url"].rsplit("/", 1)[1]
    assert accounts.verify_login(ctx, "c.martin", "anything at all") is None
    from guichet.services import people

    assert people.set_password(ctx, code, "a long enough secret") == "c.martin"
    assert accounts.verify_login(ctx, "c.martin", "a long enough secret") is not None
    with pytest.raises(Exception, match="password_link_invalid"):
        people.set_password(ctx, code, "another long secret")  # once only
    with ctx.db.session() as s:
        for entry in s.scalars(select(AuditEntry)).all():
            assert "password" not in str(entry.after or {}).lower()


def test_a_manager_cannot_make_an_admin_nor_touch_one(client, world) -> None:
    refused = client.post(
        "/api/v1/sites/test/users",
        json={"username": "boss", "display_name": "Boss", "role": "admin"},
        headers=world.auth("manager"),
    )
    assert refused.status_code == 403
    admin = client.patch(
        f"/api/v1/users/{world.user_ids['admin']}", json={"active": False}, headers=world.auth("manager")
    )
    assert admin.status_code == 403


def test_a_deactivated_account_loses_its_tokens_at_once(client, ctx, world) -> None:
    assert client.get("/api/v1/me", headers=world.auth("agent")).status_code == 200
    response = client.patch(
        f"/api/v1/users/{world.user_ids['agent']}", json={"active": False}, headers=world.auth("manager")
    )
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.get("/api/v1/me", headers=world.auth("agent")).status_code == 401
    with ctx.db.session() as s:
        assert s.get(User, world.user_ids["agent"]).active is False
    itself = client.patch(
        f"/api/v1/users/{world.user_ids['manager']}", json={"active": False}, headers=world.auth("manager")
    )
    assert itself.status_code == 409 and itself.get_json()["error"] == "cannot_deactivate_self"


def test_the_audit_log_refuses_update_and_delete(database_url: str) -> None:
    from guichet.db import make_engine
    from guichet.migrate import upgrade

    upgrade(database_url)
    engine = make_engine(database_url, single_use=True)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (at, actor_kind, actor_name, kind, target) "
                "VALUES ('2026-12-03 10:00:00', 'system', '', 'site.created', 'x')"
            )
        )
    for stmt in ("UPDATE audit_entries SET kind = 'forged'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(stmt))
    engine.dispose()


def test_sensitive_agent_actions_are_in_the_audit_log(client, ctx, world) -> None:
    kiosk, agent = world.auth("kiosk"), world.auth("agent")
    client.post("/api/v1/sites/test/tickets", json={"service": "CAF"}, headers=kiosk)
    client.post(
        "/api/v1/sites/test/tickets",
        json={"service": "CAF", "priority": True, "priority_reason": "cmi"},
        headers=kiosk,
    )
    counter = world.counters[1]
    assert (
        client.post(f"/api/v1/counters/{counter}/status", json={"status": "open"}, headers=agent).status_code
        == 200
    )
    first = client.post(f"/api/v1/counters/{counter}/call-next", headers=agent).get_json()
    assert first["priority"] is True
    moved = client.post(f"/api/v1/tickets/{first['id']}/transfer", json={"service": "CPAM"}, headers=agent)
    assert moved.status_code == 200
    second = client.post(f"/api/v1/counters/{counter}/call-next", headers=agent).get_json()
    client.post(f"/api/v1/tickets/{second['id']}/recall", headers=agent)
    assert client.post(f"/api/v1/tickets/{second['id']}/no-show", headers=agent).status_code == 200
    log = client.get("/api/v1/audit?kind=ticket", headers=world.auth("manager")).get_json()["entries"]
    kinds = [e["kind"] for e in log]
    # The transferred ticket keeps its priority: counter 1 also serves CPAM and calls it again first.
    assert kinds == ["ticket.no_show", "ticket.priority_call", "ticket.transfer", "ticket.priority_call"]
    assert {e["actor"]["name"] for e in log} == {"agent-test"}
    assert log[2]["after"]["to"]["service"] == "CPAM"


def test_a_device_made_by_a_manager_enrols_once_and_stops_at_once_when_revoked(client, ctx, world) -> None:
    made = client.post(
        "/api/v1/sites/test/devices", json={"kind": "kiosk", "name": "Borne 2"}, headers=world.auth("manager")
    )
    assert made.status_code == 201
    body = made.get_json()
    code = body["enrolment"]["url"].rsplit("/", 1)[1]
    from guichet.services import devices

    enrolled = devices.enrol(ctx, code)
    assert (
        client.get(
            "/api/v1/sites/test/services", headers={"Authorization": f"Bearer {enrolled.token}"}
        ).status_code
        == 200
    )
    with pytest.raises(Exception, match="enrolment_invalid"):
        devices.enrol(ctx, code)  # once only
    again = client.post(
        "/api/v1/sites/test/devices", json={"kind": "kiosk", "name": "Borne 2"}, headers=world.auth("manager")
    )
    assert again.status_code == 409 and again.get_json()["error"] == "device_name_taken"
    revoked = client.post(f"/api/v1/devices/{body['id']}/revoke", headers=world.auth("manager"))
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {enrolled.token}"}).status_code == 401
    refused = client.post(f"/api/v1/devices/{body['id']}/enrolment", headers=world.auth("manager"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "device_revoked"


def test_the_older_settings_endpoints_are_audited_too(client, world) -> None:
    manager = world.auth("manager")
    client.put("/api/v1/sites/test/display-message", json={"message": "Fermé à 16 h"}, headers=manager)
    client.put(
        f"/api/v1/counters/{world.counters[2]}/services",
        json={"services": [{"code": "CAF"}]},
        headers=manager,
    )
    client.put(
        f"/api/v1/users/{world.user_ids['agent']}/services", json={"services": ["CPAM"]}, headers=manager
    )
    log = client.get("/api/v1/audit", headers=manager).get_json()["entries"]
    assert [e["kind"] for e in log] == ["user.services", "counter.services", "site.display_message"]
    assert log[0]["after"] == {"services": ["CPAM"]} and log[2]["after"] == {"message": "Fermé à 16 h"}
