"""The online request form (issue 14, item 2) on SQLite and PostgreSQL: /demande/{site} opens a
level-2 case on the web channel with the services' delay and no agent; the acknowledgement goes
through a real SMTP server with the signed follow link; the follow page shows the status, the
deadline in the site's time and, once given, the grouped answer; bad input is refused in French with
nothing written; the form is rate-limited and CSRF-protected; a wrong signature is an unknown case."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from guichet.models import Case, Notification, Request
from guichet.services import jobs

from ..conftest import make_settings
from .test_booking_mail import inbox  # noqa: F401  (a real SMTP server on loopback)
from .test_staff_pages import _csrf

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


@pytest.fixture
def clock(ctx):  # type: ignore[no-untyped-def]
    state = {"now": NOW}
    ctx.clock = lambda: state["now"]
    return state


def _send(client, world, **fields):  # type: ignore[no-untyped-def]
    page = client.get(f"/demande/{world.slug}")
    assert page.status_code == 200
    data = {
        "csrf": _csrf(page.get_data(as_text=True)),
        "services": ["CAF", "CPAM"],
        "summary": "Je voudrais savoir si j'ai droit à l'APL après mon déménagement.",
        "name": "Bérénice Durand",
        "email": "b.durand@example.org",
        "consent": "on",
    }
    data.update(fields)
    return client.post(f"/demande/{world.slug}", data={k: v for k, v in data.items() if v is not None})


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_web_request_opens_a_case_and_the_citizen_follows_it_by_the_signed_link(
    client,
    ctx,
    world,
    clock,
    inbox,  # noqa: F811
) -> None:
    form = client.get(f"/demande/{world.slug}").get_data(as_text=True)
    assert 'method="post"' in form and 'name="csrf"' in form and "<script" not in form.split("</main>")[0]
    sent = _send(client, world)
    assert sent.status_code == 303
    follow = sent.headers["Location"]
    assert re.fullmatch(r"/demande/suivi/\d+/[0-9a-f]{32}\?envoyee=1", follow)
    with ctx.db.session() as s:
        [case] = s.scalars(select(Case)).all()
        assert (case.channel, case.opened_by_id, case.consent) == ("web", None, True)
        assert case.contact_email == "b.durand@example.org" and case.status == "open"
        [req] = s.scalars(select(Request)).all()
        assert (req.channel, req.case_id, req.recorded_by_id) == ("web", case.id, None)
        case_id = case.id
        reference = f"N2-{case_id:06d}"
    page = client.get(follow)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert reference in html and "Reçue, en cours de traitement" in html
    assert "25/03/2027 09:00" in html  # the services' 72 h, in Paris time
    assert "Votre demande est envoyée" in html
    # The acknowledgement, through the outbox and a real SMTP server, carries the same link.
    assert jobs.run_jobs(ctx)["sent"] == 1
    [ack] = inbox.messages
    assert ack["To"] == "b.durand@example.org" and reference in str(ack["Subject"])
    body = ack.get_content()
    assert follow.split("?")[0] in body and "jeudi 25 mars 2027 à 09 h 00" in body
    # The expert answers; the page shows the grouped answer.
    expert = world.auth("expert")
    for code in ("CAF", "CPAM"):
        r = client.post(
            f"/api/v1/cases/{case_id}/contributions", json={"service": code, "text": "Vu"}, headers=expert
        )
        assert r.status_code == 200
    text = "Bonjour,\nVous avez droit à l'APL : déposez votre demande en ligne."
    assert (
        client.post(f"/api/v1/cases/{case_id}/answer", json={"text": text}, headers=expert).status_code == 200
    )
    answered = client.get(follow.split("?")[0]).get_data(as_text=True).replace("&#39;", "'")
    assert "Répondue le" in answered and "Vous avez droit à l'APL" in answered


def test_a_wrong_signature_is_an_unknown_case(client, ctx, world, clock) -> None:
    path = _send(client, world).headers["Location"].split("?")[0]
    case_id, sig = path.split("/")[-2:]
    for wrong in (f"/demande/suivi/{case_id}/{'0' * 32}", f"/demande/suivi/{int(case_id) + 1}/{sig}"):
        r = client.get(wrong)
        assert r.status_code == 404 and "Dossier inconnu" in r.get_data(as_text=True)


def test_bad_input_is_refused_in_french_and_nothing_is_written(app, client, ctx, world, clock) -> None:
    app.extensions["guichet_limiter"].limits["web_request"] = (100, 600)  # refusals count too
    for fields, words in (
        ({"consent": None}, "Cochez cette case"),
        ({"services": []}, "Cochez au moins un service."),
        ({"email": "pas-un-courriel"}, "Format invalide."),
        ({"summary": ""}, "Ce champ est obligatoire."),
        ({"services": ["NOPE"]}, "Service inconnu."),
    ):
        r = _send(client, world, **fields)
        html = r.get_data(as_text=True).replace("&#39;", "'")
        assert r.status_code == 422 and words in html and "rien n'a été enregistré" in html, fields
        assert "Bérénice Durand" in html  # what was typed is kept
    assert _count(ctx, Case) == 0 and _count(ctx, Request) == 0 and _count(ctx, Notification) == 0
    forged = client.post(
        f"/demande/{world.slug}", data={"csrf": "forged", "services": ["CAF"], "summary": "x"}
    )
    assert forged.status_code == 403 and _count(ctx, Case) == 0
    assert client.get("/demande/nowhere").status_code == 404


def test_the_form_is_rate_limited_per_address(client, ctx, world, clock) -> None:
    answers = [_send(client, world).status_code for _ in range(6)]
    assert answers[:5] == [303] * 5 and answers[5] == 429
    assert _count(ctx, Case) == 5
