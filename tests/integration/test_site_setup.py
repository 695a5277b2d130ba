"""A site's settings, weekly hours, services' own hours and dated closures through the REST API:
managers of the site and admins only (creating a site: admins only), validated with clear codes,
nothing saved on refusal, audited, and the kiosk and the screens see the change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from guichet.cli import main
from guichet.db import Database
from guichet.models import AuditEntry, OpeningException, OpeningHours, Site
from guichet.services import audit, tickets

from ..factories import add_appointment, build_world

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
TODAY = date(2027, 3, 22)
API = "/api/v1/sites/test"
SPLIT_DAY = {
    "weekly": [
        {"weekday": 0, "opens": "13:30", "closes": "17:30"},
        {"weekday": 0, "opens": "08:30", "closes": "12:30"},
        {"weekday": 5, "opens": "09:00", "closes": "12:00"},
    ]
}


@pytest.fixture(autouse=True)
def _monday_morning(ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW


def _stored(ctx) -> Site:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        site = s.scalar(select(Site).where(Site.slug == "test"))
        assert site is not None
        s.expunge(site)
        return site


def _kinds(ctx, world, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Kinds of the site's audit entries starting with `prefix`, newest first."""
    entries = audit.entries(ctx, world.actors["admin"], site="test")
    return [e["kind"] for e in entries if e["kind"].startswith(prefix)]


def _refused_fields(body: dict) -> list[str]:  # type: ignore[type-arg]
    """Fields a 422 names: the model's (`validation`, a list) or a service rule's (its own code)."""
    if body["error"] == "validation":
        return [e["field"] for e in body["errors"]]
    assert body["error"] in ("unknown_holiday", "outcome_label_unknown", "closure_in_past"), body
    return [body["details"]["field"]]


# --- settings ---------------------------------------------------------------------------------------


def test_the_settings_show_the_installation_defaults_until_the_site_chooses(client, world) -> None:
    body = client.get(f"{API}/settings", headers=world.auth("manager")).get_json()
    assert body == {
        "slug": "test",
        "name": "Site test",
        "address": "",
        "timezone": "Europe/Paris",
        "holiday_subdivision": None,
        "worked_holidays": [],
        "priority_reasons": ["cmi", "pregnancy"],
        "outcomes": ["resolved", "redirected", "escalated", "incomplete"],
        "outcome_labels": {},
        "priority_cap": 3,
        "min_recalls_before_no_show": 1,
        "appointment_early_min": 5,
        "display_message": "",
    }


def test_a_patch_changes_the_fields_sent_is_audited_and_screens_reload(client, ctx, world, published) -> None:
    patch = {
        "name": "Mairie de Metz",
        "address": "1 place d'Armes",
        "holiday_subdivision": "Moselle",
        "worked_holidays": ["Lundi de Pentecôte", "2027-12-26"],
        "outcomes": ["resolved", "escalated", "rdv"],
        "outcome_labels": {"rdv": "Rendez-vous pris"},
        "priority_cap": 2,
        "min_recalls_before_no_show": 3,
        "appointment_early_min": 10,
    }
    response = client.patch(API, json=patch, headers=world.auth("manager"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    # An alias is stored as the subdivision's code; 26 December is a holiday in Moselle only.
    assert body["holiday_subdivision"] == "57" and body["worked_holidays"] == patch["worked_holidays"]
    assert (body["name"], body["priority_cap"], body["appointment_early_min"]) == ("Mairie de Metz", 2, 10)
    site = _stored(ctx)
    assert site.settings["appointment_early_s"] == 600 and site.address == "1 place d'Armes"
    assert client.get(f"{API}/settings", headers=world.auth("manager")).get_json() == body
    [entry] = audit.entries(ctx, world.actors["admin"], site="test", kind="site.updated")
    assert entry["before"]["name"] == "Site test" and entry["after"]["priority_cap"] == 2
    assert "timezone" not in entry["after"]  # only what changed
    assert any(e.name == "settings_changed" and e.payload == {"part": "site"} for e in published)
    workstation = client.get(f"{API}/workstation", headers=world.auth("agent")).get_json()
    assert [o["code"] for o in workstation["outcomes"]] == ["resolved", "escalated", "rdv"]
    assert workstation["outcomes"][2]["label"] == "Rendez-vous pris"


def test_the_cmi_priority_is_kept_whatever_the_list_sent(client, world) -> None:
    for sent in (["elderly", "child"], []):
        response = client.patch(API, json={"priority_reasons": sent}, headers=world.auth("manager"))
        assert response.status_code == 200
        assert response.get_json()["priority_reasons"] == ["cmi", *sent]
        kiosk = client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()
        assert kiosk["site"]["priority_reasons"] == ["cmi", *sent]


def test_null_gives_a_rule_back_to_the_installation(client, ctx, world) -> None:
    client.patch(API, json={"priority_cap": 0, "appointment_early_min": 0}, headers=world.auth("manager"))
    assert _stored(ctx).settings == {"priority_cap": 0, "appointment_early_s": 0}
    response = client.patch(API, json={"priority_cap": None}, headers=world.auth("manager"))
    assert response.get_json()["priority_cap"] == 3 and _stored(ctx).settings == {"appointment_early_s": 0}


def test_the_display_message_is_written_by_the_screens_own_setter(app, client, ctx, world) -> None:
    response = client.patch(
        API, json={"display_message": "  Fermé   à 16 h  "}, headers=world.auth("manager")
    )
    assert response.status_code == 200 and response.get_json()["display_message"] == "Fermé à 16 h"
    assert _kinds(ctx, world, "site.") == ["site.display_message"]  # nothing else changed
    sio = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"token": world.tokens["display"]}, flask_test_client=client
    )
    [snap] = [e["args"][0] for e in sio.get_received("/display") if e["name"] == "snapshot"]
    assert snap["message"] == "Fermé à 16 h"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"holiday_subdivision": "99"}, "holiday_subdivision"),
        ({"worked_holidays": ["2027-03-23"]}, "worked_holidays"),  # not a holiday: unknown_holiday
        ({"worked_holidays": ["Fête de la Saint-Glinglin"]}, "worked_holidays"),
        ({"worked_holidays": ["2027-12-26"]}, "worked_holidays"),  # only in Alsace-Moselle
        ({"outcome_labels": {"rdv": "Rendez-vous"}}, "outcome_labels"),  # outcome_label_unknown
        ({"outcomes": ["rdv"], "outcome_labels": {"x": "X"}}, "outcome_labels"),
        ({"outcomes": []}, "outcomes"),
        ({"outcomes": ["Pas bien"]}, "outcomes.0"),
        ({"priority_reasons": ["vip"]}, "priority_reasons.0"),
        ({"priority_cap": -1}, "priority_cap"),
        ({"min_recalls_before_no_show": 11}, "min_recalls_before_no_show"),
        ({"display_message": "x" * 281}, "display_message"),
        ({"name": ""}, "name"),
        ({"slug": "renamed"}, "slug"),
    ],
)
def test_a_bad_setting_is_a_422_naming_the_field_and_nothing_is_saved(
    client, ctx, world, patch, field
) -> None:
    before = _stored(ctx)
    response = client.patch(API, json={"name": "Changed", **patch}, headers=world.auth("manager"))
    assert response.status_code == 422, response.get_json()
    assert field in _refused_fields(response.get_json())
    after = _stored(ctx)
    assert (after.name, after.timezone, after.settings) == (before.name, before.timezone, before.settings)
    assert _kinds(ctx, world, "site.") == []


def test_a_null_where_the_site_needs_a_value_is_a_422(client, world) -> None:
    response = client.patch(API, json={"timezone": None}, headers=world.auth("manager"))
    assert response.status_code == 422 and response.get_json()["error"] == "validation"


def test_the_time_zone_does_not_change_on_a_day_with_tickets(client, ctx, world) -> None:
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    response = client.patch(
        API, json={"timezone": "America/Cayenne", "name": "Cayenne"}, headers=world.auth("manager")
    )
    assert response.status_code == 409 and response.get_json()["error"] == "site_has_tickets_today"
    assert (_stored(ctx).timezone, _stored(ctx).name) == ("Europe/Paris", "Site test")
    # The next day, before any ticket, the zone may change; yesterday's ticket keeps its day.
    ctx.clock = lambda: NOW + timedelta(days=1)
    response = client.patch(API, json={"timezone": "America/Cayenne"}, headers=world.auth("manager"))
    assert response.status_code == 200 and response.get_json()["timezone"] == "America/Cayenne"


def test_the_time_zone_does_not_change_under_booked_appointments(client, ctx, world) -> None:
    add_appointment(ctx, world, "CAF", NOW + timedelta(days=7))
    response = client.patch(API, json={"timezone": "Indian/Reunion"}, headers=world.auth("manager"))
    assert response.status_code == 409 and response.get_json()["error"] == "site_has_appointments"
    assert _stored(ctx).timezone == "Europe/Paris"


# --- creating a site --------------------------------------------------------------------------------


def test_an_admin_creates_a_site_with_only_the_settings_it_chose(client, ctx, world) -> None:
    body = {"slug": "cayenne", "name": "Mairie de Cayenne", "timezone": "America/Cayenne"}
    response = client.post(
        "/api/v1/sites", json={**body, "holiday_subdivision": "973"}, headers=world.auth("admin")
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["slug"], created["timezone"], created["holiday_subdivision"]) == (
        "cayenne",
        "America/Cayenne",
        "973",
    )
    with ctx.db.session() as s:
        site = s.scalar(select(Site).where(Site.slug == "cayenne"))
        assert site is not None and site.settings == {"holiday_subdivision": "973"}
    [entry] = audit.entries(ctx, world.actors["admin"], site="cayenne", kind="site.created")
    assert entry["after"]["timezone"] == "America/Cayenne" and entry["actor"]["name"] == "admin-test"
    again = client.post("/api/v1/sites", json=body, headers=world.auth("admin"))
    assert again.status_code == 409 and again.get_json()["error"] == "site_slug_taken"


@pytest.mark.parametrize("who", ["manager", "agent", "kiosk", "display"])
def test_only_admins_create_sites(client, ctx, world, who) -> None:
    body = {"slug": "ailleurs", "name": "Ailleurs"}
    response = client.post("/api/v1/sites", json=body, headers=world.auth(who))
    assert response.status_code == 403
    assert client.post("/api/v1/sites", json=body).status_code == 401
    with ctx.db.session() as s:
        assert s.scalar(select(Site.id).where(Site.slug == "ailleurs")) is None


@pytest.mark.parametrize(
    "body",
    [{"slug": "Bad Slug", "name": "x"}, {"slug": "ok", "name": "x", "timezone": "Paris"}, {"slug": "ok"}],
)
def test_a_bad_new_site_is_a_422(client, world, body) -> None:
    response = client.post("/api/v1/sites", json=body, headers=world.auth("admin"))
    assert response.status_code == 422 and response.get_json()["error"] == "validation"


# --- who may --------------------------------------------------------------------------------------

ROUTES = [
    ("get", f"{API}/settings", None),
    ("patch", API, {"name": "x"}),
    ("get", f"{API}/hours", None),
    ("put", f"{API}/hours", {"weekly": []}),
    ("get", f"{API}/services/CAF/hours", None),
    ("put", f"{API}/services/CAF/hours", {"weekly": []}),
    ("get", f"{API}/closures", None),
    ("post", f"{API}/closures", {"day": "2027-04-01", "label": "x"}),
    ("delete", f"{API}/closures/1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_only_the_sites_managers_and_admins_may_set_its_hours_and_settings(
    client, ctx, world, method, path, body
) -> None:
    other = build_world(ctx, "other")
    call = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    assert call(path, **kwargs).status_code == 401
    for who in ("agent", "expert", "kiosk", "display"):
        refused = call(path, headers=world.auth(who), **kwargs)
        assert refused.status_code == 403, who
    refused = call(path, headers=other.auth("manager"), **kwargs)
    assert refused.status_code == 403 and refused.get_json()["error"] == "other_site"
    allowed = call(path, headers=world.auth("manager"), **kwargs)
    assert allowed.status_code not in (401, 403), allowed.get_json()


def test_another_sites_manager_changes_nothing(client, ctx, world) -> None:
    other = build_world(ctx, "other")
    for method, path, body in ROUTES:
        if method != "get":
            getattr(client, method)(path, json=body, headers=other.auth("manager"))
    site = _stored(ctx)
    assert site.name == "Site test"
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningException.id)) is None
        assert s.scalar(select(OpeningHours.id)) is None
    assert _kinds(ctx, world, "site.") == []


def test_an_admin_sets_up_any_site(client, ctx, world) -> None:
    build_world(ctx, "other")
    response = client.put("/api/v1/sites/other/hours", json=SPLIT_DAY, headers=world.auth("admin"))
    assert response.status_code == 200 and len(response.get_json()["weekly"]) == 3


# --- weekly hours -----------------------------------------------------------------------------------


def test_weekly_hours_are_replaced_as_a_whole_and_read_back_in_order(client, ctx, world, published) -> None:
    response = client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    assert response.status_code == 200
    expected = [
        {"weekday": 0, "opens": "08:30", "closes": "12:30"},
        {"weekday": 0, "opens": "13:30", "closes": "17:30"},
        {"weekday": 5, "opens": "09:00", "closes": "12:00"},
    ]
    assert response.get_json() == {"weekly": expected}
    assert client.get(f"{API}/hours", headers=world.auth("manager")).get_json() == {"weekly": expected}
    [entry] = audit.entries(ctx, world.actors["admin"], site="test", kind="site.hours")
    assert entry["before"] == {"weekly": []} and entry["after"] == {"weekly": expected}
    assert any(e.name == "settings_changed" and e.payload == {"part": "hours"} for e in published)
    saturday = [{"weekday": 5, "opens": "10:00", "closes": "11:00"}]
    client.put(f"{API}/hours", json={"weekly": saturday}, headers=world.auth("manager"))
    assert client.get(f"{API}/hours", headers=world.auth("manager")).get_json() == {"weekly": saturday}


def test_the_kiosk_follows_new_hours_at_once(client, world) -> None:
    later = {"weekly": [{"weekday": 0, "opens": "10:00", "closes": "12:00"}]}
    client.put(f"{API}/hours", json=later, headers=world.auth("manager"))
    site = client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()["site"]
    assert site["open"] is False and site["next_opening"] == "2027-03-22T10:00:00+01:00"
    assert site["hours"][0] == {"weekday": 0, "ranges": [["10:00", "12:00"]]}
    refused = client.post(f"{API}/tickets", json={"service": "CAF"}, headers=world.auth("kiosk"))
    assert refused.status_code == 409


@pytest.mark.parametrize(
    ("weekly", "field"),
    [
        ([{"weekday": 0, "opens": "12:00", "closes": "09:00"}], "weekly.0"),
        ([{"weekday": 0, "opens": "09:00", "closes": "09:00"}], "weekly.0"),
        (
            [
                {"weekday": 1, "opens": "08:30", "closes": "12:30"},
                {"weekday": 1, "opens": "12:00", "closes": "17:00"},
            ],
            "weekly",
        ),
        ([{"weekday": 7, "opens": "09:00", "closes": "12:00"}], "weekly.0.weekday"),
        ([{"weekday": 0, "opens": "9h", "closes": "12:00"}], "weekly.0.opens"),
        ([{"weekday": 0, "opens": "09:00:00", "closes": "12:00"}], "weekly.0.opens"),
        ([{"weekday": 0, "opens": "09:00"}], "weekly.0.closes"),
    ],
)
def test_bad_weekly_ranges_are_refused_and_the_old_hours_stay(client, world, weekly, field) -> None:
    client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    response = client.put(f"{API}/hours", json={"weekly": weekly}, headers=world.auth("manager"))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()
    assert len(client.get(f"{API}/hours", headers=world.auth("manager")).get_json()["weekly"]) == 3


def test_ranges_that_touch_are_not_an_overlap(client, world) -> None:
    touching = [
        {"weekday": 2, "opens": "08:00", "closes": "12:00"},
        {"weekday": 2, "opens": "12:00", "closes": "14:00"},
    ]
    assert (
        client.put(f"{API}/hours", json={"weekly": touching}, headers=world.auth("manager")).status_code
        == 200
    )


def test_a_service_has_its_own_hours_within_the_sites(client, ctx, world) -> None:
    client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    mornings = {"weekly": [{"weekday": 0, "opens": "10:00", "closes": "12:00"}]}
    response = client.put(f"{API}/services/CAF/hours", json=mornings, headers=world.auth("manager"))
    assert response.status_code == 200 and response.get_json() == mornings
    assert client.get(f"{API}/services/CAF/hours", headers=world.auth("manager")).get_json() == mornings
    assert client.get(f"{API}/services/CPAM/hours", headers=world.auth("manager")).get_json() == {
        "weekly": []
    }
    assert len(client.get(f"{API}/hours", headers=world.auth("manager")).get_json()["weekly"]) == 3
    listing = client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()
    by_code = {sv["code"]: sv for sv in listing["services"]}
    assert by_code["CAF"]["open"] is False and by_code["CAF"]["closed_reason"] == "hours"
    assert by_code["CPAM"]["open"] is True
    [entry] = audit.entries(ctx, world.actors["admin"], site="test", kind="service.hours")
    assert entry["target"] == "CAF" and entry["after"] == mornings


def test_hours_of_an_unknown_service_are_a_404(client, world) -> None:
    for call in (client.get, client.put):
        response = call(f"{API}/services/NOPE/hours", json={"weekly": []}, headers=world.auth("manager"))
        assert response.status_code == 404 and response.get_json()["error"] == "service_not_found"


# --- dated exceptions and closures ------------------------------------------------------------------


def test_a_closed_day_closes_the_kiosk_and_goes_away_when_deleted(client, ctx, world, published) -> None:
    client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    body = {"day": TODAY.isoformat(), "label": "Inventaire"}
    response = client.post(f"{API}/closures", json=body, headers=world.auth("manager"))
    assert response.status_code == 201, response.get_json()
    closure = response.get_json()
    assert closure == {
        "id": closure["id"],
        "day": "2027-03-22",
        "opens": None,
        "closes": None,
        "label": "Inventaire",
    }
    assert client.get(f"{API}/closures", headers=world.auth("manager")).get_json() == {"closures": [closure]}
    site = client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()["site"]
    assert site["open"] is False and site["next_opening"] == "2027-03-27T09:00:00+01:00"  # Saturday
    assert [e.payload for e in published if e.name == "settings_changed"][-1] == {"part": "hours"}
    deleted = client.delete(f"{API}/closures/{closure['id']}", headers=world.auth("manager"))
    assert deleted.status_code == 204
    assert client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()["site"]["open"] is True
    assert client.delete(f"{API}/closures/{closure['id']}", headers=world.auth("manager")).status_code == 404
    assert _kinds(ctx, world, "site.closure") == ["site.closure_deleted", "site.closure_added"]


def test_replacement_hours_replace_the_days_usual_ranges(client, world) -> None:
    client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    body = {"day": TODAY.isoformat(), "opens": "14:00", "closes": "16:00", "label": "Formation le matin"}
    response = client.post(f"{API}/closures", json=body, headers=world.auth("manager"))
    assert response.status_code == 201 and response.get_json()["opens"] == "14:00"
    site = client.get(f"{API}/services", headers=world.auth("kiosk")).get_json()["site"]
    assert site["open"] is False and site["next_opening"] == "2027-03-22T14:00:00+01:00"


def test_a_second_exception_on_the_same_day_is_a_409(client, ctx, world) -> None:
    body = {"day": "2027-05-07", "label": "Pont"}
    assert client.post(f"{API}/closures", json=body, headers=world.auth("manager")).status_code == 201
    again = client.post(
        f"{API}/closures", json={**body, "opens": "09:00", "closes": "12:00"}, headers=world.auth("manager")
    )
    assert again.status_code == 409 and again.get_json()["error"] == "closure_day_taken"
    with ctx.db.session() as s:
        assert len(s.scalars(select(OpeningException)).all()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2027-03-21"}, "day"),  # yesterday: closure_in_past
        ({"day": "2027-13-01"}, "day"),
        ({"day": "2027-04-01", "opens": "09:00"}, ""),
        ({"day": "2027-04-01", "opens": "12:00", "closes": "09:00"}, ""),
        ({"day": "2027-04-01", "label": "x" * 201}, "label"),
        ({"day": "2027-04-01", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_exception_is_a_422_and_nothing_is_saved(client, ctx, world, body, field) -> None:
    response = client.post(f"{API}/closures", json=body, headers=world.auth("manager"))
    assert response.status_code == 422, response.get_json()
    assert field in _refused_fields(response.get_json())
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningException.id)) is None
    assert _kinds(ctx, world, "site.closure") == []


def test_past_exceptions_are_not_listed(client, ctx, world) -> None:
    client.post(
        f"{API}/closures", json={"day": "2027-03-23", "label": "Demain"}, headers=world.auth("manager")
    )
    ctx.clock = lambda: NOW + timedelta(days=2)
    assert client.get(f"{API}/closures", headers=world.auth("manager")).get_json() == {"closures": []}


def test_a_closure_of_another_site_cannot_be_deleted_through_ones_own(client, ctx, world) -> None:
    other = build_world(ctx, "other")
    mine = client.post(
        f"{API}/closures", json={"day": "2027-04-01"}, headers=world.auth("manager")
    ).get_json()
    response = client.delete(f"/api/v1/sites/other/closures/{mine['id']}", headers=other.auth("manager"))
    assert response.status_code == 404
    assert len(client.get(f"{API}/closures", headers=world.auth("manager")).get_json()["closures"]) == 1


# --- live screens and the command line --------------------------------------------------------------


def test_a_display_hears_that_the_hours_changed_and_its_snapshot_shows_them(app, client, world) -> None:
    sio = app.extensions["socketio"].test_client(
        app, namespace="/display", auth={"token": world.tokens["display"]}, flask_test_client=client
    )
    sio.get_received("/display")
    client.put(f"{API}/hours", json=SPLIT_DAY, headers=world.auth("manager"))
    heard = [e["args"][0] for e in sio.get_received("/display") if e["name"] == "settings_changed"]
    assert heard == [{"part": "hours"}]
    sio.emit("refresh", namespace="/display")
    [snap] = [e["args"][0] for e in sio.get_received("/display") if e["name"] == "snapshot"]
    assert snap["site"]["hours"][0]["ranges"] == [["08:30", "12:30"], ["13:30", "17:30"]]


def test_the_command_line_still_sets_weekly_hours(tmp_path, monkeypatch) -> None:
    # A database of its own, made by the migrations (this module's app fixture made the other one).
    sqlite_url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GUICHET_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GUICHET_ENV", "development")
    runner = CliRunner()
    for args in (["db", "upgrade"], ["demo"]):
        assert runner.invoke(main, args).exit_code == 0
    result = runner.invoke(main, ["site", "hours", "demo", "--set", "mon-fri=08:30-12:30,13:30-17:30"])
    assert result.exit_code == 0, result.output
    assert "10 weekly opening ranges" in result.output
    overlapping = runner.invoke(main, ["site", "hours", "demo", "--set", "mon=08:30-12:30,12:00-17:30"])
    assert overlapping.exit_code != 0
    db = Database(sqlite_url)
    with db.session() as s:
        rows = s.scalars(select(OpeningHours).where(OpeningHours.service_id.is_(None))).all()
        assert len(rows) == 10 and {r.weekday for r in rows} == {0, 1, 2, 3, 4}
        kinds = s.scalars(select(AuditEntry.kind).where(AuditEntry.kind == "site.hours")).all()
        assert len(kinds) >= 1
    db.dispose()
