"""Experts' agendas set up by managers (REST API and pages): weekly opening ranges, absences and the
preview of the free slots they give, which are the slots the public booking offers; refusals with
their codes and nothing saved; every change audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from guichet.models import Absence, AuditEntry, OpeningRangeRow, Place
from guichet.services import accounts

from ..factories import PASSWORD, add_booking, build_world
from .test_staff_pages import sign_in

# Monday 22 March 2027, 08:00 in Paris (UTC+1 until the 28th, then UTC+2).
NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)
API = "/api/v1/sites/test"
# Wednesdays 14:00-16:00 from March: four 30-minute CAF slots each Wednesday.
WEDNESDAY = {
    "place_id": 0,
    "weekday": 2,
    "start_time": "14:00",
    "end_time": "16:00",
    "valid_from": "2027-03-01",
    "motifs": ["CAF_RDV"],
}


@pytest.fixture
def agenda(ctx, world):  # type: ignore[no-untyped-def]
    """The booking world without any opening range, and a second expert with no range either."""
    ctx.clock = lambda: NOW
    booking = add_booking(ctx, world, days=())
    expert2 = accounts.add_user(ctx, "expert2-test", PASSWORD, "expert", site_slug="test")
    return {"place": booking.place, "expert": world.user_ids["expert"], "expert2": expert2}


def _range(agenda, **extra):  # type: ignore[no-untyped-def]
    return {**WEDNESDAY, "place_id": agenda["place"], **extra}


def _slots(client, frm: str = "2027-03-22", to: str = "2027-04-04", motif: str = "CAF_RDV") -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/slots?motif={motif}&from={frm}&to={to}")
    assert r.status_code == 200, r.get_json()
    return [s["start"] for s in r.get_json()["slots"]]


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _audit_kinds(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return list(s.scalars(select(AuditEntry.kind).order_by(AuditEntry.id)).all())


def _book(client, start: str, email: str = "a.martin@example.org"):  # type: ignore[no-untyped-def]
    body = {"site": "test", "motif": "CAF_RDV", "start": start, "name": "A. Martin", "email": email}
    r = client.post("/api/v1/appointments", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


# --- who may ----------------------------------------------------------------------------------------


def test_the_site_s_experts_are_listed_with_their_services_for_its_managers_and_admins(
    client, ctx, world, agenda
) -> None:
    client.put(
        f"/api/v1/users/{agenda['expert']}/services",
        json={"services": ["CAF"]},
        headers=world.auth("manager"),
    )
    for who in ("manager", "admin"):
        r = client.get(f"{API}/experts", headers=world.auth(who))
        assert r.status_code == 200
        experts = {e["username"]: e for e in r.get_json()["experts"]}
        assert set(experts) == {"expert-test", "expert2-test"}
        assert experts["expert-test"]["services"] == ["CAF"] and experts["expert-test"]["active"]


def test_anonymous_callers_devices_agents_and_other_sites_managers_are_refused(
    client, ctx, world, agenda
) -> None:
    other = build_world(ctx, "other")
    uid = agenda["expert"]
    calls = [
        ("get", f"{API}/experts", None),
        ("get", f"{API}/experts/{uid}/ranges", None),
        ("post", f"{API}/experts/{uid}/ranges", _range(agenda)),
        ("get", f"{API}/experts/{uid}/absences", None),
        (
            "post",
            f"{API}/experts/{uid}/absences",
            {"starts_at": "2027-04-01T09:00", "ends_at": "2027-04-01T12:00"},
        ),
        ("get", f"{API}/experts/{uid}/preview", None),
    ]
    for method, path, body in calls:
        assert client.open(path, method=method.upper(), json=body).status_code == 401, path
        for who in ("agent", "expert", "kiosk", "display"):
            r = client.open(path, method=method.upper(), json=body, headers=world.auth(who))
            assert r.status_code == 403, (path, who)
        r = client.open(path, method=method.upper(), json=body, headers=other.auth("manager"))
        assert r.status_code == 403 and r.get_json()["error"] == "other_site", path
    assert _count(ctx, OpeningRangeRow) == 0 and _count(ctx, Absence) == 0


def test_another_site_s_manager_can_neither_change_nor_delete_a_range_or_an_absence(
    client, ctx, world, agenda
) -> None:
    other = build_world(ctx, "other")
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    ).get_json()["id"]
    absence = {"starts_at": "2027-04-01T09:00", "ends_at": "2027-04-01T12:00"}
    aid = client.post(
        f"{API}/experts/{agenda['expert']}/absences", json=absence, headers=world.auth("manager")
    ).get_json()["id"]
    headers = other.auth("manager")
    assert client.patch(f"{API}/ranges/{rid}", json={"end_time": "17:00"}, headers=headers).status_code == 403
    assert client.delete(f"{API}/ranges/{rid}", headers=headers).status_code == 403
    assert client.delete(f"{API}/absences/{aid}", headers=headers).status_code == 403
    # Through their own site's address, the ids are unknown there.
    assert (
        client.delete(f"/api/v1/sites/other/ranges/{rid}", headers=headers).get_json()["error"]
        == "range_not_found"
    )
    assert (
        client.delete(f"/api/v1/sites/other/absences/{aid}", headers=headers).get_json()["error"]
        == "absence_not_found"
    )
    r = client.get(f"/api/v1/sites/other/experts/{agenda['expert']}/ranges", headers=headers)
    assert r.status_code == 422 and r.get_json()["error"] == "not_an_expert"
    assert _count(ctx, OpeningRangeRow) == 1 and _count(ctx, Absence) == 1


# --- ranges -----------------------------------------------------------------------------------------


def test_a_new_range_gives_public_slots_and_the_preview_offers_the_same(
    client, ctx, world, agenda, published
) -> None:
    assert _slots(client) == []
    r = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["start_time"] == "14:00" and body["valid_until"] is None and body["motifs"] == ["CAF_RDV"]
    assert body["place"] == {"id": agenda["place"], "name": "Salle des permanences"}
    public = _slots(client)
    assert public == [
        *(f"2027-03-24T{h}:00+01:00" for h in ("14:00", "14:30", "15:00", "15:30")),
        *(f"2027-03-31T{h}:00+02:00" for h in ("14:00", "14:30", "15:00", "15:30")),
    ]
    preview = client.get(
        f"{API}/experts/{agenda['expert']}/preview?from=2027-03-22&to=2027-04-04&motif=CAF_RDV",
        headers=world.auth("manager"),
    ).get_json()
    [caf] = preview["motifs"]
    assert [s["start"] for s in caf["slots"]] == public
    full = client.get(f"{API}/slots?motif=CAF_RDV&from=2027-03-22&to=2027-04-04").get_json()["slots"]
    assert caf["slots"] == full
    # Without a motif: only the motifs the range offers; by default the next 14 days.
    default = client.get(
        f"{API}/experts/{agenda['expert']}/preview", headers=world.auth("manager")
    ).get_json()
    assert (default["from"], default["to"]) == ("2027-03-22", "2027-04-04")
    assert [m["motif"]["code"] for m in default["motifs"]] == ["CAF_RDV"]
    assert default["motifs"][0]["slots"] == caf["slots"]
    # The other expert has no range: nothing to preview.
    none = client.get(f"{API}/experts/{agenda['expert2']}/preview", headers=world.auth("manager")).get_json()
    assert none["motifs"] == []
    assert _audit_kinds(ctx) == ["range.created"]
    assert any(e.name == "settings_changed" and e.payload == {"part": "booking"} for e in published)
    listed = client.get(f"{API}/experts/{agenda['expert']}/ranges", headers=world.auth("admin")).get_json()
    assert listed["ranges"] == [body]


def test_a_range_without_motifs_offers_every_motif_of_the_expert_s_services(client, world, agenda) -> None:
    client.put(
        f"/api/v1/users/{agenda['expert']}/services",
        json={"services": ["ANTS"]},
        headers=world.auth("manager"),
    )
    r = client.post(
        f"{API}/experts/{agenda['expert']}/ranges",
        json=_range(agenda, motifs=[]),
        headers=world.auth("manager"),
    )
    assert r.status_code == 201
    preview = client.get(
        f"{API}/experts/{agenda['expert']}/preview?from=2027-03-24&to=2027-03-24",
        headers=world.auth("manager"),
    ).get_json()
    assert [m["motif"]["code"] for m in preview["motifs"]] == ["PASSEPORT"]
    assert len(preview["motifs"][0]["slots"]) == 8  # 15-minute slots over two hours
    assert _slots(client) == []  # CAF is not among the expert's services


def test_a_deleted_range_removes_its_slots_and_is_audited(client, ctx, world, agenda) -> None:
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    ).get_json()["id"]
    assert _slots(client)
    assert client.delete(f"{API}/ranges/{rid}", headers=world.auth("manager")).status_code == 204
    assert _slots(client) == []
    assert _count(ctx, OpeningRangeRow) == 0
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "range.deleted")).one()
        assert entry.before["id"] == rid and entry.after is None and entry.target == f"expert-test #{rid}"
    assert client.delete(f"{API}/ranges/{rid}", headers=world.auth("manager")).status_code == 404


def test_patch_changes_only_the_fields_sent_and_the_slots_follow(client, ctx, world, agenda) -> None:
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    ).get_json()["id"]
    r = client.patch(
        f"{API}/ranges/{rid}",
        json={"end_time": "15:00", "valid_until": "2027-03-28"},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["start_time"], r.get_json()["end_time"], r.get_json()["valid_until"]) == (
        "14:00",
        "15:00",
        "2027-03-28",
    )
    assert _slots(client) == ["2027-03-24T14:00:00+01:00", "2027-03-24T14:30:00+01:00"]
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "range.updated")).one()
        assert entry.before["end_time"] == "16:00" and entry.after["end_time"] == "15:00"


def test_a_range_meeting_another_of_the_same_expert_is_refused_and_nothing_is_saved(
    client, ctx, world, agenda
) -> None:
    uid, headers = agenda["expert"], world.auth("manager")
    assert client.post(f"{API}/experts/{uid}/ranges", json=_range(agenda), headers=headers).status_code == 201
    for overlap in (
        _range(agenda, start_time="15:30", end_time="17:00"),
        _range(agenda, valid_from="2027-06-01", motifs=[]),
        _range(agenda, every_weeks=2),
    ):
        r = client.post(f"{API}/experts/{uid}/ranges", json=overlap, headers=headers)
        assert r.status_code == 409 and r.get_json()["error"] == "range_overlaps", overlap
    assert _count(ctx, OpeningRangeRow) == 1
    # Next to it, another weekday, another period, the same hours for another expert: all fine.
    for fine in (
        _range(agenda, start_time="16:00", end_time="17:00"),
        _range(agenda, weekday=3),
    ):
        assert client.post(f"{API}/experts/{uid}/ranges", json=fine, headers=headers).status_code == 201, fine
    assert (
        client.post(
            f"{API}/experts/{agenda['expert2']}/ranges", json=_range(agenda), headers=headers
        ).status_code
        == 201
    )
    assert _count(ctx, OpeningRangeRow) == 4


def test_alternate_weeks_ranges_do_not_meet_and_a_patch_into_another_range_is_refused(
    client, ctx, world, agenda
) -> None:
    uid, headers = agenda["expert"], world.auth("manager")
    # Week A from Wednesday 3 March, week B from Wednesday 10 March: never the same Wednesday.
    a = client.post(
        f"{API}/experts/{uid}/ranges",
        json=_range(agenda, every_weeks=2, valid_from="2027-03-03"),
        headers=headers,
    )
    b = client.post(
        f"{API}/experts/{uid}/ranges",
        json=_range(agenda, every_weeks=2, valid_from="2027-03-10"),
        headers=headers,
    )
    assert a.status_code == 201 and b.status_code == 201, b.get_json()
    assert len(_slots(client)) == 8  # one of the two each Wednesday
    r = client.patch(f"{API}/ranges/{b.get_json()['id']}", json={"valid_from": "2027-03-17"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"] == "range_overlaps"
    with ctx.db.session() as s:
        assert s.get(OpeningRangeRow, b.get_json()["id"]).valid_from.isoformat() == "2027-03-10"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"start_time": "16:00", "end_time": "14:00"}, "range_times_inverted", "end_time"),
        ({"valid_until": "2027-02-01"}, "range_dates_inverted", "valid_until"),
        ({"motifs": ["NOPE"]}, "unknown_motif", None),
        ({"motifs": ["CAF_RDV", "CAF_RDV"]}, "duplicate_motif", None),
        ({"place_id": 999999}, "unknown_place", None),
        ({"start_time": "14:00+02:00"}, "local_time_expected", None),
        ({"every_weeks": 5}, "validation", "every_weeks"),
        ({"weekday": 7}, "validation", "weekday"),
        ({"start_time": "25:00"}, "validation", "start_time"),
        ({"colour": "red"}, "validation", "colour"),
    ],
)
def test_a_bad_range_is_a_422_with_its_code_and_nothing_is_saved(
    client, ctx, world, agenda, change, code, field
) -> None:
    r = client.post(
        f"{API}/experts/{agenda['expert']}/ranges",
        json=_range(agenda, **change),
        headers=world.auth("manager"),
    )
    assert r.status_code == 422 and r.get_json()["error"] == code, r.get_json()
    if code == "validation":
        assert field in [e["field"] for e in r.get_json()["errors"]]
    assert _count(ctx, OpeningRangeRow) == 0 and _audit_kinds(ctx) == []


def test_only_an_active_expert_of_the_site_gets_a_range(client, ctx, world, agenda) -> None:
    other = build_world(ctx, "other")
    with ctx.db.session() as s:
        other_place = Place(site_id=other.site_id, name="Ailleurs")
        s.add(other_place)
        s.commit()
        other_place_id = other_place.id
    client.patch(f"/api/v1/users/{agenda['expert2']}", json={"active": False}, headers=world.auth("manager"))
    for uid in (
        world.user_ids["agent"],
        world.user_ids["manager"],
        other.user_ids["expert"],
        agenda["expert2"],
        999999,
    ):
        r = client.post(f"{API}/experts/{uid}/ranges", json=_range(agenda), headers=world.auth("admin"))
        assert r.status_code == 422 and r.get_json()["error"] == "not_an_expert", uid
    r = client.post(
        f"{API}/experts/{agenda['expert']}/ranges",
        json=_range(agenda, place_id=other_place_id),
        headers=world.auth("admin"),
    )
    assert r.status_code == 422 and r.get_json()["error"] == "unknown_place"
    assert _count(ctx, OpeningRangeRow) == 0


def test_a_range_booked_appointments_depend_on_is_neither_deleted_nor_shrunk(
    client, ctx, world, agenda
) -> None:
    headers = world.auth("manager")
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=headers
    ).get_json()["id"]
    _book(client, "2027-03-24T15:30:00+01:00")
    _book(client, "2027-03-31T15:30:00+02:00", email="b.durand@example.org")
    r = client.delete(f"{API}/ranges/{rid}", headers=headers)
    assert r.status_code == 409 and r.get_json()["error"] == "range_has_appointments"
    assert r.get_json()["details"]["count"] == 2 and "2 rendez-vous" in r.get_json()["message"]
    for shrink in ({"end_time": "15:30"}, {"valid_until": "2027-03-28"}, {"weekday": 3}, {"every_weeks": 2}):
        r = client.patch(f"{API}/ranges/{rid}", json=shrink, headers=headers)
        assert r.status_code == 409 and r.get_json()["error"] == "range_has_appointments", shrink
    assert (
        client.patch(f"{API}/ranges/{rid}", json={"valid_until": "2027-03-28"}, headers=headers).get_json()[
            "details"
        ]["count"]
        == 1
    )
    # Growing it, or shrinking what no appointment uses, is fine.
    assert (
        client.patch(
            f"{API}/ranges/{rid}", json={"start_time": "14:30", "end_time": "17:00"}, headers=headers
        ).status_code
        == 200
    )
    assert _count(ctx, OpeningRangeRow) == 1 and _audit_kinds(ctx) == ["range.created", "range.updated"]


# --- absences ---------------------------------------------------------------------------------------


def test_an_absence_in_local_time_removes_the_slots_it_covers_and_is_stored_in_utc(
    client, ctx, world, agenda
) -> None:
    headers = world.auth("manager")
    client.post(f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=headers)
    body = {"starts_at": "2027-03-24T14:00", "ends_at": "2027-03-24T15:00", "label": "Formation"}
    r = client.post(f"{API}/experts/{agenda['expert']}/absences", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["starts_at"] == "2027-03-24T14:00:00+01:00" and r.get_json()["label"] == "Formation"
    with ctx.db.session() as s:
        stored = s.scalars(select(Absence)).one()
        assert stored.starts_at == datetime(2027, 3, 24, 13, 0, tzinfo=UTC)
    public = _slots(client)
    assert public[:2] == ["2027-03-24T15:00:00+01:00", "2027-03-24T15:30:00+01:00"] and len(public) == 6
    preview = client.get(
        f"{API}/experts/{agenda['expert']}/preview?from=2027-03-22&to=2027-04-04", headers=headers
    ).get_json()
    assert [s["start"] for s in preview["motifs"][0]["slots"]] == public
    listed = client.get(f"{API}/experts/{agenda['expert']}/absences", headers=headers).get_json()["absences"]
    assert listed == [r.get_json()]
    assert client.delete(f"{API}/absences/{listed[0]['id']}", headers=headers).status_code == 204
    assert len(_slots(client)) == 8
    assert _audit_kinds(ctx) == ["range.created", "absence.created", "absence.deleted"]


def test_an_absence_over_booked_appointments_is_refused_with_their_count(client, ctx, world, agenda) -> None:
    headers = world.auth("manager")
    client.post(f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=headers)
    _book(client, "2027-03-24T15:30:00+01:00")
    body = {"starts_at": "2027-03-24T00:00", "ends_at": "2027-03-25T00:00", "label": "Congés"}
    r = client.post(f"{API}/experts/{agenda['expert']}/absences", json=body, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"] == "absence_has_appointments"
    assert r.get_json()["details"]["count"] == 1
    # Ending when the appointment starts is fine.
    fine = {"starts_at": "2027-03-24T00:00", "ends_at": "2027-03-24T15:30"}
    assert (
        client.post(f"{API}/experts/{agenda['expert']}/absences", json=fine, headers=headers).status_code
        == 201
    )
    assert _count(ctx, Absence) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"starts_at": "2027-03-24T15:00", "ends_at": "2027-03-24T14:00"}, "absence_times_inverted"),
        ({"starts_at": "2027-03-01T09:00", "ends_at": "2027-03-01T12:00"}, "absence_in_the_past"),
        ({"starts_at": "demain", "ends_at": "2027-03-24T14:00"}, "validation"),
        ({"starts_at": "2027-03-24T14:00"}, "validation"),
    ],
)
def test_a_bad_absence_is_a_422_and_nothing_is_saved(client, ctx, world, agenda, body, code) -> None:
    r = client.post(f"{API}/experts/{agenda['expert']}/absences", json=body, headers=world.auth("manager"))
    assert r.status_code == 422 and r.get_json()["error"] == code
    assert _count(ctx, Absence) == 0


# --- preview ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2027-04-01&to=2027-03-01", 400, "date_range_inverted"),
        ("from=2027-03-22&to=2027-06-01", 400, "date_range_too_long"),
        ("from=tomorrow", 422, "validation"),
        ("motif=NOPE", 404, "motif_not_found"),
        ("persons=2", 422, "validation"),
    ],
)
def test_a_bad_preview_query_is_refused_with_its_code(client, world, agenda, query, status, code) -> None:
    r = client.get(f"{API}/experts/{agenda['expert']}/preview?{query}", headers=world.auth("manager"))
    assert r.status_code == status and r.get_json()["error"] == code


def test_the_preview_spans_at_most_62_days(client, world, agenda) -> None:
    r = client.get(
        f"{API}/experts/{agenda['expert']}/preview?from=2027-03-22&to=2027-05-23",
        headers=world.auth("manager"),
    )
    assert r.status_code == 200 and r.get_json()["to"] == "2027-05-23"


# --- pages ------------------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_the_experts_page_lists_the_site_s_experts_with_a_link_to_each_agenda(client, world, agenda) -> None:
    sign_in(client, "manager-test")
    r = client.get("/admin/booking/experts")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f'href="/admin/booking/experts/{agenda["expert"]}?site=test"' in html and "<caption>" in html


def test_an_agent_cannot_open_the_agenda_pages(client, world, agenda) -> None:
    sign_in(client, "agent-test")
    assert client.get("/admin/booking/experts").status_code == 403
    assert client.get(f"/admin/booking/experts/{agenda['expert']}").status_code == 403


def test_the_agenda_page_adds_a_range_and_shows_its_slots_by_day_in_local_time(
    client, ctx, world, agenda
) -> None:
    sign_in(client, "manager-test")
    page = f"/admin/booking/experts/{agenda['expert']}"
    csrf = _csrf(client.get(page).get_data(as_text=True))
    form = {
        "csrf": csrf,
        "action": "add-range",
        "place_id": str(agenda["place"]),
        "weekday": "2",
        "start_time": "14:00",
        "end_time": "16:00",
        "valid_from": "2027-03-01",
        "valid_until": "",
        "every_weeks": "1",
        "motifs": "CAF_RDV",
    }
    saved = client.post(page, data=form)
    assert saved.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "14:00" in html and "mercredi 24 mars 2027" in html.lower()
    assert _count(ctx, OpeningRangeRow) == 1 and _audit_kinds(ctx) == ["range.created"]
    refused = client.post(page, data={**form, "start_time": "15:00", "end_time": "17:00"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'aria-invalid="true"' in text and "chevauche" in text
    assert 'value="17:00"' in text  # what was typed stays
    assert _count(ctx, OpeningRangeRow) == 1


def test_the_agenda_page_edits_and_deletes_a_range_and_manages_absences(client, ctx, world, agenda) -> None:
    sign_in(client, "manager-test")
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    ).get_json()["id"]
    page = f"/admin/booking/experts/{agenda['expert']}"
    html = client.get(f"{page}?range={rid}").get_data(as_text=True)
    csrf = _csrf(html)
    assert 'value="16:00"' in html
    edit = {
        "csrf": csrf,
        "action": "edit-range",
        "range": str(rid),
        "place_id": str(agenda["place"]),
        "weekday": "2",
        "start_time": "14:00",
        "end_time": "15:00",
        "valid_from": "2027-03-01",
        "valid_until": "",
        "every_weeks": "1",
        "motifs": "CAF_RDV",
    }
    assert client.post(page, data=edit).status_code == 302
    assert len(_slots(client)) == 4
    bad = client.post(page, data={**edit, "end_time": "13:00"})
    assert bad.status_code == 422 and "L&#39;heure de fin doit suivre" in bad.get_data(as_text=True)
    absence = {
        "csrf": csrf,
        "action": "add-absence",
        "starts_at": "2027-03-24T14:00",
        "ends_at": "2027-03-24T15:00",
        "label": "Formation",
    }
    assert client.post(page, data=absence).status_code == 302
    assert _slots(client) == ["2027-03-31T14:00:00+02:00", "2027-03-31T14:30:00+02:00"]
    html = client.get(page).get_data(as_text=True)
    assert "Formation" in html
    with ctx.db.session() as s:
        aid = s.scalar(select(Absence.id))
    assert (
        client.post(page, data={"csrf": csrf, "action": "delete-absence", "absence": str(aid)}).status_code
        == 302
    )
    assert (
        client.post(page, data={"csrf": csrf, "action": "delete-range", "range": str(rid)}).status_code == 302
    )
    assert _count(ctx, OpeningRangeRow) == 0 and _count(ctx, Absence) == 0
    assert client.post(page, data={"action": "delete-range", "range": str(rid)}).status_code == 403  # no CSRF


def test_a_refused_delete_on_the_agenda_page_says_why_and_keeps_the_range(client, ctx, world, agenda) -> None:
    rid = client.post(
        f"{API}/experts/{agenda['expert']}/ranges", json=_range(agenda), headers=world.auth("manager")
    ).get_json()["id"]
    _book(client, "2027-03-24T15:30:00+01:00")
    sign_in(client, "manager-test")
    page = f"/admin/booking/experts/{agenda['expert']}"
    csrf = _csrf(client.get(page).get_data(as_text=True))
    r = client.post(page, data={"csrf": csrf, "action": "delete-range", "range": str(rid)})
    assert r.status_code == 422 and "1 rendez-vous à venir" in r.get_data(as_text=True)
    assert _count(ctx, OpeningRangeRow) == 1
