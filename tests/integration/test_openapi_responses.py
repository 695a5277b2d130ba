"""Real answers of the API match the OpenAPI document: a realistic day (tickets, counter actions,
cases, managers' settings, booking) runs through the test client, and every answer under /api/v1 is
validated against the schema of its path, method and status. Objects are closed for the check
(`additionalProperties: false`), so a field a view returns but the model lacks fails, as does a wrong
type, a missing field or a status the document does not list."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from api.openapi import document
from guichet.services import checkin

from ..factories import add_booking

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
API = "/api/v1"


def _closed(schema: Any) -> Any:
    """The schema with every object refusing properties it does not name."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@pytest.fixture(scope="module")
def strict_components() -> dict[str, Any]:
    return _closed(copy.deepcopy(document()["components"]))


def _validator(schema: dict[str, Any], components: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": components}, format_checker=FormatChecker())


@dataclass
class Answer:
    path: str
    method: str
    status: int
    mimetype: str
    body: Any
    raw: bytes


def _problems(answer: Answer, components: dict[str, Any]) -> list[str]:
    where = f"{answer.method.upper()} {answer.path} {answer.status}"
    op = document()["paths"].get(answer.path, {}).get(answer.method)
    if op is None:
        return [f"{where}: operation not in the document"]
    described = op["responses"].get(str(answer.status))
    if described is None:
        return [f"{where}: status not in the document"]
    content = described.get("content")
    if content is None:
        return [] if not answer.raw else [f"{where}: a body where the document says none"]
    if answer.mimetype not in content:
        return [f"{where}: {answer.mimetype} where the document says {sorted(content)}"]
    schema = content[answer.mimetype].get("schema")
    if schema is None:
        return []
    errors = sorted(_validator(schema, components).iter_errors(answer.body), key=str)
    return [f"{where}: {e.message} at {list(e.absolute_path)}" for e in errors]


@pytest.fixture
def answers(app) -> list[Answer]:  # type: ignore[no-untyped-def]
    """Every API answer of the test, with the documented path of the route that gave it."""
    from flask import request

    seen: list[Answer] = []

    @app.after_request
    def record(response):  # type: ignore[no-untyped-def]
        rule = request.url_rule
        if rule is not None and rule.rule.startswith(API + "/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(API) :])
            seen.append(
                Answer(
                    path,
                    request.method.lower(),
                    response.status_code,
                    response.mimetype,
                    response.get_json(silent=True),
                    response.get_data(),
                )
            )
        return response

    return seen


class Api:
    def __init__(self, client, world) -> None:  # type: ignore[no-untyped-def]
        self.client, self.world = client, world

    def __call__(self, method: str, path: str, who: str | None = None, want: int = 200, **kw: Any) -> Any:
        headers = self.world.auth(who) if who else {}
        r = self.client.open(API + path, method=method.upper(), headers=headers, **kw)
        assert r.status_code == want, (method, path, r.status_code, r.get_data(as_text=True))
        return r.get_json(silent=True)


def test_real_answers_match_the_documented_schemas(
    app, client, ctx, world, answers, strict_components
) -> None:
    ctx.clock = lambda: NOW
    booking = add_booking(ctx, world)
    api = Api(client, world)
    slug, c1, c2 = world.slug, world.counters[1], world.counters[2]

    # The installation, and the public listing.
    api("get", "/health")
    api("get", "/openapi.json")
    api("get", f"/sites/{slug}/services")
    api("get", "/sites/nowhere/services", want=404)

    # Issuing: tickets, and the refusals of each kind.
    t1 = api("post", f"/sites/{slug}/tickets", "kiosk", 201, json={"service": "CAF"})
    api("post", f"/sites/{slug}/tickets", "kiosk", 201, json={"service": "CPAM"})
    api("post", f"/sites/{slug}/tickets", "agent", 201, json={"service": "CAF"})
    api("post", f"/sites/{slug}/tickets", "kiosk", 404, json={"service": "NOPE"})
    api("post", f"/sites/{slug}/tickets", "kiosk", 409, json={"service": "OLD"})
    api("post", f"/sites/{slug}/tickets", "kiosk", 422, json={"service": "CAF", "typo": 1})
    api("post", f"/sites/{slug}/tickets", "kiosk", 400, data="[]", content_type="application/json")
    api("post", f"/sites/{slug}/tickets", None, 401, json={"service": "CAF"})
    api("post", f"/sites/{slug}/tickets", "display", 403, json={"service": "CAF"})
    token = t1["tracking_url"].rsplit("/", 1)[1]
    api("get", f"/tickets/{token}")
    api("get", "/tickets/unknown-token", want=404)

    # A counter's day: occupy, call, recall, start, park, resume, finish, requeue, transfer.
    api("get", "/me", "agent")
    api("post", f"/counters/{c1}/occupy", "agent")
    api("post", f"/counters/{c1}/occupy", "agent2", 409)
    api("get", f"/sites/{slug}/counters", "agent")
    first = api("post", f"/counters/{c1}/call-next", "agent")
    api("get", f"/tickets/{token}")  # being called: the counter's number shows
    api("post", f"/counters/{c1}/call-next", "agent", 409)  # the counter holds a ticket
    api("post", f"/tickets/{first['id']}/recall", "agent")
    api("post", f"/tickets/{first['id']}/start", "agent")
    api("get", f"/counters/{c1}/current", "agent")
    api("post", f"/tickets/{first['id']}/park", "agent")
    api("get", f"/sites/{slug}/parked", "agent")
    api("post", f"/tickets/{first['id']}/resume", "agent", json={"counter": c1})
    api("post", f"/tickets/{first['id']}/finish", "agent", json={"outcome": "resolved", "note": "ok"})
    api("post", f"/tickets/{first['id']}/finish", "agent", 409, json={"outcome": "resolved"})
    rated = first["tracking_url"].rsplit("/", 1)[1]
    api("post", f"/tickets/{rated}/satisfaction", want=422, json={"satisfied": True, "score": 11})
    api("post", f"/tickets/{rated}/satisfaction", want=201, json={"satisfied": True, "score": 9})
    api("post", f"/tickets/{rated}/satisfaction", want=409, json={"satisfied": False})
    api("post", "/tickets/unknown-token/satisfaction", want=404, json={"satisfied": True})
    api("post", f"/tickets/{first['id']}/teleport", "agent", 404)
    api("post", "/tickets/999999/start", "agent", 404)
    second = api("post", f"/counters/{c1}/call-next", "agent")
    api("post", f"/tickets/{second['id']}/requeue", "agent")
    again = api("post", f"/counters/{c1}/call-next", "agent")
    moved = api("post", f"/tickets/{again['id']}/transfer", "agent", json={"service": "CPAM"})
    api("post", f"/tickets/{moved['id']}/cancel", "agent")
    api("get", f"/counters/{c1}/current", "agent")
    served = api("post", f"/counters/{c1}/call-next", "agent")
    api("post", f"/tickets/{served['id']}/start", "agent")
    escalated = api(
        "post",
        f"/tickets/{served['id']}/finish",
        "agent",
        json={
            "outcome": "escalated",
            "case": {
                "services": ["CAF", "CPAM"],
                "description": "Changement de situation",
                "consent": True,
                "contact": {"name": "A. Martin", "email": "a.martin@example.org"},
            },
        },
    )
    assert "case" in escalated
    api("post", f"/counters/{c1}/call-next", "agent", 204)
    api("post", f"/counters/{c1}/walk-in", "agent", 201, json={"service": "CAF"})
    api("post", f"/counters/{c2}/status", "agent2", json={"status": "open"})
    api("post", f"/counters/{c2}/status", "agent2", json={"status": "paused"})
    api("post", f"/counters/{c2}/status", "agent2", 422, json={"status": "asleep"})
    api("get", f"/sites/{slug}/board", "agent")
    api("get", f"/sites/{slug}/workstation", "agent")

    # Managers' settings.
    api("get", f"/sites/{slug}/staff", "manager")
    api("get", f"/sites/{slug}/staff", "agent", 403)
    api("get", "/printers", "manager")
    api("put", f"/sites/{slug}/display-message", "manager", json={"message": "  Fermé   à 16 h  "})
    api("put", f"/counters/{c2}/services", "manager", json={"services": [{"code": "CAF", "weight": 2}]})
    api("put", f"/counters/{c2}/services", "manager", 404, json={"services": [{"code": "NOPE"}]})
    api("put", f"/users/{world.user_ids['expert']}/services", "manager", json={"services": ["CAF"]})

    # Setting the site up: a service, a counter, an account, and the audit log of it all.
    new_service = {"code": "MSA", "prefix": "S", "label": "MSA", "labels": {"en": "Farmers"}}
    api("post", f"/sites/{slug}/services", "manager", 201, json=new_service)
    api("post", f"/sites/{slug}/services", "manager", 409, json=new_service)
    api("post", f"/sites/{slug}/services", "manager", 422, json={**new_service, "prefix": "s"})
    api("patch", f"/sites/{slug}/services/MSA", "manager", json={"daily_quota": 30, "partner": None})
    api("delete", f"/sites/{slug}/services/MSA", "manager", 204)
    api("post", f"/sites/{slug}/counters", "manager", 201, json={"number": 9, "name": "Bureau 9"})
    api("patch", f"/sites/{slug}/counters/9", "manager", json={"services": [{"code": "CAF", "weight": 2}]})
    api("delete", f"/sites/{slug}/counters/9", "manager", 204)
    new_user = {"username": "c.martin", "display_name": "Claire Martin", "email": "c.martin@example.org"}
    account = api("post", f"/sites/{slug}/users", "manager", 201, json=new_user)
    api("get", f"/sites/{slug}/users", "manager")
    api("patch", f"/users/{account['id']}", "manager", json={"role": "expert", "services": ["CAF"]})
    api("post", f"/users/{account['id']}/password-link", "manager", 201)
    device = api("post", f"/sites/{slug}/devices", "manager", 201, json={"kind": "display", "name": "Hall 2"})
    api("get", f"/sites/{slug}/devices", "manager")
    api("post", f"/devices/{device['id']}/enrolment", "manager", 201)
    api("post", f"/devices/{device['id']}/revoke", "manager")
    api("get", f"/audit?site={slug}&kind=service", "manager")
    api("get", "/audit?from=yesterday", "manager", 400)
    api("get", f"/sites/{slug}/stats", "manager")
    api("get", f"/sites/{slug}/live", "manager")
    api("get", "/sites/nowhere/live", "admin", 404)
    api("get", f"/sites/{slug}/stats?from=2026-12-05&to=2026-12-01", "manager", 400)

    # Requests: one solved at once, one escalated; then the case: read, contribute, the grouped
    # answer refused then given.
    api(
        "post",
        f"/sites/{slug}/requests",
        "agent",
        201,
        json={"channel": "post", "services": ["CAF"], "summary": "Courrier", "resolved_outcome": "resolved"},
    )
    api(
        "post",
        f"/sites/{slug}/requests",
        "agent",
        400,
        json={"channel": "phone", "services": ["CAF"], "summary": "x", "resolved_outcome": "escalated"},
    )
    case = api(
        "post",
        f"/sites/{slug}/requests",
        "agent",
        201,
        json={"channel": "phone", "services": ["CAF"], "summary": "Appel"},
    )["case"]
    api("get", "/cases", "expert")
    api("get", "/cases/due", "manager")
    api("get", "/cases?status=all", "manager")
    api("get", "/cases?status=lost", "manager", 400)
    api("get", f"/cases/{case['id']}", "expert")
    api("get", "/cases/999999", "expert", 404)
    api("post", f"/cases/{case['id']}/answer", "expert", 409, json={"text": "Réponse"})
    api("post", f"/cases/{case['id']}/contributions", "expert", json={"service": "CAF", "text": "Vu"})
    api("post", f"/cases/{case['id']}/answer", "expert", json={"text": "Réponse groupée"})

    # Booking: motifs, slots, a hold, a booking, a lost race, the signed link, waitlist, move, cancel.
    api("get", f"/sites/{slug}/motifs")
    free = api("get", f"/sites/{slug}/slots?motif=CAF_RDV&from=2027-03-24&to=2027-03-25")["slots"]
    api("get", f"/sites/{slug}/slots", want=400)
    api("get", f"/sites/{slug}/slots?motif=NOPE", want=404)
    start, place = free[0]["start"], free[0]["place"]["id"]
    assert place == booking.place
    hold = api(
        "post", "/holds", want=201, json={"site": slug, "motif": "CAF_RDV", "start": start, "place": place}
    )
    contact = {"name": "A. Martin", "email": "a.martin@example.org"}
    body = {"site": slug, "motif": "CAF_RDV", "start": start, **contact}
    booked = api("post", "/appointments", want=201, json={**body, "hold": hold["hold"]})
    taken = api("post", "/appointments", want=409, json={**body, "email": "b.durand@example.org"})
    assert taken["error"] == "slot_taken" and taken["details"]["next"]
    code, sig = booked["code"], booked["manage_url"].rsplit("/", 1)[1]
    api("get", f"/appointments/{code}?sig={sig}")
    api("get", f"/appointments/{code}?sig=forged", want=403)
    api("post", f"/appointments/{code}/waitlist", json={"sig": sig})
    api("post", f"/appointments/{code}/move", json={"sig": sig, "start": free[1]["start"]})
    ics = client.get(f"{API}/appointments/{code}.ics")
    assert ics.status_code == 200
    api("post", f"/appointments/{code}/cancel", json={"sig": sig})
    api("post", f"/appointments/{code}/cancel", want=409, json={"sig": sig})
    # Booked today, on the expert's day (too late to change online: the signed link is refused).
    today = api("get", f"/sites/{slug}/slots?motif=CAF_RDV&from=2027-03-22&to=2027-03-22")["slots"]
    same_day = api("post", "/appointments", want=201, json={**body, "start": today[0]["start"]})
    late_sig = same_day["manage_url"].rsplit("/", 1)[1]
    api("post", f"/appointments/{same_day['code']}/waitlist", want=409, json={"sig": late_sig})
    checkin.check_in(ctx, world.actors["kiosk"], slug, same_day["code"])
    day = api("get", "/experts/me/day", "expert")
    assert [a["code"] for a in day["appointments"]] == [same_day["code"]]
    assert [t["appointment"]["code"] for t in day["waiting"]] == [same_day["code"]]
    api("post", f"/appointments/{code}/outcome", "expert", 409, json={"outcome": "seen"})  # cancelled
    api("post", f"/appointments/{same_day['code']}/outcome", "expert", 422, json={"outcome": "late"})
    other = api(
        "post", "/appointments", want=201, json={**body, "start": today[1]["start"], "email": "c@example.org"}
    )
    clock, began = ctx.clock, datetime.fromisoformat(today[1]["start"])
    ctx.clock = lambda: began  # the appointment has begun: its expert says how it ended
    api("post", f"/appointments/{other['code']}/outcome", "expert", json={"outcome": "seen"})
    ctx.clock = clock
    feed = api("get", "/experts/me/calendar", "expert")["url"]
    assert client.get(feed.split("guichet.test", 1)[1]).status_code == 200

    # setup: site settings, hours and closures
    # The site's settings, hours, a service's own hours, a dated closure (all put back afterwards).
    api("get", f"/sites/{slug}/settings", "manager")
    api("patch", f"/sites/{slug}", "manager", json={"address": "1 place de la Mairie", "priority_cap": 3})
    api("patch", f"/sites/{slug}", "manager", 409, json={"timezone": "America/Cayenne"})  # tickets today
    api("patch", f"/sites/{slug}", "manager", 422, json={"timezone": "Mars/Olympus"})
    api("post", "/sites", "admin", 201, json={"slug": "annexe", "name": "Annexe", "timezone": "Europe/Paris"})
    api("post", "/sites", "admin", 409, json={"slug": "annexe", "name": "Annexe"})
    api("post", "/sites", "manager", 403, json={"slug": "annexe-2", "name": "Annexe 2"})
    split = [
        {"weekday": 0, "opens": "08:30", "closes": "12:30"},
        {"weekday": 0, "opens": "13:30", "closes": "17:30"},
    ]
    api("put", f"/sites/{slug}/hours", "manager", json={"weekly": split})
    api("put", f"/sites/{slug}/hours", "manager", 422, json={"weekly": [{**split[0], "closes": "08:00"}]})
    api("get", f"/sites/{slug}/hours", "manager")
    api("put", f"/sites/{slug}/services/CAF/hours", "manager", json={"weekly": split[:1]})
    api("get", f"/sites/{slug}/services/CAF/hours", "manager")
    api("get", f"/sites/{slug}/services/NOPE/hours", "manager", 404)
    closure = api(
        "post", f"/sites/{slug}/closures", "manager", 201, json={"day": "2027-04-02", "label": "Pont"}
    )
    api("post", f"/sites/{slug}/closures", "manager", 409, json={"day": "2027-04-02"})
    api("post", f"/sites/{slug}/closures", "manager", 422, json={"day": "2027-03-01"})
    api("get", f"/sites/{slug}/closures", "manager")
    api("delete", f"/sites/{slug}/closures/{closure['id']}", "manager", 204)
    api("delete", f"/sites/{slug}/closures/{closure['id']}", "manager", 404)
    api("put", f"/sites/{slug}/services/CAF/hours", "manager", json={"weekly": []})
    api("put", f"/sites/{slug}/hours", "manager", json={"weekly": []})
    # setup: partners, categories, devices
    kiosk_id, display_id = world.actors["kiosk"].id, world.actors["display"].id
    api("patch", f"/devices/{kiosk_id}", "manager", json={"name": "Borne 1", "printer_url": "virtual://"})
    api("patch", f"/devices/{kiosk_id}", "manager", 422, json={"printer_url": "ftp://x"})
    api("patch", f"/devices/{display_id}", "manager", json={"services": ["CAF"], "languages": ["fr", "en"]})
    api("patch", f"/devices/{display_id}", "manager", 409, json={"printer_url": "virtual://"})
    assert api("post", f"/devices/{kiosk_id}/test-print", "manager")["state"] == "ok"
    api("post", f"/devices/{display_id}/test-print", "manager", 409)
    api("post", "/partners", "admin", 201, json={"code": "MSA", "name": "Mutualité sociale agricole"})
    api("post", "/partners", "manager", 403, json={"code": "CNAV", "name": "Assurance retraite"})
    api("get", "/partners", "manager")
    api("patch", "/partners/MSA", "admin", json={"name": "MSA"})
    api("patch", f"/sites/{slug}/services/CAF", "manager", json={"partner": "MSA"})
    api("delete", "/partners/MSA", "admin", 409)
    api("patch", f"/sites/{slug}/services/CAF", "manager", json={"partner": None})
    api("delete", "/partners/MSA", "admin", 204)
    category = {"code": "famille", "label": "Famille", "labels": {"en": "Family"}}
    api("post", f"/sites/{slug}/categories", "manager", 201, json=category)
    api("post", f"/sites/{slug}/categories", "manager", 409, json=category)
    api("get", f"/sites/{slug}/categories", "manager")
    api("patch", f"/sites/{slug}/categories/famille", "manager", json={"sort": 3})
    api("patch", f"/sites/{slug}/services/CAF", "manager", 404, json={"category": "nope"})
    api("patch", f"/sites/{slug}/services/CAF", "manager", json={"category": "famille"})
    api("delete", f"/sites/{slug}/categories/famille", "manager", 409)
    api("patch", f"/sites/{slug}/services/CAF", "manager", json={"category": ""})
    api("delete", f"/sites/{slug}/categories/famille", "manager", 204)
    # setup: booking places and motifs
    # Booking set-up: places and their closures, motifs (managers).
    places = f"/sites/{slug}/places"
    api("get", places, "manager")
    annexe = api("post", places, "manager", 201, json={"name": "Annexe", "address": "2 rue Neuve"})
    api("patch", f"{places}/{annexe['id']}", "manager", json={"active": False})
    days = {"first_day": "2027-04-05", "last_day": "2027-04-06", "label": "Travaux"}
    closure = api("post", f"{places}/{annexe['id']}/closures", "manager", 201, json=days)
    past = {"first_day": "2027-03-01", "last_day": "2027-03-02"}
    api("post", f"{places}/{annexe['id']}/closures", "manager", 422, json=past)
    today_only = {"first_day": "2027-03-22", "last_day": "2027-03-22"}
    api("post", f"{places}/{booking.place}/closures", "manager", 409, json=today_only)
    api("get", f"{places}/{annexe['id']}/closures", "manager")
    api("delete", f"{places}/{annexe['id']}/closures/{closure['id']}", "manager", 204)
    api("delete", f"{places}/{booking.place}", "manager", 409)
    api("delete", f"{places}/{annexe['id']}", "manager", 204)
    motif = {"code": "LOGEMENT", "label": "Logement", "service": "CPAM", "duration_min": 20}
    api("post", f"/sites/{slug}/motifs", "manager", 201, json=motif)
    api("post", f"/sites/{slug}/motifs", "manager", 409, json=motif)
    api("get", f"/sites/{slug}/motifs/all", "manager")
    api("patch", f"/sites/{slug}/motifs/LOGEMENT", "manager", json={"duration_min": 25, "active": False})
    api("delete", f"/sites/{slug}/motifs/CAF_RDV", "manager", 409)
    api("delete", f"/sites/{slug}/motifs/LOGEMENT", "manager", 204)
    # setup: experts' agendas
    expert = world.user_ids["expert"]
    api("get", f"/sites/{slug}/experts", "manager")
    api("get", f"/sites/{slug}/experts/{expert}/ranges", "manager")
    saturday = {
        "place_id": booking.place,
        "weekday": 5,
        "start_time": "09:00",
        "end_time": "12:00",
        "valid_from": "2027-03-01",
        "motifs": ["CAF_RDV"],
    }
    new_range = api("post", f"/sites/{slug}/experts/{expert}/ranges", "manager", 201, json=saturday)
    api("post", f"/sites/{slug}/experts/{expert}/ranges", "manager", 409, json=saturday)
    api("post", f"/sites/{slug}/experts/{world.user_ids['agent']}/ranges", "admin", 422, json=saturday)
    api("get", f"/sites/{slug}/experts/{world.user_ids['agent']}/ranges", "manager", 422)
    api("patch", f"/sites/{slug}/ranges/{new_range['id']}", "manager", json={"end_time": "11:00"})
    leave = {"starts_at": "2027-04-10T09:00", "ends_at": "2027-04-10T12:00", "label": "Formation"}
    absence = api("post", f"/sites/{slug}/experts/{expert}/absences", "manager", 201, json=leave)
    busy_day = {"starts_at": "2027-03-22T00:00", "ends_at": "2027-03-23T00:00"}
    api("post", f"/sites/{slug}/experts/{expert}/absences", "manager", 409, json=busy_day)
    api("get", f"/sites/{slug}/experts/{expert}/absences", "manager")
    api("delete", f"/sites/{slug}/absences/{absence['id']}", "manager", 204)
    api("delete", f"/sites/{slug}/absences/{absence['id']}", "manager", 404)
    preview = api("get", f"/sites/{slug}/experts/{expert}/preview?from=2027-03-27&to=2027-03-27", "manager")
    assert len(preview["motifs"][0]["slots"]) == 4
    api("get", f"/sites/{slug}/experts/{expert}/preview?from=2027-03-01&to=2027-12-01", "manager", 400)
    api("get", f"/sites/{slug}/experts/{expert}/preview?motif=CAF_RDV&from=soon", "manager", 422)
    api("delete", f"/sites/{slug}/ranges/{new_range['id']}", "manager", 204)

    problems = [p for a in answers for p in _problems(a, strict_components)]
    assert not problems, "\n".join(problems)
    # Every operation of the document was seen succeeding, so none escapes the check.
    documented = {(path, m) for path, item in document()["paths"].items() for m in item}
    succeeded = {(a.path, a.method) for a in answers if a.status < 300}
    assert documented - succeeded == set()


def test_the_check_refuses_a_field_the_model_lacks_a_wrong_type_and_a_missing_field(
    strict_components,
) -> None:
    ticket = {"$ref": "#/components/schemas/Ticket"}
    validator = _validator(ticket, strict_components)
    good = {
        "id": 1,
        "number": "F001",
        "service": "CAF",
        "service_label": "CAF",
        "status": "waiting",
        "priority": False,
        "priority_reason": None,
        "source": "kiosk",
        "position": 1,
        "estimated_wait_s": 60,
        "quoted_wait_s": 60,
        "tracking_url": "http://guichet.test/t/x",
        "counter": None,
        "arrived_at": NOW.isoformat(),
        "issued_at": NOW.isoformat(),
        "called_at": None,
        "started_at": None,
        "ended_at": None,
        "recall_count": 0,
        "outcome": None,
        "note": None,
        "transferred_from": None,
        "wait_s": 0,
        "placed_first": False,
        "target_counter": None,
        "target_agent": None,
        "parked_at": None,
        "appointment": None,
    }
    validator.validate(good)
    for bad in (
        {**good, "secret": "x"},
        {**good, "id": "1"},
        {**good, "status": "asleep"},
        {**good, "arrived_at": "yesterday"},
        {**good, "counter": {"id": 1, "number": 1, "name": "G1", "agent": None}},
        {k: v for k, v in good.items() if k != "wait_s"},
    ):
        with pytest.raises(ValidationError):
            validator.validate(bad)
