"""Booking e-mails through a real SMTP server (aiosmtpd on loopback): confirmation with an .ics that
parses back, reminder 48 h before and never after, change and cancellation with the same UID, signed
manage links, waitlist offers, and the expert's private calendar feed."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from guichet.models import Notification
from guichet.services import jobs
from guichet.services.notifications import outbox, reminders

from ..factories import add_booking

NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"


@pytest.fixture
def inbox(ctx):  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    ctx.settings = ctx.settings.with_overrides(
        smtp_url=f"smtp://127.0.0.1:{port}", mail_from="Mairie <rdv@mairie.test>"
    )
    yield box
    controller.stop()


@pytest.fixture
def clock(ctx, world):  # type: ignore[no-untyped-def]
    state = {"now": NOW}
    ctx.clock = lambda: state["now"]
    add_booking(ctx, world, experts=1)
    return state


def book(client, start: str, email_: str = "a.martin@example.org"):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/appointments",
        json={"site": "test", "motif": "CAF_RDV", "start": start, "name": "Alex Martin", "email": email_},
    )
    assert r.status_code == 201, r.json
    return r.json


def calendar_of(msg) -> Calendar:  # type: ignore[no-untyped-def]
    [part] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def body_of(msg) -> str:  # type: ignore[no-untyped-def]
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_the_confirmation_arrives_with_an_ics_invitation_and_a_working_manage_link(
    client, ctx, inbox, clock
) -> None:
    booked = book(client, "2027-03-30T09:30:00+02:00")
    assert outbox.send_pending(ctx) == {"sent": 1, "failed": 0, "dropped": 0}
    [msg] = inbox.messages
    assert msg["To"] == "a.martin@example.org" and msg["X-Envelope-To"] == "a.martin@example.org"
    assert msg["Subject"] == "Confirmation de votre rendez-vous du mardi 30 mars 2027 à 09 h 30"
    text = body_of(msg)
    assert booked["code"] in text and "Salle des permanences" in text
    cal = calendar_of(msg)
    assert str(cal["method"]) == "REQUEST"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/Paris"
    [ev] = cal.walk("VEVENT")
    assert ev.decoded("dtstart").isoformat() == "2027-03-30T09:30:00+02:00"
    assert int(ev["sequence"]) == 0 and str(ev["organizer"]) == "mailto:rdv@mairie.test"
    assert str(ev["attendee"]) == "mailto:a.martin@example.org"
    assert len(ev.walk("VALARM")) == 1
    link = re.search(r"https?://\S+/rdv/gerer/(\w+)/(\w+)", text)
    assert link and link.group(1) == booked["code"] and booked["manage_url"].endswith(link.group(2))
    seen = client.get(f"/api/v1/appointments/{booked['code']}?sig={link.group(2)}")
    assert seen.status_code == 200 and seen.json["can_change"] is True
    forged = client.get(f"/api/v1/appointments/{booked['code']}?sig={'0' * 32}")
    assert forged.status_code == 403 and forged.json["error"] == "bad_signature"
    # Sent once: a second pass has nothing to do.
    assert outbox.send_pending(ctx)["sent"] == 0 and len(inbox.messages) == 1


def test_a_reminder_goes_48_hours_before_and_never_after_the_appointment(client, ctx, inbox, clock) -> None:
    book(client, "2027-03-25T10:00:00+01:00")  # Thursday
    book(client, "2027-03-26T11:00:00+01:00", "late@example.org")  # Friday
    outbox.send_pending(ctx)
    inbox.messages.clear()
    clock["now"] = datetime(2027, 3, 23, 10, 0, tzinfo=UTC)  # Tuesday 11:00: Thursday 10:00 is 47 h away
    assert reminders.queue_reminders(ctx) == 1
    assert reminders.queue_reminders(ctx) == 0  # once only
    outbox.send_pending(ctx)
    [msg] = inbox.messages
    assert msg["Subject"].startswith("Rappel : votre rendez-vous du jeudi 25 mars 2027 à 10 h 00")
    # The Friday reminder is queued, but the server was down until after the appointment.
    clock["now"] = datetime(2027, 3, 24, 11, 0, tzinfo=UTC)
    assert reminders.queue_reminders(ctx) == 1
    clock["now"] = datetime(2027, 3, 26, 10, 30, tzinfo=UTC)  # Friday 11:30 local: too late
    assert outbox.send_pending(ctx) == {"sent": 0, "failed": 0, "dropped": 1}
    assert len(inbox.messages) == 1


def test_moving_keeps_the_code_and_uid_and_cancelling_sends_a_cancel(client, ctx, inbox, clock) -> None:
    booked = book(client, "2027-03-23T09:00:00+01:00")
    sig = booked["manage_url"].rsplit("/", 1)[1]
    moved = client.post(
        f"/api/v1/appointments/{booked['code']}/move", json={"sig": sig, "start": "2027-03-24T11:00:00+01:00"}
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["code"] == booked["code"] and moved.json["start"] == "2027-03-24T11:00:00+01:00"
    assert "2027-03-23T09:00:00+01:00" in [
        s["start"]
        for s in client.get("/api/v1/sites/test/slots?motif=CAF_RDV&from=2027-03-23&to=2027-03-23").json[
            "slots"
        ]
    ]
    cancelled = client.post(f"/api/v1/appointments/{booked['code']}/cancel", json={"sig": sig})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/appointments/{booked['code']}/cancel", json={"sig": sig})
    assert again.status_code == 409 and again.json["error"] == "appointment_not_active"
    outbox.send_pending(ctx)
    kinds = [m["Subject"].split(" ")[0] for m in inbox.messages]
    assert kinds == ["Confirmation", "Votre", "Annulation"]
    cals = [calendar_of(m) for m in inbox.messages]
    uids = {str(c.walk("VEVENT")[0]["uid"]) for c in cals}
    assert len(uids) == 1
    assert [str(c["method"]) for c in cals] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [int(c.walk("VEVENT")[0]["sequence"]) for c in cals] == [0, 1, 2]
    assert str(cals[2].walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_changes_close_a_configurable_time_before_the_appointment(client, ctx, inbox, clock) -> None:
    booked = book(client, "2027-03-23T09:00:00+01:00")
    sig = booked["manage_url"].rsplit("/", 1)[1]
    clock["now"] = datetime(2027, 3, 22, 8, 30, tzinfo=UTC)  # 23 h 30 before: the limit is 24 h
    late = client.post(f"/api/v1/appointments/{booked['code']}/cancel", json={"sig": sig})
    assert (
        late.status_code == 409 and late.json["error"] == "change_too_late" and "24 h" in late.json["message"]
    )
    assert client.get(f"/api/v1/appointments/{booked['code']}?sig={sig}").json["can_change"] is False
    ctx.settings = ctx.settings.with_overrides(booking_change_limit_h=2)
    assert client.post(f"/api/v1/appointments/{booked['code']}/cancel", json={"sig": sig}).status_code == 200


def test_a_freed_slot_is_offered_to_the_waitlist_first_come(client, ctx, inbox, clock) -> None:
    early = book(client, "2027-03-23T09:00:00+01:00", "early@example.org")
    later = book(client, "2027-03-31T09:00:00+02:00", "later@example.org")
    sig_later = later["manage_url"].rsplit("/", 1)[1]
    joined = client.post(f"/api/v1/appointments/{later['code']}/waitlist", json={"sig": sig_later})
    assert joined.status_code == 200 and joined.json == {"waitlist": "active"}
    sig_early = early["manage_url"].rsplit("/", 1)[1]
    assert (
        client.post(f"/api/v1/appointments/{early['code']}/cancel", json={"sig": sig_early}).status_code
        == 200
    )
    outbox.send_pending(ctx)
    [offer] = [m for m in inbox.messages if m["To"] == "later@example.org" and "libéré" in m["Subject"]]
    assert "mardi 23 mars 2027 à 09 h 00" in offer["Subject"]
    taken = client.post(
        f"/api/v1/appointments/{later['code']}/move",
        json={"sig": sig_later, "start": "2027-03-23T09:00:00+01:00"},
    )
    assert taken.status_code == 200 and taken.json["start"] == "2027-03-23T09:00:00+01:00"
    with ctx.db.session() as s:
        assert s.scalars(select(Notification.kind).order_by(Notification.id)).all()[-1] == "change"


def test_a_failing_smtp_server_leaves_the_message_pending_for_the_next_run(client, ctx, clock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    ctx.settings = ctx.settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{dead}")
    book(client, "2027-03-23T09:00:00+01:00")
    with pytest.raises(OSError):
        outbox.send_pending(ctx)
    with ctx.db.session() as s:
        n = s.scalar(select(Notification))
        assert n.status == "pending" and n.attempts == 1


def test_the_file_transport_writes_eml_files(client, ctx, clock, tmp_path) -> None:
    ctx.settings = ctx.settings.with_overrides(smtp_url=f"file://{tmp_path}/mail")
    code = book(client, "2027-03-23T09:00:00+01:00")["code"]
    assert outbox.send_pending(ctx)["sent"] == 1
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert code in eml.name and code in body_of(msg)
    assert str(calendar_of(msg).walk("VEVENT")[0]["uid"]).endswith("@guichet")


def test_the_experts_private_feed_lists_their_appointments_without_contact(client, ctx, world, clock) -> None:
    code = book(client, "2027-03-23T09:00:00+01:00")["code"]
    url = client.get("/api/v1/experts/me/calendar", headers=world.auth("expert")).json["url"]
    path = url.split("/api/v1", 1)[1]
    r = client.get(f"/api/v1{path}")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    [ev] = cal.walk("VEVENT")
    assert code in str(ev["summary"]) and "attendee" not in ev and "example.org" not in r.data.decode()
    assert cal.walk("VTIMEZONE")
    wrong = client.get(f"/api/v1/experts/{world.user_ids['expert']}/calendar/{'0' * 32}.ics")
    assert wrong.status_code == 404
    assert timedelta(0) < ev.decoded("dtend") - ev.decoded("dtstart")


def test_jobs_erase_contacts_after_two_years_and_keep_the_appointment(client, ctx, inbox, clock) -> None:
    from guichet.models import Appointment

    code = book(client, "2027-03-23T09:00:00+01:00")["code"]
    first = jobs.run_jobs(ctx)
    assert first["sent"] == 1 and first["appointments_anonymised"] == 0
    clock["now"] = NOW + timedelta(days=170)
    assert jobs.run_jobs(ctx)["receipts_anonymised"] == 0
    clock["now"] = NOW + timedelta(days=720)  # receipts are past six months, the contact not past two years
    middle = jobs.run_jobs(ctx)
    assert middle["receipts_anonymised"] == 1 and middle["appointments_anonymised"] == 0
    clock["now"] = NOW + timedelta(days=740)
    assert jobs.run_jobs(ctx)["appointments_anonymised"] == 1
    with ctx.db.session() as s:
        a = s.scalar(select(Appointment).where(Appointment.code == code))
        # kept, with the outcome the missed-appointments job gave it (never checked in), without its contact
        assert a.status == "no_show" and a.contact_email is None and a.contact_name is None
        assert s.scalar(select(Notification.recipient)) == ""
