"""Kiosk: enrolment by one-time link, the page in each language, issuing with printing, closures."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from guichet.models import Device, OpeningHours, Ticket
from guichet.services import devices

from ..factories import build_world


def enrol(client, ctx, slug: str = "test", name: str = "Borne 1") -> str:  # type: ignore[no-untyped-def]
    code = devices.create_enrolment(ctx, slug, "kiosk", name)
    page = client.get(f"/enroll/{code}")
    assert page.status_code == 200 and name in page.get_data(as_text=True)
    done = client.post(f"/enroll/{code}")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/kiosk/{slug}")
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return code


def csrf_of(client, slug: str = "test") -> str:  # type: ignore[no-untyped-def]
    html = client.get(f"/kiosk/{slug}").get_data(as_text=True)
    match = re.search(r'"csrf": "([0-9a-f]+)"', html)
    assert match, "the kiosk page carries its CSRF token"
    return match.group(1)


def take(client, csrf: str, service: str = "CAF", **extra):  # type: ignore[no-untyped-def]
    body = {"service": service, **extra}
    return client.post(
        "/kiosk/test/tickets", json=body, headers={"X-CSRF-Token": csrf, "Accept": "application/json"}
    )


def test_enrolment_link_works_once_and_makes_the_browser_a_kiosk(client, ctx, world) -> None:
    code = enrol(client, ctx)
    assert client.get("/kiosk/test").status_code == 200
    assert client.post(f"/enroll/{code}").status_code == 404
    assert "invalide" in client.get(f"/enroll/{code}").get_data(as_text=True)


def test_kiosk_page_without_enrolment_explains_how_to_enrol_in_french(client, world) -> None:
    page = client.get("/kiosk/test", headers={"Accept": "text/html"})
    assert page.status_code == 401
    assert "guichet device enroll" in page.get_data(as_text=True)


def test_kiosk_page_is_french_by_default_and_right_to_left_in_arabic(client, ctx, world) -> None:
    enrol(client, ctx)
    fr = client.get("/kiosk/test", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="fr"' in fr and "Bienvenue" in fr and "Service CAF" in fr
    ar = client.get("/kiosk/test?lang=ar").get_data(as_text=True)
    assert 'lang="ar"' in ar and 'dir="rtl"' in ar


def test_kiosk_of_another_site_is_refused(client, ctx, world) -> None:
    build_world(ctx, slug="other")
    enrol(client, ctx)
    assert client.get("/kiosk/other", headers={"Accept": "application/json"}).status_code == 403


def test_kiosk_ticket_needs_the_pages_csrf_token(client, ctx, world) -> None:
    enrol(client, ctx)
    assert take(client, "forged").status_code == 403
    with ctx.db.session() as s:
        assert s.scalar(select(Ticket.id)) is None


def test_kiosk_ticket_is_issued_printed_and_carries_a_virtual_ticket(client, ctx, world, published) -> None:
    enrol(client, ctx)
    response = take(client, csrf_of(client))
    assert response.status_code == 201
    body = response.json
    assert body["ticket"]["number"] == "F001" and body["ticket"]["status"] == "waiting"
    assert (
        body["spoken_number"] == "F 1" and body["position_text"] and body["wait_text"].startswith("Attente")
    )
    # The kiosk draws the QR code of the tracking link itself: the server sends the link, not an image.
    assert body["ticket"]["tracking_url"].startswith("http") and "qr_svg" not in body
    job = client.get(f"/kiosk/test/print-jobs/{body['print']['job']}", headers={"Accept": "application/json"})
    assert job.status_code == 200 and job.json["state"] in ("queued", "printing", "printed")
    with ctx.db.session() as s:
        assert s.scalar(select(Ticket.source)) == "kiosk"


def test_priority_ticket_records_its_reason(client, ctx, world) -> None:
    enrol(client, ctx)
    response = take(client, csrf_of(client), priority_reason="cmi")
    assert response.status_code == 201
    with ctx.db.session() as s:
        row = s.execute(select(Ticket.priority, Ticket.priority_reason)).one()
    assert row == (True, "cmi")
    assert take(client, csrf_of(client), priority_reason="vip").status_code == 409


def test_closed_service_cannot_be_taken_at_the_kiosk_and_says_why(client, ctx, world) -> None:
    enrol(client, ctx)
    csrf = csrf_of(client)
    for _ in range(3):  # ANTS has a daily quota of 3
        assert take(client, csrf, "ANTS").status_code == 201
    page = client.get("/kiosk/test").get_data(as_text=True)
    assert 'data-service="ANTS"' in page and "Fermé" in page
    refused = take(client, csrf, "ANTS")
    # The same code as every other door (issue 10): the quota, not a generic "closed".
    assert refused.status_code == 409 and refused.json["error"] == "quota_reached"
    assert "quota du jour" in refused.json["message"]
    old = take(client, csrf, "OLD")
    assert old.status_code == 409 and old.json["error"] == "service_closed"


def test_whole_kiosk_shows_a_closed_screen_outside_opening_hours(client, ctx, world) -> None:
    def hours(s, _events):  # type: ignore[no-untyped-def]
        for wd in range(7):
            s.add(OpeningHours(site_id=world.site_id, weekday=wd, opens=time(9), closes=time(12)))

    ctx.transact(hours)
    ctx.clock = lambda: datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 20:00 in Paris
    enrol(client, ctx)
    page = client.get("/kiosk/test").get_data(as_text=True)
    assert "L'accueil est fermé" in page and "Ouvre" in page and "09:00" in page
    assert take(client, csrf_of(client)).status_code == 409


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline_printer(ctx, world):  # type: ignore[no-untyped-def]
    port = _closed_port()

    def configure(s, _events):  # type: ignore[no-untyped-def]
        for device in s.scalars(select(Device).where(Device.kind == "kiosk")):
            device.config = {"printer_url": f"tcp://127.0.0.1:{port}"}

    return configure


def test_offline_printer_never_loses_the_ticket_and_alerts_managers(
    client, ctx, world, offline_printer
) -> None:
    enrol(client, ctx)
    ctx.transact(offline_printer)
    response = take(client, csrf_of(client))
    assert response.status_code == 201
    spooler = client.application.extensions["guichet_spooler"]
    job = spooler.wait(response.json["print"]["job"], timeout=10)
    assert job is not None and job.state == "failed"
    status = client.get(f"/kiosk/test/print-jobs/{job.id}", headers={"Accept": "application/json"}).json
    assert status["state"] == "failed"
    with ctx.db.session() as s:
        assert s.scalar(select(Ticket.number)) == "F001"
    deadline = datetime.now(UTC).timestamp() + 5
    state = None
    while datetime.now(UTC).timestamp() < deadline and state != "error":
        with ctx.db.session() as s:
            state = s.scalar(select(Device.printer_state).where(Device.name == "Borne 1"))
    assert state == "error"


def test_a_kiosk_cannot_read_another_kiosks_print_job(client, ctx, world) -> None:
    enrol(client, ctx)
    job = take(client, csrf_of(client)).json["print"]["job"]
    other = client.application.test_client()
    enrol(other, ctx, name="Borne 2")
    assert (
        other.get(f"/kiosk/test/print-jobs/{job}", headers={"Accept": "application/json"}).status_code == 404
    )


def test_printed_ticket_is_in_the_visitors_language(client, ctx, world) -> None:
    from printer import virtual_printer

    enrol(client, ctx)
    csrf = csrf_of(client, "test")
    response = take(client, csrf, lang="es")
    assert response.status_code == 201 and not response.json["wait_text"].startswith("Attente")
    spooler = client.application.extensions["guichet_spooler"]
    job = spooler.wait(response.json["print"]["job"], timeout=10)
    assert job is not None and job.state == "printed"
    assert job.ticket.wait_text == response.json["wait_text"]  # paper and screen say the same
    assert virtual_printer().recent()[-1].number == response.json["ticket"]["number"]


def test_priority_reasons_are_a_site_choice_but_the_legal_cmi_is_always_offered(client, ctx, world) -> None:
    from guichet.models import Site

    def choose(s, _events):  # type: ignore[no-untyped-def]
        s.get(Site, world.site_id).settings = {"priority_reasons": ["elderly"]}

    ctx.transact(choose)
    enrol(client, ctx)
    page = client.get("/kiosk/test").get_data(as_text=True)
    assert 'data-priority="elderly"' in page and 'data-priority="cmi"' in page
    assert 'data-priority="pregnancy"' not in page
    assert take(client, csrf_of(client), priority_reason="pregnancy").status_code == 409
    assert take(client, csrf_of(client), priority_reason="elderly").status_code == 201
