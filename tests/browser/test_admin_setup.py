"""A town hall starts from an empty database: the setup page, then a manager's first services, counter
and agent from the admin pages, a kiosk enrolled, a ticket issued there and called by that agent.
axe-core finds no violation on any admin page, error messages included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from guichet.services.demo import DEMO_PASSWORD

from ..live_server import ServerProcess, cli, server_env
from .axe import check_axe


@pytest.fixture(scope="module")
def empty_server(_browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`guichet serve` on a fresh database holding the schema only: no demo, no account."""
    workdir = tmp_path_factory.mktemp("empty-server")
    env = server_env(f"sqlite:///{workdir / 'guichet.db'}", GUICHET_SECRET_KEY="s" * 48)
    server = ServerProcess(env, workdir)
    cli(server.env, "db", "upgrade")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _submit(page: Page, name: str = "Enregistrer") -> None:
    page.get_by_role("button", name=name, exact=True).click()


def test_from_an_empty_database_to_a_ticket_called_at_a_new_counter(
    page: Page, browser: Any, empty_server: Any, screenshot: Any
) -> None:
    url = empty_server.url
    printed = cli(empty_server.env, "setup")
    code = re.search(r"code ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})", printed)
    assert code, printed
    assert "/setup" in empty_server.logs()  # `guichet serve` printed it too

    # 1. The setup page: a wrong code is refused next to its field, nothing is created.
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Installer Guichet")
    check_axe(page, "setup page")
    page.get_by_label("Code d'installation").fill("AAAA-BBBB-CCCC")
    page.get_by_label("Nom du site").fill("Mairie de Saint-Amand")
    page.get_by_label("Adresse courte du site").fill("saint-amand")
    page.get_by_label("Nom affiché").fill("Camille Admin")
    page.get_by_label("Identifiant de connexion").fill("camille")
    page.get_by_label("Mot de passe").fill("un mot de passe solide")
    _submit(page, "Installer")
    expect(page.locator("#code-error")).to_contain_text("Code incorrect")
    expect(page.get_by_label("Code d'installation")).to_have_attribute("aria-invalid", "true")
    check_axe(page, "setup page with an error")
    page.get_by_label("Code d'installation").fill(code.group(1))
    page.get_by_label("Mot de passe").fill("un mot de passe solide")
    _submit(page, "Installer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paramétrage du site")
    check_axe(page, "admin home")

    # 2. A service: a bad letter is refused next to the field, then saved.
    page.get_by_role("navigation", name="Paramétrage du site").get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Ajouter un service").click()
    page.get_by_label(re.compile(r"^Code \*")).fill("ETAT_CIVIL")
    page.get_by_label("Lettre des tickets").fill("e")
    page.get_by_label("Libellé (français)").fill("État civil")
    page.get_by_label("English").fill("Civil status")
    _submit(page)
    expect(page.locator("#prefix-error")).to_have_text("Erreur : Format invalide.")
    check_axe(page, "service form with an error")
    screenshot(page, "admin-service-error")
    page.get_by_label("Lettre des tickets").fill("E")
    _submit(page)
    expect(page.get_by_role("status")).to_have_text("Service ETAT_CIVIL enregistré.")
    expect(page.get_by_role("row", name=re.compile("État civil"))).to_contain_text("Actif")
    check_axe(page, "services list")

    # 3. A counter calling that service.
    page.get_by_role("navigation", name="Paramétrage du site").get_by_role("link", name="Guichets").click()
    page.get_by_role("link", name="Ajouter un guichet").click()
    page.get_by_label("Numéro").fill("1")
    page.get_by_label(re.compile(r"^Nom \*")).fill("Guichet 1")
    page.get_by_label("État civil (E)").check()
    check_axe(page, "counter form")
    _submit(page)
    expect(page.get_by_role("row", name=re.compile("Guichet 1"))).to_contain_text("ETAT_CIVIL (1.0)")

    # 4. An agent, who chooses their own password through the one-time link.
    page.get_by_role("navigation", name="Paramétrage du site").get_by_role("link", name="Comptes").click()
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Identifiant de connexion").fill("dominique")
    page.get_by_label("Nom affiché").fill("Dominique Agent")
    _submit(page)
    link = page.locator("code.link").text_content()
    assert link and "/compte/mot-de-passe/" in link
    check_axe(page, "account created")
    screenshot(page, "admin-account-link")
    page.get_by_role("navigation", name="Paramétrage du site").get_by_role(
        "link", name="Journal des modifications"
    ).click()
    for kind in ("service.created", "counter.created", "user.created"):
        expect(page.locator("tbody")).to_contain_text(kind)
    check_axe(page, "audit log")

    agent = browser.new_context(locale="fr-FR", timezone_id="UTC").new_page()
    agent.goto(link.replace(empty_server.env["GUICHET_PUBLIC_URL"], url))
    agent.get_by_label("Nouveau mot de passe").fill("dominique au guichet")
    agent.get_by_label("Le même, une seconde fois").fill("dominique au guichet")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.get_by_role("status")).to_have_text("Mot de passe enregistré pour dominique.")

    # 5. A kiosk enrolled through its one-time link issues a ticket for the new service.
    nav = page.get_by_role("navigation", name="Paramétrage du site")
    nav.get_by_role("link", name="Bornes et écrans").click()
    page.get_by_label(re.compile(r"^Nom \*")).fill("Borne de l'entrée")
    page.get_by_role("button", name="Ajouter et créer le lien").click()
    expect(page.get_by_role("img", name="QR code du lien d'enregistrement")).to_be_visible()
    enrol = page.locator("code.link").text_content() or ""
    assert "/enroll/" in enrol
    check_axe(page, "devices page with a link")
    screenshot(page, "admin-devices")
    kiosk = browser.new_context(
        locale="fr-FR", timezone_id="UTC", viewport={"width": 1920, "height": 1080}
    ).new_page()
    kiosk.goto(enrol.strip().replace(empty_server.env["GUICHET_PUBLIC_URL"], url))
    kiosk.get_by_role("button", name="Enregistrer").click()
    expect(kiosk.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
    kiosk.locator('button.tile[data-go="category-autres"]').click()
    kiosk.locator('button[data-service="ETAT_CIVIL"]').click()
    kiosk.locator('#screen-priority button[data-priority=""]').click()
    expect(kiosk.locator("#t-number")).to_have_text("E001")

    # 6. The agent signs in, sits at the new counter and calls that ticket.
    agent.goto(url + "/counter")
    agent.get_by_label("Identifiant").fill("dominique")
    agent.get_by_label("Mot de passe").fill("dominique au guichet")
    agent.get_by_role("button", name="Se connecter").click()
    agent.locator("#chooser").get_by_role("button", name="S'installer à Guichet 1").click()
    agent.get_by_role("button", name="Appeler le suivant").click()
    expect(agent.locator("#t-number")).to_have_text("E001")
    expect(agent.locator("#t-service")).to_have_text("État civil")
    for context in (agent.context, kiosk.context):
        context.close()


# Every set-up page of a furnished site (the demo's), with one refused form, read by axe-core.
SET_UP_PAGES = [
    ("/admin/site", "site settings"),
    ("/admin/hours", "opening hours"),
    ("/admin/partners", "partners and categories"),
    ("/admin/partners/new", "partner form"),
    ("/admin/categories/new", "category form"),
    ("/admin/devices", "devices"),
    ("/admin/booking/places", "booking places"),
    ("/admin/booking/motifs", "booking motifs"),
    ("/admin/booking/motifs/new", "motif form"),
    ("/admin/booking/experts", "experts"),
    ("/admin/sites/new", "new site"),
]


def test_every_set_up_page_of_a_furnished_site_passes_axe(
    page: Page, live_server: Any, screenshot: Any
) -> None:
    page.goto(live_server.url + "/login?next=/admin")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paramétrage du site")
    for path, what in SET_UP_PAGES:
        page.goto(f"{live_server.url}{path}?site=demo")
        expect(page.locator("h1")).not_to_be_empty()
        check_axe(page, what)
    # The pages reached from the lists: a place, a motif, an expert's agenda, a display's settings.
    for path, link, what in [
        ("/admin/booking/places", "table a", "place form"),
        ("/admin/booking/motifs", "table a", "motif edit form"),
        ("/admin/booking/experts", "table a", "expert agenda"),
        ("/admin/devices", "table a", "device form"),
    ]:
        page.goto(f"{live_server.url}{path}?site=demo")
        page.locator(link).first.click()
        expect(page.locator("h1")).not_to_be_empty()
        check_axe(page, what)
        screenshot(page, "admin-" + what.replace(" ", "-"))
    # A refused form: the errors next to their fields pass too.
    page.goto(f"{live_server.url}/admin/hours?site=demo")
    screenshot(page, "admin-hours")
    page.goto(f"{live_server.url}/admin/booking/motifs/new?site=demo")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#form-errors")).to_be_visible()
    check_axe(page, "motif form with errors")
    page.goto(f"{live_server.url}/admin/site?site=demo")
    screenshot(page, "admin-site")
