"""The outbox over the mailer's transports, on SQLite and PostgreSQL: a refused recipient fails that
message only, an unreachable server stops the batch and leaves everything pending, a wrong mail URL
counts no attempt, the other background jobs still run while mail is down, no log line names a
recipient; and the .ics download is one service call."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from guichet.core.errors import NotFound
from guichet.models import Appointment, Notification, SlotHold
from guichet.services import booking, jobs
from guichet.services.notifications import outbox
from guichet.settings import Settings
from mailer import MailError

from ..conftest import make_settings
from ..mailer.fake_smtp_server import Inbox, free_port, smtp_server
from . import test_booking_mail

NOW = test_booking_mail.NOW
clock = test_booking_mail.clock  # the same booked site and settable clock


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def inbox(ctx) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    box = Inbox()
    with smtp_server(box) as port:
        ctx.settings = ctx.settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{port}")
        yield box


def book(ctx, start: str, email: str) -> str:  # type: ignore[no-untyped-def]
    req = booking.BookingRequest(site="test", motif="CAF_RDV", start=start, name="Alex Martin", email=email)
    return str(booking.book(ctx, req)["code"])


def outbox_rows(ctx) -> list[tuple[str, str, int, str | None]]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        rows = s.execute(
            select(
                Notification.recipient, Notification.status, Notification.attempts, Notification.error
            ).order_by(Notification.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_refused_recipient_fails_that_message_only_and_is_retried_up_to_the_limit(
    ctx, clock, inbox, caplog
) -> None:
    inbox.refuse = {"parti@example.org"}
    book(ctx, "2027-03-23T09:00:00+01:00", "parti@example.org")
    book(ctx, "2027-03-23T09:30:00+01:00", "a.martin@example.org")
    with caplog.at_level(logging.WARNING):
        assert outbox.send_pending(ctx) == {"sent": 1, "failed": 1, "dropped": 0}
    (refused, status, attempts, error), sent = outbox_rows(ctx)
    assert (refused, status, attempts) == ("parti@example.org", "pending", 1)
    assert error is not None and error.startswith("rejected: ") and "550" in error and "@" not in error
    assert sent[1] == "sent" and inbox.recipients == [["a.martin@example.org"]]
    assert "example.org" not in caplog.text and "rejected" in caplog.text
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        outbox.send_pending(ctx)
    assert outbox_rows(ctx)[0][1:3] == ("failed", outbox.MAX_ATTEMPTS)
    assert outbox.send_pending(ctx) == {"sent": 0, "failed": 0, "dropped": 0}


def test_an_unreachable_server_stops_the_batch_and_leaves_every_message_pending(ctx, clock) -> None:
    ctx.settings = ctx.settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    book(ctx, "2027-03-23T09:00:00+01:00", "a.martin@example.org")
    book(ctx, "2027-03-23T09:30:00+01:00", "b.durand@example.org")
    with pytest.raises(MailError) as caught:
        outbox.send_pending(ctx)
    assert caught.value.code == "offline"
    (_, first, tries1, error1), (_, second, tries2, error2) = outbox_rows(ctx)
    assert (first, second) == ("pending", "pending") and (tries1, tries2) == (1, 1)
    assert error1 is not None and error1.startswith("offline: ") and error2 is None  # the second never tried


def test_a_wrong_mail_url_fails_before_any_attempt_is_counted(ctx, clock) -> None:
    ctx.settings = ctx.settings.with_overrides(smtp_url="smtpx://relay.mairie.test")
    book(ctx, "2027-03-23T09:00:00+01:00", "a.martin@example.org")
    with pytest.raises(MailError) as caught:
        outbox.send_pending(ctx)
    assert caught.value.code == "unsupported_url"
    assert [row[1:3] for row in outbox_rows(ctx)] == [("pending", 0)]


def test_holds_and_old_contacts_are_still_purged_while_mail_is_down(ctx, clock) -> None:
    ctx.settings = ctx.settings.with_overrides(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    code = book(ctx, "2027-03-23T09:00:00+01:00", "a.martin@example.org")
    booking.hold_slot(ctx, "test", "CAF_RDV", "2027-03-23T10:00:00+01:00")
    clock["now"] = NOW + timedelta(days=740)
    with pytest.raises(MailError):
        jobs.run_jobs(ctx)
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SlotHold)) == 0
        a = s.scalar(select(Appointment).where(Appointment.code == code))
        assert a is not None and a.contact_email is None
        assert a.status == "no_show"  # never checked in: the missed-appointments job ran too


def test_the_ics_download_is_one_service_call_giving_the_name_and_the_file(client, ctx, clock) -> None:
    code = book(ctx, "2027-03-23T09:00:00+01:00", "a.martin@example.org")
    name, body = booking.appointment_ics(ctx, code.lower())
    assert name == f"rendez-vous-{code}.ics"
    cal = Calendar.from_ical(body)
    served = Calendar.from_ical(client.get(f"/api/v1/appointments/{code}.ics").data)
    assert str(cal["method"]) == "PUBLISH" == str(served["method"])
    assert str(cal.walk("VEVENT")[0]["uid"]) == str(served.walk("VEVENT")[0]["uid"])
    assert cal.walk("VEVENT")[0].decoded("dtstart").isoformat() == "2027-03-23T09:00:00+01:00"
    with pytest.raises(NotFound):
        booking.appointment_ics(ctx, "ZZZZZZZZ")
