"""Requests from every channel (issue 14, item 1): POST /api/v1/sites/{site}/requests records a
request that came by phone, e-mail, post, a social network, the web or the desk; solved at once it
keeps its outcome, escalated it becomes a level-2 case with the same delay as a desk escalation,
whatever the channel; bad input is refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from guichet.models import Case, Request, RequestService

from ..conftest import make_settings
from .test_api_actions import act, call_next, issue
from .test_staff_pages import _csrf, sign_in

DAYTIME = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
CHANNELS = ("phone", "email", "post", "social", "desk", "web")


def record(client, world, who: str = "agent", **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/sites/{world.slug}/requests", json=body, headers=world.auth(who))


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    """On SQLite and on PostgreSQL."""
    return make_settings(database_url)


@pytest.fixture
def clock(ctx):  # type: ignore[no-untyped-def]
    state = {"now": DAYTIME}
    ctx.clock = lambda: state["now"]
    return state


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_phone_request_solved_at_once_keeps_its_outcome_and_opens_no_case(
    client, world, ctx, clock
) -> None:
    r = record(
        client,
        world,
        channel="phone",
        services=["CAF", "CPAM"],
        summary="Question sur l'APL",
        resolved_outcome="resolved",
    )
    assert r.status_code == 201, r.json
    body = r.json
    assert (body["status"], body["channel"], body["outcome"]) == ("resolved", "phone", "resolved")
    assert body["services"] == ["CAF", "CPAM"]
    assert body["id"] is None and body["reference"] is None and body["deadline_at"] is None
    assert body["case"] is None and body["recorded_at"] == "2027-03-22T08:00:00+00:00"
    assert _count(ctx, Case) == 0
    with ctx.db.session() as s:
        stored = s.get(Request, body["request_id"])
        assert stored is not None
        assert (stored.channel, stored.outcome, stored.case_id) == ("phone", "resolved", None)
        assert stored.summary == "Question sur l'APL" and stored.recorded_by_id == world.user_ids["agent"]
        assert str(stored.business_day) == "2027-03-22"
        assert len(s.scalars(select(RequestService)).all()) == 2


def test_an_email_request_escalated_becomes_a_case_with_its_channel_and_deadline(
    client, world, ctx, clock
) -> None:
    r = record(
        client,
        world,
        channel="email",
        services=["CAF"],
        summary="Changement de situation",
        consent=True,
        contact={"name": "B. Durand", "email": "b.durand@example.org"},
    )
    assert r.status_code == 201, r.json
    body = r.json
    assert body["status"] == "escalated" and body["outcome"] is None
    case = body["case"]
    assert body["id"] == case["id"] and body["reference"] == case["reference"].upper()
    assert body["reference"].startswith("N2-")
    assert body["deadline_at"] == case["due_at"] == "2027-03-25T08:00:00+00:00"  # CAF: 72 h
    assert case["channel"] == "email" and case["contact"]["email"] == "b.durand@example.org"
    seen = client.get(f"/api/v1/cases/{body['id']}", headers=world.auth("manager"))
    assert seen.status_code == 200 and seen.json["channel"] == "email"
    with ctx.db.session() as s:
        stored = s.get(Request, body["request_id"])
        # The contact is kept once, on the case (its retention erases it there).
        assert stored is not None and stored.case_id == body["id"] and stored.contact_name is None
        assert s.get(Case, body["id"]).contact_name == "B. Durand"


def test_the_sla_clock_is_the_same_for_every_channel_and_for_a_desk_escalation(client, world, clock) -> None:
    deadlines = {}
    for channel in CHANNELS:
        r = record(client, world, channel=channel, services=["CAF", "CPAM"], summary=f"Par {channel}")
        assert r.status_code == 201, r.json
        deadlines[channel] = r.json["deadline_at"]
    issue(client, world)
    called = call_next(client, world, 1, "agent")
    assert act(client, world, called.json["id"], "start").status_code == 200
    done = act(
        client,
        world,
        called.json["id"],
        "finish",
        outcome="escalated",
        case={"services": ["CAF", "CPAM"], "description": "Au guichet"},
    )
    assert done.status_code == 200, done.json
    assert done.json["case"]["channel"] == "desk"
    assert set(deadlines.values()) == {done.json["case"]["due_at"]}


def test_bad_requests_are_refused_and_nothing_is_written(client, world, ctx, clock) -> None:
    base = {"channel": "phone", "services": ["CAF"], "summary": "Appel"}
    cases = [
        ({**base, "channel": "pigeon"}, 422, "validation"),
        ({**base, "services": []}, 422, "validation"),
        ({**base, "summary": ""}, 422, "validation"),
        ({**base, "services": ["NOPE"]}, 404, "service_not_found"),
        ({**base, "services": ["CAF", "CAF"]}, 400, "duplicate_service"),
        ({**base, "resolved_outcome": "escalated"}, 400, "escalated_is_not_an_outcome"),
        ({**base, "resolved_outcome": "lunch"}, 409, "unknown_outcome"),
        ({**base, "contact": {"name": "B. Durand"}}, 400, "consent_required"),
        ({**base, "unknown": 1}, 422, "validation"),
    ]
    for body, status, code in cases:
        r = record(client, world, **body)
        assert (r.status_code, r.json["error"]) == (status, code), (body, r.json)
        assert r.json["message"]
    assert _count(ctx, Request) == 0 and _count(ctx, Case) == 0


def test_only_the_sites_staff_record_requests(client, world, ctx, clock) -> None:
    body = {"channel": "phone", "services": ["CAF"], "summary": "Appel", "resolved_outcome": "resolved"}
    anonymous = client.post(f"/api/v1/sites/{world.slug}/requests", json=body)
    assert anonymous.status_code == 401
    kiosk = record(client, world, "kiosk", **body)
    assert kiosk.status_code == 403
    for who in ("agent", "expert", "manager", "admin"):
        assert record(client, world, who, **body).status_code == 201, who
    assert _count(ctx, Request) == 4


def test_the_old_case_endpoint_is_gone(client, world) -> None:
    r = client.post(
        f"/api/v1/sites/{world.slug}/cases",
        json={"services": ["CAF"], "description": "Appel"},
        headers=world.auth("agent"),
    )
    assert r.status_code in (404, 405)


# --- the counter's request form (/counter/requests/new) --------------------------------------------


def _form(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/counter/requests/new")
    assert page.status_code == 200
    return _csrf(page.get_data(as_text=True))


def test_the_request_form_records_a_phone_request_solved_at_once(client, world, ctx, clock) -> None:
    first = client.get("/counter/requests/new", headers={"Accept": "text/html"})
    assert first.status_code == 302 and "/login" in first.headers["Location"]  # sign in first
    sign_in(client, "agent-test")
    csrf = _form(client)
    sent = client.post(
        "/counter/requests/new",
        data={
            "csrf": csrf,
            "channel": "phone",
            "services": ["CAF"],
            "summary": "Question sur l'APL",
            "resolution": "now",
            "resolved_outcome": "resolved",
        },
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Demande enregistrée (Téléphone) : résolue." in page
    with ctx.db.session() as s:
        [r] = s.scalars(select(Request)).all()
        assert (r.channel, r.outcome, r.case_id, r.summary) == (
            "phone",
            "resolved",
            None,
            "Question sur l'APL",
        )


def test_the_request_form_passes_a_letter_to_level_2_and_says_the_deadline_in_site_time(
    client, world, ctx, clock
) -> None:
    sign_in(client, "agent-test")
    sent = client.post(
        "/counter/requests/new",
        data={
            "csrf": _form(client),
            "channel": "post",
            "services": ["CAF", "CPAM"],
            "summary": "Courrier reçu",
            "contact_name": "B. Durand",
            "contact_email": "b.durand@example.org",
            "consent": "on",
            "resolution": "level2",
        },
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    with ctx.db.session() as s:
        [(case_id, channel, email, due)] = s.execute(
            select(Case.id, Case.channel, Case.contact_email, Case.due_at)
        )
    assert channel == "post" and email == "b.durand@example.org"
    # 08:00 UTC on a March Monday is 09:00 in Paris; the strictest delay of CAF and CPAM.
    local = due.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
    assert f"N2-{case_id:06d}" in page and local in page and local.endswith("09:00")


def test_the_request_form_refuses_bad_input_in_french_and_keeps_what_was_typed(
    client, world, ctx, clock
) -> None:
    sign_in(client, "agent-test")
    csrf = _form(client)
    refused = client.post(
        "/counter/requests/new",
        data={
            "csrf": csrf,
            "channel": "phone",
            "summary": "Appel de Mme Martin",
            "contact_email": "pas-un-mail",
            "resolution": "now",
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "rien n'a été enregistré" in html
    assert "Choisissez l&#39;issue de la demande." in html and "Appel de Mme Martin" in html
    assert 'id="contact_email-error"' in html and 'id="contact_name-error"' in html
    no_service = client.post(
        "/counter/requests/new",
        data={
            "csrf": csrf,
            "channel": "phone",
            "summary": "Appel",
            "resolution": "now",
            "resolved_outcome": "resolved",
        },
    )
    assert no_service.status_code == 422 and "Cochez au moins un service concerné." in no_service.get_data(
        as_text=True
    )
    forged = client.post(
        "/counter/requests/new",
        data={
            "csrf": "forged",
            "channel": "phone",
            "services": ["CAF"],
            "summary": "x",
            "resolution": "level2",
        },
    )
    assert forged.status_code == 403
    assert _count(ctx, Request) == 0 and _count(ctx, Case) == 0
