"""Setting online booking up: places, their closures and motifs, through the REST API and the admin
pages; managers of the site and admins only, audited, refusals with a code and nothing saved, and the
public booking following at once (new motifs offered, closed days and inactive motifs not bookable)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from guichet.models import Appointment, AuditEntry, Motif, OpeningRangeRow, Place, PlaceClosure

from ..factories import add_booking, build_world
from .test_staff_pages import sign_in

# Monday 22 March 2027, 08:00 in Paris.
NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)
API = "/api/v1/sites/test"
NEW_MOTIF = {
    "code": "LOGEMENT",
    "label": "Demande de logement social",
    "service": "CPAM",
    "duration_min": 20,
    "extra_per_person_min": 5,
    "max_persons": 3,
    "min_delay_min": 0,
    "max_delay_days": 30,
    "buffer_min": 5,
    "bookable_by": "everyone",
    "instructions": "Apportez votre avis d'imposition.",
    "requires_ants": False,
    "max_per_contact": 1,
    "active": True,
}


@pytest.fixture
def booking(ctx, world):  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW
    return add_booking(ctx, world)


def _slots(client, motif: str = "CAF_RDV", frm: str = "2027-03-22", to: str = "2027-03-26") -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/slots?motif={motif}&from={frm}&to={to}")
    assert r.status_code == 200, r.get_json()
    return [s["start"] for s in r.get_json()["slots"]]


def _book(client, start: str, motif: str = "CAF_RDV", email: str = "a.martin@example.org") -> dict:  # type: ignore[no-untyped-def]
    body = {"site": "test", "motif": motif, "start": start, "name": "A. Martin", "email": email}
    r = client.post("/api/v1/appointments", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _kinds(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return list(s.scalars(select(AuditEntry.kind).order_by(AuditEntry.id)))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


# --- who may ----------------------------------------------------------------------------------------


def _routes(booking) -> list[tuple[str, str, dict | None]]:  # type: ignore[no-untyped-def]
    p = booking.place
    return [
        ("GET", f"{API}/places", None),
        ("POST", f"{API}/places", {"name": "Annexe"}),
        ("PATCH", f"{API}/places/{p}", {"address": "2 rue Neuve"}),
        ("DELETE", f"{API}/places/{p}", None),
        ("GET", f"{API}/places/{p}/closures", None),
        ("POST", f"{API}/places/{p}/closures", {"first_day": "2027-05-03", "last_day": "2027-05-04"}),
        ("DELETE", f"{API}/places/{p}/closures/1", None),
        ("GET", f"{API}/motifs/all", None),
        ("POST", f"{API}/motifs", NEW_MOTIF),
        ("PATCH", f"{API}/motifs/CAF_RDV", {"label": "Autre"}),
        ("DELETE", f"{API}/motifs/CAF_RDV", None),
    ]


def test_anonymous_callers_get_401_and_nothing_changes(client, ctx, booking) -> None:
    for method, url, body in _routes(booking):
        r = client.open(url, method=method, json=body)
        assert r.status_code == 401, (method, url)
    assert (_count(ctx, Place), _count(ctx, Motif), _count(ctx, PlaceClosure)) == (1, 3, 0)


@pytest.mark.parametrize("who", ["agent", "expert", "kiosk", "display"])
def test_agents_experts_and_devices_get_403(client, ctx, world, booking, who) -> None:
    for method, url, body in _routes(booking):
        r = client.open(url, method=method, json=body, headers=world.auth(who))
        assert r.status_code == 403, (who, method, url)
    assert (_count(ctx, Place), _count(ctx, Motif), _count(ctx, PlaceClosure)) == (1, 3, 0)
    assert _kinds(ctx) == []


def test_another_sites_manager_gets_403_and_cannot_reach_this_sites_place_through_theirs(
    client, ctx, world, booking
) -> None:
    other = build_world(ctx, "other")
    for method, url, body in _routes(booking):
        r = client.open(url, method=method, json=body, headers=other.auth("manager"))
        assert r.status_code == 403 and r.get_json()["error"] == "other_site", (method, url)
    # Their own site's URL with this site's place id: not found there.
    r = client.patch(
        f"/api/v1/sites/other/places/{booking.place}", json={"name": "Pris"}, headers=other.auth("manager")
    )
    assert r.status_code == 404 and r.get_json()["error"] == "place_not_found"
    assert (
        client.delete("/api/v1/sites/other/motifs/CAF_RDV", headers=other.auth("manager")).status_code == 404
    )
    with ctx.db.session() as s:
        assert s.get(Place, booking.place).name == "Salle des permanences"
    assert _kinds(ctx) == []


def test_an_admin_sets_up_any_site(client, ctx, world, booking) -> None:
    r = client.post(f"{API}/places", json={"name": "Annexe"}, headers=world.auth("admin"))
    assert r.status_code == 201
    r = client.get(f"{API}/motifs/all", headers=world.auth("admin"))
    assert r.status_code == 200 and len(r.get_json()["motifs"]) == 3


# --- places -----------------------------------------------------------------------------------------


def test_a_new_place_is_audited_and_offered_to_citizens(client, ctx, world, booking, published) -> None:
    r = client.post(
        f"{API}/places", json={"name": "  Annexe  ", "address": "2 rue Neuve"}, headers=world.auth("manager")
    )
    assert r.status_code == 201
    place = r.get_json()
    assert place == {"id": place["id"], "name": "Annexe", "address": "2 rue Neuve", "active": True}
    public = client.get(f"{API}/motifs").get_json()["places"]
    assert {"id": place["id"], "name": "Annexe", "address": "2 rue Neuve"} in public
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "place.created")).one()
        assert entry.after["name"] == "Annexe" and entry.before is None and entry.target == str(place["id"])
    assert any(e.name == "settings_changed" and e.payload == {"part": "booking"} for e in published)
    listed = client.get(f"{API}/places", headers=world.auth("manager")).get_json()["places"]
    assert [p["name"] for p in listed] == ["Salle des permanences", "Annexe"]


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "x" * 201}, {"name": "A", "colour": "red"}, {"name": "A", "active": "maybe"}],
)
def test_a_bad_place_is_refused_422_and_nothing_is_saved(client, ctx, world, booking, body) -> None:
    r = client.post(f"{API}/places", json=body, headers=world.auth("manager"))
    assert r.status_code == 422 and r.get_json()["error"] == "validation"
    assert _count(ctx, Place) == 1 and _kinds(ctx) == []


def test_patching_a_place_changes_only_what_is_sent_and_deactivating_removes_its_slots(
    client, ctx, world, booking
) -> None:
    assert _slots(client)
    r = client.patch(f"{API}/places/{booking.place}", json={"active": False}, headers=world.auth("manager"))
    assert r.status_code == 200
    assert r.get_json() == {
        "id": booking.place,
        "name": "Salle des permanences",
        "address": "1 place de la Mairie",
        "active": False,
    }
    assert _slots(client) == []
    assert client.get(f"{API}/motifs").get_json()["places"] == []
    null = client.patch(f"{API}/places/{booking.place}", json={"name": None}, headers=world.auth("manager"))
    assert null.status_code == 422
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "place.updated")).one()
        assert entry.before["active"] is True and entry.after["active"] is False


def test_a_place_named_by_an_opening_range_or_an_appointment_is_deactivated_not_deleted(
    client, ctx, world, booking
) -> None:
    r = client.delete(f"{API}/places/{booking.place}", headers=world.auth("manager"))
    assert r.status_code == 409 and r.get_json()["error"] == "place_in_use"
    assert "désactivez-le" in r.get_json()["message"]
    with ctx.db.session() as s:
        assert s.get(Place, booking.place) is not None
    # An appointment alone is enough: the ranges gone, the booked appointment still names the place.
    _book(client, "2027-03-23T09:00:00+01:00")

    def drop_ranges(s, _e):  # type: ignore[no-untyped-def]
        for row in s.scalars(select(OpeningRangeRow)):
            s.delete(row)

    ctx.transact(drop_ranges)
    r = client.delete(f"{API}/places/{booking.place}", headers=world.auth("manager"))
    assert r.status_code == 409 and r.get_json()["error"] == "place_in_use"
    assert "place.deleted" not in _kinds(ctx)


def test_an_unused_place_is_deleted_with_its_closures_and_audited(client, ctx, world, booking) -> None:
    new = client.post(f"{API}/places", json={"name": "Annexe"}, headers=world.auth("manager")).get_json()
    closure = {"first_day": "2027-04-05", "last_day": "2027-04-06"}
    added = client.post(f"{API}/places/{new['id']}/closures", json=closure, headers=world.auth("manager"))
    assert added.status_code == 201
    r = client.delete(f"{API}/places/{new['id']}", headers=world.auth("manager"))
    assert r.status_code == 204
    assert _count(ctx, Place) == 1 and _count(ctx, PlaceClosure) == 0
    assert _kinds(ctx) == ["place.created", "place.closure_added", "place.deleted"]
    again = client.delete(f"{API}/places/{new['id']}", headers=world.auth("manager"))
    assert again.status_code == 404 and again.get_json()["error"] == "place_not_found"


# --- closures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_day": "2027-03-21", "last_day": "2027-03-25"}, "first_day"),  # yesterday in Paris
        ({"first_day": "2027-04-10", "last_day": "2027-04-09"}, "last_day"),
        ({"first_day": "2027-04-10", "last_day": "2028-04-10"}, "last_day"),
        ({"first_day": "10/04/2027", "last_day": "2027-04-10"}, "first_day"),
        ({"last_day": "2027-04-10"}, "first_day"),
        ({"first_day": "2027-04-10", "last_day": "2027-04-10", "why": "x"}, "why"),
    ],
)
def test_a_closure_in_the_past_inverted_or_malformed_is_refused_422_and_nothing_saved(
    client, ctx, world, booking, body, field
) -> None:
    r = client.post(f"{API}/places/{booking.place}/closures", json=body, headers=world.auth("manager"))
    assert r.status_code == 422 and r.get_json()["error"] == "validation"
    assert field in [e["field"] for e in r.get_json()["errors"]]
    assert _count(ctx, PlaceClosure) == 0 and _kinds(ctx) == []


def test_a_closure_from_today_removes_that_places_slots_on_those_days_only(
    client, ctx, world, booking
) -> None:
    before = _slots(client)
    assert any(s.startswith("2027-03-22") for s in before) and any(s.startswith("2027-03-23") for s in before)
    body = {"first_day": "2027-03-22", "last_day": "2027-03-23", "label": "Travaux"}
    r = client.post(f"{API}/places/{booking.place}/closures", json=body, headers=world.auth("manager"))
    assert r.status_code == 201, r.get_json()
    closure = r.get_json()
    assert closure == {"id": closure["id"], "place": booking.place, **body}
    after = _slots(client)
    assert not any(s[:10] in ("2027-03-22", "2027-03-23") for s in after)
    assert [s for s in before if s[:10] not in ("2027-03-22", "2027-03-23")] == after
    listed = client.get(f"{API}/places/{booking.place}/closures", headers=world.auth("manager")).get_json()
    assert listed == {"closures": [closure]}
    gone = client.delete(
        f"{API}/places/{booking.place}/closures/{closure['id']}", headers=world.auth("manager")
    )
    assert gone.status_code == 204
    assert _slots(client) == before
    assert _kinds(ctx) == ["place.closure_added", "place.closure_deleted"]


def test_the_list_shows_only_closures_not_over_yet(client, ctx, world, booking) -> None:
    def past(s, _e):  # type: ignore[no-untyped-def]
        s.add(PlaceClosure(place_id=booking.place, first_day=date(2027, 3, 1), last_day=date(2027, 3, 21)))
        s.add(PlaceClosure(place_id=booking.place, first_day=date(2027, 3, 20), last_day=date(2027, 3, 22)))

    ctx.transact(past)
    listed = client.get(f"{API}/places/{booking.place}/closures", headers=world.auth("manager")).get_json()
    assert [(c["first_day"], c["last_day"]) for c in listed["closures"]] == [("2027-03-20", "2027-03-22")]


def test_a_closure_over_booked_days_is_refused_409_with_their_count_until_they_are_cancelled(
    client, ctx, world, booking
) -> None:
    first = _book(client, "2027-03-24T09:00:00+01:00")
    _book(client, "2027-03-25T11:30:00+01:00")
    body = {"first_day": "2027-03-24", "last_day": "2027-03-26"}
    r = client.post(f"{API}/places/{booking.place}/closures", json=body, headers=world.auth("manager"))
    assert r.status_code == 409 and r.get_json()["error"] == "closure_has_appointments"
    answer = r.get_json()
    assert answer["details"]["count"] == 2 and "2 rendez-vous sont encore pris" in answer["message"]
    assert _count(ctx, PlaceClosure) == 0 and _kinds(ctx) == []
    # Days around them close; the booked ones, once cancelled, no longer hold the closure back.
    ok = client.post(
        f"{API}/places/{booking.place}/closures",
        json={"first_day": "2027-03-26", "last_day": "2027-03-26"},
        headers=world.auth("manager"),
    )
    assert ok.status_code == 201

    def cancel(s, _e):  # type: ignore[no-untyped-def]
        for a in s.scalars(select(Appointment)):
            a.status = "cancelled"

    ctx.transact(cancel)
    r = client.post(
        f"{API}/places/{booking.place}/closures",
        json={"first_day": "2027-03-24", "last_day": "2027-03-25"},
        headers=world.auth("manager"),
    )
    assert r.status_code == 201
    assert first["code"]


def test_a_closure_of_another_place_or_unknown_is_404(client, ctx, world, booking) -> None:
    other = client.post(f"{API}/places", json={"name": "Annexe"}, headers=world.auth("manager")).get_json()
    body = {"first_day": "2027-04-05", "last_day": "2027-04-05"}
    closure = client.post(
        f"{API}/places/{booking.place}/closures", json=body, headers=world.auth("manager")
    ).get_json()
    r = client.delete(f"{API}/places/{other['id']}/closures/{closure['id']}", headers=world.auth("manager"))
    assert r.status_code == 404 and r.get_json()["error"] == "closure_not_found"
    assert _count(ctx, PlaceClosure) == 1
    assert client.get(f"{API}/places/999999/closures", headers=world.auth("manager")).status_code == 404


# --- motifs -----------------------------------------------------------------------------------------


def test_a_new_motif_is_offered_and_gives_slots_once_an_expert_has_ranges(client, ctx, world) -> None:
    ctx.clock = lambda: NOW
    place = client.post(f"{API}/places", json={"name": "Salle 1"}, headers=world.auth("manager")).get_json()
    r = client.post(f"{API}/motifs", json=NEW_MOTIF, headers=world.auth("manager"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == NEW_MOTIF
    public = client.get(f"{API}/motifs").get_json()
    assert [m["code"] for m in public["motifs"]] == ["LOGEMENT"]
    assert "active" not in public["motifs"][0] and "max_per_contact" not in public["motifs"][0]
    assert _slots(client, "LOGEMENT") == []

    def ranges(s, _e):  # type: ignore[no-untyped-def]
        s.add(
            OpeningRangeRow(
                site_id=world.site_id,
                expert_id=world.user_ids["expert"],
                place_id=place["id"],
                weekday=1,
                start_time=time(9),
                end_time=time(10),
                valid_from=date(2027, 1, 1),
            )
        )

    ctx.transact(ranges)
    starts = _slots(client, "LOGEMENT")
    assert starts[0] == "2027-03-23T09:00:00+01:00" and all(s.startswith("2027-03-23") for s in starts)
    booked = _book(client, starts[0], "LOGEMENT")
    assert booked["duration_min"] == 20 and booked["place"]["id"] == place["id"]
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "motif.created")).one()
        assert entry.target == "LOGEMENT" and entry.after["service"] == "CPAM"


def test_a_motif_code_is_unique_per_site_but_another_site_may_use_it(client, ctx, world, booking) -> None:
    r = client.post(f"{API}/motifs", json={**NEW_MOTIF, "code": "CAF_RDV"}, headers=world.auth("manager"))
    assert r.status_code == 409 and r.get_json()["error"] == "motif_code_taken"
    assert _count(ctx, Motif) == 3
    other = build_world(ctx, "other")
    there = client.post(
        "/api/v1/sites/other/motifs", json={**NEW_MOTIF, "code": "CAF_RDV"}, headers=other.auth("manager")
    )
    assert there.status_code == 201
    renamed = client.patch(f"{API}/motifs/PASSEPORT", json={"code": "CAF_RDV"}, headers=world.auth("manager"))
    assert renamed.status_code == 409 and renamed.get_json()["error"] == "motif_code_taken"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_min": 4}, "duration_min"),
        ({"duration_min": 481}, "duration_min"),
        ({"max_delay_days": 0}, "max_delay_days"),
        ({"min_delay_min": 2880, "max_delay_days": 2}, "max_delay_days"),
        ({"max_persons": 0}, "max_persons"),
        ({"extra_per_person_min": -1}, "extra_per_person_min"),
        ({"buffer_min": 1000}, "buffer_min"),
        ({"max_per_contact": 0}, "max_per_contact"),
        ({"bookable_by": "robots"}, "bookable_by"),
        ({"code": "pas un code"}, "code"),
        ({"label": ""}, "label"),
        ({"instructions": "x" * 2001}, "instructions"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_motif_out_of_range_is_refused_422_and_nothing_saved(
    client, ctx, world, booking, change, field
) -> None:
    r = client.post(f"{API}/motifs", json={**NEW_MOTIF, **change}, headers=world.auth("manager"))
    assert r.status_code == 422 and r.get_json()["error"] == "validation"
    assert field in [e["field"] for e in r.get_json()["errors"]]
    assert _count(ctx, Motif) == 3 and _kinds(ctx) == []


def test_a_motif_needs_a_service_of_its_own_site(client, ctx, world, booking) -> None:
    other = build_world(ctx, "other")
    r = client.post(f"{API}/motifs", json={**NEW_MOTIF, "service": "NOPE"}, headers=world.auth("manager"))
    assert r.status_code == 404 and r.get_json()["error"] == "service_not_found"
    assert r.get_json()["details"]["field"] == "service"
    assert _count(ctx, Motif) == 3
    r = client.patch(f"{API}/motifs/CAF_RDV", json={"service": "ANTS"}, headers=world.auth("manager"))
    assert r.status_code == 200 and r.get_json()["service"] == "ANTS"
    with ctx.db.session() as s:
        motif = s.scalar(select(Motif).where(Motif.code == "CAF_RDV"))
        assert motif.service_id == world.services["ANTS"] != other.services["ANTS"]


def test_a_delay_patched_alone_is_checked_against_the_stored_other_delay(client, ctx, world, booking) -> None:
    ok = client.patch(f"{API}/motifs/CAF_RDV", json={"min_delay_min": 2880}, headers=world.auth("manager"))
    assert ok.status_code == 200 and ok.get_json()["min_delay_min"] == 2880
    assert not any(s[:10] in ("2027-03-22", "2027-03-23") for s in _slots(client))
    # Bookable from two days on: up to two days ahead would leave nothing to book.
    r = client.patch(f"{API}/motifs/CAF_RDV", json={"max_delay_days": 2}, headers=world.auth("manager"))
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["max_delay_days"]
    with ctx.db.session() as s:
        assert s.scalar(select(Motif.max_delay_days).where(Motif.code == "CAF_RDV")) == 60
    assert _kinds(ctx) == ["motif.updated"]


def test_a_new_duration_never_moves_booked_appointments(client, ctx, world, booking) -> None:
    booked = _book(client, "2027-03-23T09:00:00+01:00")
    r = client.patch(f"{API}/motifs/CAF_RDV", json={"duration_min": 45}, headers=world.auth("manager"))
    assert r.status_code == 200 and r.get_json()["duration_min"] == 45
    with ctx.db.session() as s:
        appt = s.scalar(select(Appointment).where(Appointment.code == booked["code"]))
        assert appt.starts_at == datetime(2027, 3, 23, 8, 0, tzinfo=UTC)
        assert appt.duration_min == 30 and appt.ends_at == datetime(2027, 3, 23, 8, 30, tzinfo=UTC)
    # Slots from now on are 45 minutes long; the booked 09:00-09:30 still blocks its expert.
    tuesday = [s for s in _slots(client) if s.startswith("2027-03-23")]
    assert tuesday == ["2027-03-23T09:45:00+01:00", "2027-03-23T10:30:00+01:00", "2027-03-23T11:15:00+01:00"]
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.kind == "motif.updated")).one()
        assert (entry.before["duration_min"], entry.after["duration_min"]) == (30, 45)


def test_an_inactive_motif_is_listed_for_managers_only_and_cannot_be_booked(
    client, ctx, world, booking
) -> None:
    start = _slots(client)[0]
    r = client.patch(f"{API}/motifs/CAF_RDV", json={"active": False}, headers=world.auth("manager"))
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert "CAF_RDV" not in [m["code"] for m in client.get(f"{API}/motifs").get_json()["motifs"]]
    agent = client.get(f"{API}/motifs", headers=world.auth("agent")).get_json()
    assert "CAF_RDV" not in [m["code"] for m in agent["motifs"]]
    slots = client.get(f"{API}/slots?motif=CAF_RDV")
    assert slots.status_code == 404 and slots.get_json()["error"] == "motif_not_found"
    body = {"site": "test", "motif": "CAF_RDV", "start": start, "name": "A. Martin", "email": "a@example.org"}
    refused = client.post("/api/v1/appointments", json=body)
    assert refused.status_code == 404 and refused.get_json()["error"] == "motif_not_found"
    assert _count(ctx, Appointment) == 0
    every = client.get(f"{API}/motifs/all", headers=world.auth("manager")).get_json()["motifs"]
    assert {m["code"]: m["active"] for m in every} == {
        "CAF_RDV": False,
        "PASSEPORT": True,
        "CPAM_AGENT": True,
    }


def test_a_motif_with_appointments_is_deactivated_not_deleted(client, ctx, world, booking) -> None:
    _book(client, "2027-03-23T09:00:00+01:00")
    r = client.delete(f"{API}/motifs/CAF_RDV", headers=world.auth("manager"))
    assert r.status_code == 409 and r.get_json()["error"] == "motif_in_use"
    assert _count(ctx, Motif) == 3
    gone = client.delete(f"{API}/motifs/CPAM_AGENT", headers=world.auth("manager"))
    assert gone.status_code == 204 and _count(ctx, Motif) == 2
    assert _kinds(ctx) == ["motif.deleted"]
    with ctx.db.session() as s:
        entry = s.scalars(select(AuditEntry)).one()
        assert entry.target == "CPAM_AGENT" and entry.before["label"] == "Dossier CPAM (sur orientation)"
    missing = client.patch(f"{API}/motifs/CPAM_AGENT", json={"label": "x"}, headers=world.auth("manager"))
    assert missing.status_code == 404 and missing.get_json()["error"] == "motif_not_found"


# --- admin pages ------------------------------------------------------------------------------------


def test_an_agent_cannot_open_the_booking_set_up_pages(client, world, booking) -> None:
    sign_in(client, "agent-test")
    for path in (
        "/admin/booking/places",
        f"/admin/booking/places/{booking.place}",
        "/admin/booking/motifs",
        "/admin/booking/motifs/new",
        "/admin/booking/motifs/CAF_RDV",
    ):
        assert client.get(path).status_code == 403, path


def test_another_sites_manager_does_not_reach_this_sites_place_or_motif_pages(
    client, ctx, world, booking
) -> None:
    other = build_world(ctx, "other")
    places = client.get("/admin/booking/places?site=test", headers=other.auth("manager"))
    html = places.get_data(as_text=True)
    assert places.status_code == 200 and "1 place de la Mairie" not in html and "?site=other" in html
    page = client.get(f"/admin/booking/places/{booking.place}?site=test", headers=other.auth("manager"))
    assert page.status_code == 404
    motif = client.get("/admin/booking/motifs/CAF_RDV?site=test", headers=other.auth("manager"))
    assert motif.status_code == 404


def test_the_places_page_adds_a_place_and_shows_a_refusal_next_to_its_field(
    client, ctx, world, booking
) -> None:
    sign_in(client, "manager-test")
    html = client.get("/admin/booking/places").get_data(as_text=True)
    assert "Salle des permanences" in html and "<caption>" in html
    csrf = _csrf(html)
    refused = client.post("/admin/booking/places", data={"csrf": csrf, "name": " ", "address": "2 rue Neuve"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="name-error"' in page and "Ce champ est obligatoire." in page and 'value="2 rue Neuve"' in page
    assert _count(ctx, Place) == 1
    saved = client.post("/admin/booking/places", data={"csrf": csrf, "name": "Annexe", "active": "on"})
    assert saved.status_code == 302
    assert "Annexe" in client.get(saved.headers["Location"]).get_data(as_text=True)
    assert _kinds(ctx) == ["place.created"]


def test_the_place_page_edits_closes_and_reopens_with_french_errors(client, ctx, world, booking) -> None:
    _book(client, "2027-03-24T09:00:00+01:00")  # a citizen, before the manager signs in
    sign_in(client, "manager-test")
    url = f"/admin/booking/places/{booking.place}"
    html = client.get(url).get_data(as_text=True)
    csrf = _csrf(html)
    past = client.post(
        url, data={"csrf": csrf, "action": "closure", "first_day": "2027-03-01", "last_day": "2027-03-02"}
    )
    assert past.status_code == 422
    page = past.get_data(as_text=True)
    assert 'id="first_day-error"' in page and "Ce jour est passé" in page
    empty = client.post(url, data={"csrf": csrf, "action": "closure", "first_day": "", "last_day": ""})
    assert empty.status_code == 422 and 'id="last_day-error"' in empty.get_data(as_text=True)
    busy = client.post(
        url, data={"csrf": csrf, "action": "closure", "first_day": "2027-03-24", "last_day": "2027-03-24"}
    )
    assert busy.status_code == 422 and "1 rendez-vous est encore pris" in busy.get_data(as_text=True)
    assert _count(ctx, PlaceClosure) == 0
    ok = client.post(
        url,
        data={
            "csrf": csrf,
            "action": "closure",
            "first_day": "2027-04-05",
            "last_day": "2027-04-09",
            "label": "Travaux",
        },
    )
    assert ok.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "05/04/2027" in html and "09/04/2027" in html and "Travaux" in html
    with ctx.db.session() as s:
        closure_id = s.scalar(select(PlaceClosure.id))
    reopened = client.post(url, data={"csrf": csrf, "action": "delete-closure", "closure": str(closure_id)})
    assert reopened.status_code == 302 and _count(ctx, PlaceClosure) == 0
    in_use = client.post(url, data={"csrf": csrf, "action": "delete"})
    assert in_use.status_code == 422 and "désactivez-le" in in_use.get_data(as_text=True)
    renamed = client.post(url, data={"csrf": csrf, "action": "save", "name": "Salle 2", "address": ""})
    assert renamed.status_code == 302
    with ctx.db.session() as s:
        place = s.get(Place, booking.place)
        assert (place.name, place.address, place.active) == ("Salle 2", "", False)
    assert _kinds(ctx) == ["place.closure_added", "place.closure_deleted", "place.updated"]


def test_the_motif_form_creates_and_edits_with_errors_next_to_fields(client, ctx, world, booking) -> None:
    sign_in(client, "manager-test")
    html = client.get("/admin/booking/motifs/new").get_data(as_text=True)
    csrf = _csrf(html)
    form = {
        "csrf": csrf,
        **{k: str(v) for k, v in NEW_MOTIF.items() if not isinstance(v, bool)},
        "active": "on",
    }
    bad = client.post("/admin/booking/motifs/new", data={**form, "duration_min": "2", "max_persons": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="duration_min-error"' in page and "au moins 5" in page
    assert 'id="max_persons-error"' in page and "Ce champ est obligatoire." in page
    assert "Demande de logement social" in page  # what was typed stays
    delays = client.post("/admin/booking/motifs/new", data={**form, "min_delay_min": "43200"})
    assert (
        delays.status_code == 422
        and "Le délai maximal doit dépasser le délai minimal." in delays.get_data(as_text=True)
    )
    taken = client.post("/admin/booking/motifs/new", data={**form, "code": "CAF_RDV"})
    assert taken.status_code == 422 and 'id="code-error"' in taken.get_data(as_text=True)
    assert _count(ctx, Motif) == 3
    saved = client.post("/admin/booking/motifs/new", data=form)
    assert saved.status_code == 302
    listing = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Demande de logement social" in listing and "LOGEMENT" in listing
    edit = client.get("/admin/booking/motifs/CAF_RDV").get_data(as_text=True)
    assert 'value="30"' in edit
    patch_delay = client.post(
        "/admin/booking/motifs/CAF_RDV",
        data={
            **form,
            "code": "CAF_RDV",
            "label": "Dossier CAF",
            "service": "CAF",
            "max_delay_days": "1",
            "min_delay_min": "1440",
        },
    )
    assert patch_delay.status_code == 422 and 'id="max_delay_days-error"' in patch_delay.get_data(
        as_text=True
    )
    off = client.post(
        "/admin/booking/motifs/CAF_RDV",
        data={**form, "code": "CAF_RDV", "label": "Dossier CAF", "service": "CAF", "active": ""},
    )
    assert off.status_code == 302
    with ctx.db.session() as s:
        motif = s.scalar(select(Motif).where(Motif.code == "CAF_RDV"))
        assert motif.active is False and motif.duration_min == 20
    unused = client.post("/admin/booking/motifs/CPAM_AGENT", data={"csrf": csrf, "action": "delete"})
    assert unused.status_code == 302 and _count(ctx, Motif) == 3
    assert _kinds(ctx) == ["motif.created", "motif.updated", "motif.deleted"]
