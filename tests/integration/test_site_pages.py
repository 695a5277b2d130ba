"""The site's own set-up pages as a browser without JavaScript uses them: /admin/site (settings),
/admin/hours (weekly grid, services' own hours, exceptions, holidays), /admin/sites/new (admins).
CSRF-protected, French errors next to the refused field with nothing saved, one site per manager."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from guichet.models import AuditEntry, OpeningException, OpeningHours, Service, Site

from ..factories import build_world
from .test_staff_pages import sign_in

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris


@pytest.fixture(autouse=True)
def _monday_morning(ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.clock = lambda: NOW


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _site(ctx, slug: str = "test") -> Site:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        site = s.scalar(select(Site).where(Site.slug == slug))
        assert site is not None
        s.expunge(site)
        return site


SETTINGS = {
    "name": "Mairie de Metz",
    "address": "1 place d'Armes",
    "timezone": "Europe/Paris",
    "holiday_subdivision": "57",
    "worked_holidays": "Lundi de Pentecôte\n2027-12-26",
    "priority_reasons": ["cmi", "elderly"],
    "outcome": ["resolved", "escalated", "rdv", ""],
    "outcome_label": ["", "", "Rendez-vous pris", ""],
    "priority_cap": "2",
    "min_recalls_before_no_show": "",
    "appointment_early_min": "10",
    "display_message": "Fermeture à 16 h vendredi",
}


def test_the_settings_page_saves_every_setting(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    page = client.get("/admin/site")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="prio-cmi" checked disabled' in html and "c'est la loi" in unescape(html)
    response = client.post("/admin/site", data={**SETTINGS, "csrf": _csrf(html)})
    assert response.status_code == 302, response.get_data(as_text=True)
    site = _site(ctx)
    assert (site.name, site.address) == ("Mairie de Metz", "1 place d'Armes")
    assert site.settings == {
        "holiday_subdivision": "57",
        "worked_holidays": ["Lundi de Pentecôte", "2027-12-26"],
        "priority_reasons": ["cmi", "elderly"],
        "outcomes": ["resolved", "escalated", "rdv"],
        "outcome_labels": {"rdv": "Rendez-vous pris"},
        "priority_cap": 2,
        "appointment_early_s": 600,
        "display_message": "Fermeture à 16 h vendredi",
    }
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Réglages enregistrés." in shown and 'value="Rendez-vous pris"' in shown
    with ctx.db.session() as s:
        kinds = set(s.scalars(select(AuditEntry.kind)))
    assert kinds == {"site.updated", "site.display_message"}


def test_the_cmi_stays_even_when_the_form_leaves_it_out(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/site").get_data(as_text=True))
    data = {**SETTINGS, "priority_reasons": ["pregnancy"], "csrf": csrf}
    assert client.post("/admin/site", data=data).status_code == 302
    assert _site(ctx).settings["priority_reasons"] == ["cmi", "pregnancy"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"timezone": "Europe/Metz"}, "timezone", "Fuseau horaire inconnu"),
        ({"worked_holidays": "Fête de la Saint-Glinglin"}, "worked_holidays", "pas un jour férié"),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        ({"priority_cap": "-1"}, "priority_cap", "Valeur trop petite (au moins 0)."),
        ({"outcome": ["Pas Bien"], "outcome_label": [""]}, "outcomes", "Format invalide."),
    ],
)
def test_a_refused_setting_is_shown_in_french_next_to_its_field_and_nothing_is_saved(
    client, ctx, world, changes, field, words
) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/site").get_data(as_text=True))
    response = client.post("/admin/site", data={**SETTINGS, **changes, "csrf": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and words in unescape(html)
    site = _site(ctx)
    assert (site.name, site.settings) == ("Site test", {})
    with ctx.db.session() as s:
        assert s.scalar(select(AuditEntry.id)) is None


def test_the_time_zone_of_a_day_with_tickets_is_refused_next_to_the_field(client, ctx, world) -> None:
    from guichet.services import tickets

    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/site").get_data(as_text=True))
    response = client.post("/admin/site", data={**SETTINGS, "timezone": "America/Cayenne", "csrf": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="timezone-error"' in html
    assert "changer de fuseau horaire changerait leur journée" in unescape(html)
    assert _site(ctx).timezone == "Europe/Paris"


def test_the_forms_are_refused_without_the_csrf_token(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    assert client.post("/admin/site", data=SETTINGS).status_code == 403
    weekly = {"action": "weekly", "opens.0.0": "09:00", "closes.0.0": "12:00"}
    assert client.post("/admin/hours", data=weekly).status_code == 403
    assert client.post("/admin/hours", data={"action": "closure", "day": "2027-04-01"}).status_code == 403
    assert _site(ctx).name == "Site test"
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningHours.id)) is None and s.scalar(select(OpeningException.id)) is None


def test_a_manager_sees_only_their_own_sites_pages(client, ctx, world) -> None:
    from guichet.services import hours

    hours.add_closure(ctx, world.actors["manager"], "test", hours.ClosureIn(day="2027-05-07", label="Pont"))
    build_world(ctx, "other")
    sign_in(client, "manager-other")
    html = client.get("/admin/site?site=test").get_data(as_text=True)
    assert 'value="Site other"' in html and 'value="Site test"' not in html
    html = client.get("/admin/hours?site=test").get_data(as_text=True)
    assert "Aucune exception à venir." in html and "07/05/2027" not in html
    csrf = _csrf(client.get("/admin/site?site=test").get_data(as_text=True))
    client.post("/admin/site?site=test", data={**SETTINGS, "csrf": csrf})
    assert _site(ctx).name == "Site test" and _site(ctx, "other").name == "Mairie de Metz"
    assert client.get("/admin/sites/new").status_code == 403


def test_an_agent_cannot_open_the_site_pages(client, world) -> None:
    sign_in(client, "agent-test")
    for path in ("/admin/site", "/admin/hours", "/admin/sites/new"):
        assert client.get(path).status_code == 403


def test_the_weekly_grid_saves_a_split_day_and_shows_it_again(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    html = client.get("/admin/hours").get_data(as_text=True)
    assert "<legend>Lundi</legend>" in html and "<legend>Dimanche</legend>" in html
    grid = {
        "action": "weekly",
        "opens.0.0": "08:30",
        "closes.0.0": "12:30",
        "opens.0.1": "13:30",
        "closes.0.1": "17:30",
        "opens.5.0": "09:00",
        "closes.5.0": "12:00",
        "csrf": _csrf(html),
    }
    response = client.post("/admin/hours", data=grid)
    assert response.status_code == 302
    with ctx.db.session() as s:
        rows = s.scalars(select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens)).all()
        assert [(r.weekday, r.opens.strftime("%H:%M"), r.service_id) for r in rows] == [
            (0, "08:30", None),
            (0, "13:30", None),
            (5, "09:00", None),
        ]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="opens.0.1" value="13:30"' in shown and "Horaires de la semaine enregistrés." in shown


@pytest.mark.parametrize(
    ("grid", "field", "words"),
    [
        ({"opens.1.0": "12:00", "closes.1.0": "09:00"}, "opens.1.0", "doit suivre l'heure d'ouverture"),
        (
            {"opens.2.0": "08:30", "closes.2.0": "12:30", "opens.2.1": "12:00", "closes.2.1": "17:00"},
            "opens.2.0",
            "se chevauchent",
        ),
        ({"opens.3.0": "08:30"}, "opens.3.0", "Indiquez l'heure d'ouverture et l'heure de fermeture"),
        ({"opens.4.0": "8h", "closes.4.0": "12:00"}, "opens.4.0", "Format invalide."),
    ],
)
def test_a_bad_range_is_shown_next_to_its_row_and_the_week_is_not_saved(
    client, ctx, world, grid, field, words
) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/hours").get_data(as_text=True))
    data = {"action": "weekly", "opens.0.0": "09:00", "closes.0.0": "12:00", **grid, "csrf": csrf}
    response = client.post("/admin/hours", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and words in unescape(html)
    assert 'name="opens.0.0" value="09:00"' in html  # what was typed stays
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningHours.id)) is None


def test_a_service_has_its_own_hours_on_the_same_page(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    html = client.get("/admin/hours?service=CAF").get_data(as_text=True)
    assert "Horaires propres du service CAF" in html
    data = {"action": "weekly", "opens.0.0": "10:00", "closes.0.0": "12:00", "csrf": _csrf(html)}
    response = client.post("/admin/hours?site=test&service=CAF", data=data)
    assert response.status_code == 302 and "service=CAF" in response.headers["Location"]
    with ctx.db.session() as s:
        caf = s.scalar(select(Service.id).where(Service.code == "CAF"))
        rows = s.scalars(select(OpeningHours)).all()
        assert [(r.service_id, r.weekday) for r in rows] == [(caf, 0)]
    assert 'name="opens.0.0" value=""' in client.get("/admin/hours").get_data(as_text=True)


def test_an_exception_is_added_listed_and_deleted(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/hours").get_data(as_text=True))
    closure = {
        "action": "closure",
        "day": "2027-05-07",
        "opens": "",
        "closes": "",
        "label": "Pont",
        "csrf": csrf,
    }
    assert client.post("/admin/hours", data=closure).status_code == 302
    html = client.get("/admin/hours").get_data(as_text=True)
    assert "07/05/2027" in html and "Fermé toute la journée" in html and "Pont" in html
    again = client.post("/admin/hours", data=closure)
    assert again.status_code == 422 and 'id="day-error"' in again.get_data(as_text=True)
    with ctx.db.session() as s:
        closure_id = s.scalars(select(OpeningException.id)).one()
    deleted = client.post("/admin/hours", data={"action": "delete", "closure": str(closure_id), "csrf": csrf})
    assert deleted.status_code == 302
    assert "Aucune exception à venir." in client.get("/admin/hours").get_data(as_text=True)
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningException.id)) is None
        kinds = sorted(s.scalars(select(AuditEntry.kind)))
    assert kinds == ["site.closure_added", "site.closure_deleted"]


@pytest.mark.parametrize(
    ("closure", "field", "words"),
    [
        ({"day": "2027-03-21"}, "day", "passé"),
        ({"day": ""}, "day", "Ce champ est obligatoire."),
        ({"day": "2027-04-01", "opens": "12:00", "closes": "09:00"}, "form", "doit suivre"),
    ],
)
def test_a_bad_exception_is_shown_in_french_and_not_saved(client, ctx, world, closure, field, words) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/hours").get_data(as_text=True))
    data = {"action": "closure", "opens": "", "closes": "", "label": "", **closure, "csrf": csrf}
    response = client.post("/admin/hours", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and words in unescape(html)
    if field != "form":
        assert f'id="{field}-error"' in html
    with ctx.db.session() as s:
        assert s.scalar(select(OpeningException.id)) is None


def test_the_hours_page_lists_the_coming_holidays_and_which_are_worked(client, ctx, world) -> None:
    sign_in(client, "manager-test")
    csrf = _csrf(client.get("/admin/site").get_data(as_text=True))
    client.post("/admin/site", data={**SETTINGS, "csrf": csrf})
    html = client.get("/admin/hours").get_data(as_text=True)
    assert "Vendredi saint" in html  # Moselle's own
    row = re.search(r"17/05/2027</th><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert row and row.groups() == ("Lundi de Pentecôte", "Travaillé")
    noel = re.search(r"25/12/2027</th><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert noel and noel.group(2) == "Non travaillé : borne fermée, aucun rendez-vous"


def test_an_admin_creates_a_site_from_the_browser(client, ctx, world) -> None:
    sign_in(client, "admin-test")
    csrf = _csrf(client.get("/admin/sites/new").get_data(as_text=True))
    bad = client.post(
        "/admin/sites/new", data={"slug": "Mairie 2", "name": "", "timezone": "x", "csrf": csrf}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="slug-error"' in html and 'id="timezone-error"' in html
    data = {"slug": "cayenne", "name": "Mairie de Cayenne", "timezone": "America/Cayenne", "csrf": csrf}
    response = client.post("/admin/sites/new", data={**data, "holiday_subdivision": "973", "address": ""})
    assert response.status_code == 302 and "site=cayenne" in response.headers["Location"]
    site = _site(ctx, "cayenne")
    assert (site.timezone, site.settings) == ("America/Cayenne", {"holiday_subdivision": "973"})
    taken = client.post("/admin/sites/new", data={**data, "holiday_subdivision": ""})
    assert taken.status_code == 422 and "déjà prise" in unescape(taken.get_data(as_text=True))
