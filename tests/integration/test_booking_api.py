"""Booking over HTTP: motifs, slots (holidays, DST, delays), holds, bookings, ANTS numbers,
limits per contact, the .ics file, and check-in of a booked appointment at the kiosk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from guichet.models import Notification, Site

from ..factories import add_booking

# Monday 22 March 2027, 08:00 in Paris. Good Friday is the 26th (a holiday in Alsace-Moselle only),
# clocks change on Sunday the 28th, Easter Monday (the 29th) is a national holiday.
NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)


@pytest.fixture
def booking(ctx, world):  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW
    return add_booking(ctx, world)


def slots(client, motif: str = "CAF_RDV", frm: str = "2027-03-22", to: str = "2027-04-02", **extra):  # type: ignore[no-untyped-def]
    args = "&".join(f"{k}={v}" for k, v in extra.items())
    return client.get(f"/api/v1/sites/test/slots?motif={motif}&from={frm}&to={to}&{args}")


def book(client, start: str, motif: str = "CAF_RDV", email: str = "a.martin@example.org", **extra):  # type: ignore[no-untyped-def]
    body = {"site": "test", "motif": motif, "start": start, "name": "A. Martin", "email": email, **extra}
    return client.post("/api/v1/appointments", json=body)


def test_citizens_see_public_motifs_and_agents_also_the_agents_only_ones(client, world, booking) -> None:
    public = client.get("/api/v1/sites/test/motifs")
    assert public.status_code == 200
    assert [m["code"] for m in public.json["motifs"]] == ["CAF_RDV", "PASSEPORT"]
    assert public.json["places"][0]["name"] == "Salle des permanences"
    agent = client.get("/api/v1/sites/test/motifs", headers=world.auth("agent"))
    assert "CPAM_AGENT" in [m["code"] for m in agent.json["motifs"]]
    hidden = slots(client, "CPAM_AGENT")
    assert hidden.status_code == 404 and hidden.json["error"] == "motif_not_found"
    assert slots(client, "CPAM_AGENT").status_code == 404
    assert (
        client.get(
            "/api/v1/sites/test/slots?motif=CPAM_AGENT&from=2027-03-22&to=2027-03-23",
            headers=world.auth("agent"),
        ).status_code
        == 200
    )


def test_slots_carry_their_offset_skip_the_past_holidays_and_follow_the_clock_change(client, booking) -> None:
    r = slots(client)
    assert r.status_code == 200
    starts = [s["start"] for s in r.json["slots"]]
    days = sorted({s[:10] for s in starts})
    # Today from 09:00 (it is 08:00), the week, no weekend, no Easter Monday.
    assert days == [
        "2027-03-22",
        "2027-03-23",
        "2027-03-24",
        "2027-03-25",
        "2027-03-26",
        "2027-03-30",
        "2027-03-31",
        "2027-04-01",
        "2027-04-02",
    ]
    assert starts[0] == "2027-03-22T09:00:00+01:00"
    assert "2027-03-30T09:00:00+02:00" in starts  # summer time after the 28th, still 09:00
    assert len([s for s in starts if s.startswith("2027-03-22")]) == 6
    assert r.json["slots"][0]["place"]["name"] == "Salle des permanences"


def test_alsace_moselle_closes_good_friday_and_a_site_may_work_easter_monday(client, ctx, booking) -> None:
    def settings(s, _e):  # type: ignore[no-untyped-def]
        site = s.scalar(select(Site).where(Site.slug == "test"))
        site.settings = {"holiday_subdivision": "57", "worked_holidays": ["Lundi de Pâques"]}

    ctx.transact(settings)
    days = {s["start"][:10] for s in slots(client).json["slots"]}
    assert "2027-03-26" not in days and "2027-03-29" in days


def test_bad_queries_are_clear_4xx(client, booking) -> None:
    assert client.get("/api/v1/sites/test/slots").json["error"] == "motif_required"
    assert slots(client, frm="22/03/2027").json["error"] == "date_malformed"
    assert slots(client, frm="2027-04-02", to="2027-03-22").json["error"] == "date_range_inverted"
    assert slots(client, to="2027-12-31").json["error"] == "date_range_too_long"
    assert slots(client, persons="9", motif="PASSEPORT").json["error"] == "persons_out_of_range"
    assert client.get("/api/v1/sites/nope/slots?motif=CAF_RDV").status_code == 404


def test_a_booking_returns_its_code_and_the_slot_is_then_gone(client, ctx, booking) -> None:
    r = book(client, "2027-03-23T10:00:00+01:00")
    assert r.status_code == 201, r.json
    assert len(r.json["code"]) == 8 and r.json["start"] == "2027-03-23T10:00:00+01:00"
    assert r.json["end"] == "2027-03-23T10:30:00+01:00"
    starts = [s["start"] for s in slots(client).json["slots"]]
    assert "2027-03-23T10:00:00+01:00" not in starts and "2027-03-23T10:30:00+01:00" in starts
    again = book(client, "2027-03-23T10:00:00+01:00", email="b.durand@example.org")
    assert again.status_code == 409 and again.json["error"] == "slot_taken"
    nxt = again.json["details"]["next"]
    assert [x["start"] for x in nxt] == [
        "2027-03-23T10:30:00+01:00",
        "2027-03-23T11:00:00+01:00",
        "2027-03-23T11:30:00+01:00",
    ]
    with ctx.db.session() as s:
        kinds = s.scalars(select(Notification.kind)).all()
    assert kinds == ["confirmation"]


def test_two_experts_take_two_bookings_at_the_same_time_and_no_third(client, ctx, world) -> None:
    ctx.clock = lambda: NOW
    add_booking(ctx, world, experts=2)
    emails = ["a@example.org", "b@example.org", "c@example.org"]
    codes = [book(client, "2027-03-24T09:30:00+01:00", email=e).status_code for e in emails]
    assert codes == [201, 201, 409]


def test_a_slot_outside_the_opening_or_in_the_past_cannot_be_booked(client, booking) -> None:
    for start in (
        "2027-03-22T08:30:00+01:00",
        "2027-03-23T13:00:00+01:00",
        "2027-03-23T10:10:00+01:00",
        "2027-03-29T09:00:00+02:00",
        "2027-03-27T09:00:00+01:00",
    ):
        r = book(client, start)
        assert r.status_code == 409 and r.json["error"] == "slot_taken", start
    naive = book(client, "2027-03-23T10:00:00")
    assert naive.status_code == 400 and naive.json["error"] == "start_needs_offset"
    garbage = book(client, "mardi prochain")
    assert garbage.status_code == 400 and garbage.json["error"] == "start_malformed"


def test_ants_numbers_are_required_well_formed_and_unique_among_active_appointments(client, booking) -> None:
    at = "2027-03-24T09:00:00+01:00"
    assert book(client, at, "PASSEPORT").json["error"] == "ants_required"
    assert book(client, at, "PASSEPORT", ants_number="abc").json["error"] == "ants_malformed"
    assert book(client, at, "CAF_RDV", ants_number="ABCDE12345").json["error"] == "ants_not_expected"
    ok = book(client, at, "PASSEPORT", ants_number="abcde12345", persons=3)
    assert ok.status_code == 201 and ok.json["duration_min"] == 35 and ok.json["persons"] == 3
    dup = book(
        client, "2027-03-25T09:00:00+01:00", "PASSEPORT", email="x@example.org", ants_number="ABCDE12345"
    )
    assert dup.status_code == 409 and dup.json["error"] == "ants_already_used"


def test_a_contact_may_hold_only_a_few_future_appointments_per_motif(client, booking) -> None:
    assert book(client, "2027-03-23T09:00:00+01:00").status_code == 201
    assert book(client, "2027-03-24T09:00:00+01:00", email="A.Martin@Example.org").status_code == 201
    third = book(client, "2027-03-25T09:00:00+01:00")
    assert third.status_code == 409 and third.json["error"] == "too_many_appointments"


def test_a_hold_keeps_the_slot_for_the_citizen_filling_in_the_form(client, booking) -> None:
    at = "2027-03-25T11:00:00+01:00"
    held = client.post("/api/v1/holds", json={"site": "test", "motif": "CAF_RDV", "start": at})
    assert held.status_code == 201 and held.json["hold"]
    assert at not in [s["start"] for s in slots(client).json["slots"]]
    other = book(client, at, email="other@example.org")
    assert other.status_code == 409
    mine = book(client, at, hold=held.json["hold"])
    assert mine.status_code == 201


def test_contact_fields_and_consent_are_validated(client, booking) -> None:
    at = "2027-03-23T09:00:00+01:00"
    assert book(client, at, email="pas-un-mail").status_code == 422
    assert book(client, at, phone="<script>").status_code == 422
    assert book(client, at, consent=False).json["error"] == "booking_consent_required"
    assert book(client, at, extra_field=1).status_code == 422


def test_the_ics_file_parses_back_with_its_timezone_and_alarm(client, booking) -> None:
    code = book(client, "2027-03-30T09:30:00+02:00").json["code"]
    r = client.get(f"/api/v1/appointments/{code}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    assert str(cal["method"]) == "PUBLISH"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/Paris"
    [ev] = cal.walk("VEVENT")
    start = ev.decoded("dtstart")
    assert start.isoformat() == "2027-03-30T09:30:00+02:00" and str(start.tzinfo) == "Europe/Paris"
    assert ev.decoded("dtend").isoformat() == "2027-03-30T10:00:00+02:00"
    assert code in str(ev["description"]) and str(ev["uid"]).endswith("@guichet")
    assert len(ev.walk("VALARM")) == 1
    assert client.get("/api/v1/appointments/ZZZZZZZZ.ics").status_code == 404


def test_a_booked_appointment_checks_in_at_the_kiosk_into_its_experts_queue(
    client, ctx, world, booking
) -> None:
    from guichet.services import checkin

    code = book(client, "2027-03-22T09:00:00+01:00").json["code"]
    ctx.clock = lambda: datetime(2027, 3, 22, 7, 55, tzinfo=UTC)  # 08:55 local
    result = checkin.check_in(ctx, world.actors["kiosk"], "test", code.lower())
    ticket = result["ticket"]
    assert ticket["source"] == "appointment" and ticket["service"] == "CAF"
    day = client.get("/api/v1/experts/me/day", headers=world.auth("expert")).json
    assert [a["code"] for a in day["appointments"]] == [code]
    assert [t["number"] for t in day["waiting"]] == [ticket["number"]]
