"""The set-up pages as a browser without JavaScript uses them: CSRF-protected forms, French errors
next to the refused field with nothing saved, the first run's setup page and the password link."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from guichet.models import AuditEntry, Service, Site, User
from guichet.services import first_run, people

from .test_staff_pages import sign_in


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


SERVICE = {
    "code": "MSA",
    "prefix": "S",
    "label": "MSA",
    "level": "1",
    "target_wait_min": "15",
    "sla_hours": "72",
}


def test_a_service_form_without_the_csrf_token_is_refused(client, world) -> None:
    sign_in(client, "manager-test")
    response = client.post("/admin/services/new", data=SERVICE)
    assert response.status_code == 403


def test_a_refused_service_shows_the_error_next_to_its_field_and_saves_nothing(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/services/new").get_data(as_text=True))
    response = client.post(
        "/admin/services/new", data={**SERVICE, "prefix": "F", "csrf": csrf, "active": "on"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="prefix-error"' in html and "déjà celle du service CAF" in html
    assert 'aria-invalid="true"' in html and 'value="MSA"' in html  # what was typed stays
    with ctx.db.session() as s:
        assert s.scalar(select(Service).where(Service.code == "MSA")) is None
    saved = client.post(
        "/admin/services/new", data={**SERVICE, "csrf": csrf, "active": "on", "labels.en": "Farm"}
    )
    assert saved.status_code == 302
    with ctx.db.session() as s:
        sv = s.scalar(select(Service).where(Service.code == "MSA"))
        assert sv is not None and sv.labels == {"en": "Farm"} and sv.active
        assert s.scalar(select(AuditEntry.kind)) == "service.created"


def test_an_agent_cannot_open_the_set_up_pages(client, world) -> None:
    sign_in(client, "agent-test")
    for path in ("/admin", "/admin/services", "/admin/services/new", "/admin/accounts", "/admin/audit"):
        assert client.get(path).status_code == 403, path


def test_a_new_account_gets_a_one_time_link_and_never_a_password(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/accounts/new").get_data(as_text=True))
    response = client.post(
        "/admin/accounts/new",
        data={
            "csrf": csrf,
            "username": "l.petit",
            "display_name": "Léa Petit",
            "role": "agent",
            "active": "on",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    link = re.search(r"http://guichet\.test(/compte/mot-de-passe/[\w-]+)", html)
    assert link and 'type="password"' not in html
    path = link.group(1)
    form = client.get(path)
    assert form.status_code == 200 and "l.petit" in form.get_data(as_text=True)
    # The link works without being signed in: a fresh client.
    fresh = client.application.test_client()
    token = _csrf(fresh.get(path).get_data(as_text=True))
    short = fresh.post(path, data={"csrf": token, "password": "court", "again": "court"})
    assert short.status_code == 422 and "12 caractères" in short.get_data(as_text=True)
    done = fresh.post(path, data={"csrf": token, "password": "un long secret", "again": "un long secret"})
    assert done.status_code == 200 and "Mot de passe enregistré" in done.get_data(as_text=True)
    assert fresh.get(path).status_code == 404  # once only
    with ctx.db.session() as s:
        assert s.scalar(select(User.id).where(User.username == "l.petit"))


def test_the_first_run_needs_the_servers_code_and_happens_once(client, ctx, app) -> None:
    assert client.get("/").headers["Location"].endswith("/setup")
    page = client.get("/setup")
    assert page.status_code == 200
    csrf = _csrf(page.get_data(as_text=True))
    form = {
        "csrf": csrf,
        "site_name": "Mairie",
        "site_slug": "mairie",
        "timezone": "Europe/Paris",
        "address": "",
        "username": "camille",
        "display_name": "Camille",
        "password": "un mot de passe solide",
    }
    wrong = client.post("/setup", data={**form, "code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422 and "Code incorrect" in wrong.get_data(as_text=True)
    bad_zone = client.post(
        "/setup", data={**form, "code": first_run.setup_code(ctx.settings), "timezone": "Mars/Olympus"}
    )
    assert bad_zone.status_code == 422 and 'id="timezone-error"' in bad_zone.get_data(as_text=True)
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
        assert s.scalar(select(func.count()).select_from(Site)) == 0
    done = client.post("/setup", data={**form, "code": first_run.setup_code(ctx.settings)})
    assert done.status_code == 303 and done.headers["Location"] == "/admin?site=mairie"
    assert client.get("/admin?site=mairie").status_code == 200  # signed in as the new admin
    assert client.get("/setup").status_code == 404
    with ctx.db.session() as s:
        admin = s.scalar(select(User))
        assert admin is not None and admin.role == "admin" and admin.site_id is None
    assert people.reset_target(ctx, "nothing") is None
