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

from guichet.models import Case, Notification, Request, User
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


def _answer(client, world, case_id: int, text: str):  # type: ignore[no-untyped-def]
    expert = world.auth("expert")
    for code in ("CAF", "CPAM"):
        r = client.post(
            f"/api/v1/cases/{case_id}/contributions", json={"service": code, "text": "Vu"}, headers=expert
        )
        assert r.status_code == 200, r.get_json()
    return client.post(f"/api/v1/cases/{case_id}/answer", json={"text": text}, headers=expert)


def _reply(client, path: str, text: str, csrf: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf or _csrf(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf": token, "text": text})


def test_the_grouped_answer_is_e_mailed_and_the_citizens_reply_reopens_the_case(
    client,
    ctx,
    world,
    clock,
    inbox,  # noqa: F811
) -> None:
    path = _send(client, world).headers["Location"].split("?")[0]
    case_id = int(path.split("/")[-2])
    reference = f"N2-{case_id:06d}"
    assert jobs.run_jobs(ctx)["sent"] == 1  # the acknowledgement
    clock["now"] = NOW.replace(hour=10)
    first = "Vous avez droit à l'APL : déposez votre demande sur caf.fr.\nLa CPAM n'a rien à vous demander."
    assert _answer(client, world, case_id, first).status_code == 200
    # One e-mail for the two services, with the answer and the follow link; no agent's name.
    assert jobs.run_jobs(ctx)["sent"] == 1
    answer_mail = inbox.messages[-1]
    assert answer_mail["To"] == "b.durand@example.org"
    assert str(answer_mail["Subject"]) == f"Réponse à votre demande {reference}"
    body = answer_mail.get_content()
    assert first.splitlines()[0] in body and first.splitlines()[1] in body and path in body
    with ctx.db.session() as s:
        expert_user = s.get(User, world.user_ids["expert"])
        assert expert_user is not None
        assert expert_user.display_name not in body
    # The citizen replies from the signed page: the case reopens with the delay counted again.
    clock["now"] = NOW.replace(day=23, hour=8)
    sent = _reply(client, path, "Merci. Et pour mon fils étudiant, la même aide ?")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("?reponse=1")
    page = client.get(sent.headers["Location"]).get_data(as_text=True).replace("&#39;", "'")
    assert "la demande est rouverte" in page and "26/03/2027 09:00" in page  # 72 h from the reply
    assert page.index("Vous avez droit à l'APL") < page.index("pour mon fils étudiant")
    staff = client.get(f"/api/v1/cases/{case_id}", headers=world.auth("expert")).get_json()
    assert staff["status"] == "open" and staff["answer"] is None and staff["remaining_s"] == 72 * 3600
    assert [(m["kind"], m["by"] is None) for m in staff["messages"]] == [("answer", False), ("reply", True)]
    with ctx.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.warned_near_at is None and case.answered_at is None
    # Answered again: a second e-mail with the new answer only; the exchange keeps all three.
    clock["now"] = NOW.replace(day=23, hour=9)
    second = "Oui, votre fils peut la demander lui-même depuis son espace CAF."
    assert _answer(client, world, case_id, second).status_code == 200
    assert jobs.run_jobs(ctx)["sent"] == 1
    again = inbox.messages[-1].get_content()
    assert second in again and first.splitlines()[0] not in again
    final = client.get(path).get_data(as_text=True).replace("&#39;", "'")
    assert "Répondue le 23/03/2027 10:00" in final and final.count('class="df-message ') == 3


def test_a_reply_to_an_open_case_is_added_without_moving_its_deadline(client, ctx, world, clock) -> None:
    path = _send(client, world).headers["Location"].split("?")[0]
    case_id = int(path.split("/")[-2])
    clock["now"] = NOW.replace(hour=11)
    assert _reply(client, path, "J'ajoute mon numéro d'allocataire : 1234567.").status_code == 303
    staff = client.get(f"/api/v1/cases/{case_id}", headers=world.auth("expert")).get_json()
    assert staff["status"] == "open" and staff["due_at"].startswith("2027-03-25T08:00")
    assert [m["kind"] for m in staff["messages"]] == ["reply"]


def test_a_bad_reply_is_refused_in_french_and_changes_nothing(client, ctx, world, clock) -> None:
    path = _send(client, world).headers["Location"].split("?")[0]
    case_id = int(path.split("/")[-2])
    empty = _reply(client, path, "   ")
    assert empty.status_code == 422 and "Ce champ est obligatoire." in empty.get_data(as_text=True)
    long = _reply(client, path, "x" * 4001)
    assert long.status_code == 422 and "4000" in long.get_data(as_text=True).replace("\u202f", "")
    assert _reply(client, path, "Bonjour", csrf="forged").status_code == 403
    wrong = path.rsplit("/", 1)[0] + "/" + "0" * 32
    assert client.post(wrong, data={"csrf": "x", "text": "Bonjour"}).status_code == 404
    with ctx.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.messages == []
