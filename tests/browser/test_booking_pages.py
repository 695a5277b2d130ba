"""The booking pages in Chromium on the live demo server: a citizen books on a phone by touch, another
by keyboard alone; the confirmation's code is known to the .ics endpoint; the manage page cancels it;
axe-core finds nothing on any step; nothing scrolls sideways at 320 px.

The demo's booking setup (guichet/services/demo.py) gives the motifs; each test uses its own e-mail
address and ANTS number, and picks a day at least two days ahead so that it may still be cancelled
online (24 h before, by default).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from icalendar import Calendar
from playwright.sync_api import Page, expect

from .axe import check_axe

PHONE = {"width": 390, "height": 844}
CAF = "RDV_CAF"  # demo: 30 min, one person, one place, no ANTS number
ID_CARD = "TITRE_IDENTITE"  # demo: several persons, two places, ANTS number required


@dataclass(frozen=True)
class Rdv:
    """Where the booking pages are served, and the demo's motifs as the API describes them."""

    url: str
    motifs: dict[str, dict[str, Any]]
    places: list[dict[str, Any]]


@pytest.fixture(scope="module")
def rdv(live_server: Any) -> Rdv:
    staff = {"Authorization": f"Bearer {live_server.agent_token}"}  # agents also see agents-only motifs
    motifs = requests.get(f"{live_server.url}/api/v1/sites/demo/motifs", headers=staff, timeout=10).json()
    by_code = {m["code"]: m for m in motifs["motifs"]}
    assert {CAF, ID_CARD} <= set(by_code), f"demo motifs changed: {sorted(by_code)}"
    return Rdv(live_server.url, by_code, motifs["places"])


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    """A touch phone: 390 x 844, French, Paris time."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def no_sideways_scroll(page: Page, where: str, heading: str | None = None) -> None:
    """Measured once the step's page is there: right after a click the next document may still be
    loading (documentElement is then null)."""
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.wait_for_load_state()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page is {width[0]} px wide in a {width[1]} px window"


def heading_has_focus(page: Page, text: str) -> None:
    """Each step's page moves the focus to its h1, so a screen reader starts at the new step."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    expect(page.locator("h1")).to_be_focused()


def later_day_link(page: Page) -> Any:
    """The first listed day at least two days ahead (it may still be changed online)."""
    links = page.locator("a.rdv-day")
    expect(links.first).to_be_visible()
    soon = date.today() + timedelta(days=2)
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        day = re.search(r"day=(\d{4}-\d{2}-\d{2})", href)
        if day and date.fromisoformat(day.group(1)) >= soon:
            return links.nth(i)
    raise AssertionError("no day with free slots two days ahead or later in the first fortnight")


def label_time(page: Page, radio: Any) -> str:
    """ "09:30" from a time's label (which may also name the place)."""
    label = page.locator(f"label[for='{radio.get_attribute('id')}']").text_content() or ""
    found = re.search(r"\d\d:\d\d", label)
    assert found, label
    return found.group(0)


def ics_knows(live_server: Any, code: str) -> None:
    r = requests.get(f"{live_server.url}/api/v1/appointments/{code}.ics", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar"), r.text
    event = next(c for c in Calendar.from_ical(r.content).walk("VEVENT"))
    assert code in str(event.get("description")), event.get("description")


def test_citizen_books_on_a_phone_by_touch_then_cancels(
    phone: Page, rdv: Rdv, live_server, screenshot
) -> None:
    page = phone
    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    motif = rdv.motifs[CAF]
    email = f"touch-{uuid.uuid4().hex[:8]}@example.org"

    page.goto(f"{rdv.url}/rdv/demo")
    heading_has_focus(page, "Prendre rendez-vous : choisissez le motif")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text(motif["instructions"])).to_be_visible()
    check_axe(page, "motif step")
    no_sideways_scroll(page, "motif step", "Prendre rendez-vous : choisissez le motif")
    screenshot(page, "booking-1-motif")
    page.locator("label", has_text=motif["label"]).tap()
    expect(page.get_by_role("radio", name=motif["label"])).to_be_checked()
    page.get_by_role("button", name="Continuer").tap()

    # One person and one place for this motif: straight to the days.
    heading_has_focus(page, "Choisissez un jour")
    expect(page.get_by_text("Le rendez-vous dure 30 minutes.")).to_be_visible()
    check_axe(page, "day step")
    no_sideways_scroll(page, "day step", "Choisissez un jour")
    screenshot(page, "booking-2-days")
    day = later_day_link(page)
    day_name = day.locator(".rdv-day-name").text_content().strip()  # "jeudi 26 novembre"
    day.tap()

    heading_has_focus(page, "Choisissez l'heure")
    expect(page.locator("fieldset.rdv-slots legend")).to_have_text(f"Horaires libres le {day_name}")
    options = page.get_by_role("radio")
    assert options.count() >= 2
    chosen = options.nth(1)
    chosen_time = label_time(page, chosen)
    chosen.tap()  # the transparent radio covers its tile
    expect(chosen).to_be_checked()
    check_axe(page, "time step, a time chosen")
    no_sideways_scroll(page, "time step", "Choisissez l'heure")
    screenshot(page, "booking-3-time")
    page.get_by_role("button", name="Continuer").tap()

    heading_has_focus(page, "Vos coordonnées")
    expect(page.get_by_text(re.compile(r"Ce créneau vous est réservé jusqu'à \d\d:\d\d\."))).to_be_visible()
    # Sent empty: the errors are listed, tied to their fields, and the summary takes the focus.
    page.get_by_role("button", name="Confirmer le rendez-vous").tap()
    summary = page.locator(".rdv-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le formulaire contient 3 erreurs")
    expect(page.get_by_label("Adresse e-mail")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Adresse e-mail")).to_have_accessible_description(
        re.compile("Indiquez une adresse e-mail.")
    )
    check_axe(page, "contact step with errors")
    screenshot(page, "booking-4-contact-errors")
    page.get_by_label("Nom et prénom").fill("Camille Durand")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Téléphone (facultatif)").fill("06 12 34 56 78")
    page.get_by_text("J'accepte que ces coordonnées soient enregistrées pour ce rendez-vous.").tap()
    expect(page.get_by_role("checkbox")).to_be_checked()
    check_axe(page, "contact step filled in")
    no_sideways_scroll(page, "contact step")
    screenshot(page, "booking-5-contact")
    page.get_by_role("button", name="Confirmer le rendez-vous").tap()

    heading_has_focus(page, "Rendez-vous confirmé")
    code = page.locator(".rdv-code-value").inner_text().replace("Code :", "").strip()
    assert re.fullmatch(r"[A-Z0-9]{8}", code), code
    details = page.locator(".rdv-details")
    expect(details).to_contain_text(motif["label"])
    expect(details).to_contain_text(day_name)
    expect(details).to_contain_text(f"de {chosen_time} à")
    expect(page.get_by_role("img", name=f"QR code du code de rendez-vous {code}")).to_be_visible()
    expect(page.get_by_text(motif["instructions"])).to_be_visible()
    ics = page.get_by_role("link", name=re.compile("Ajouter à mon agenda"))
    assert ics.get_attribute("href") == f"/api/v1/appointments/{code}.ics"
    ics_knows(live_server, code)
    check_axe(page, "confirmation")
    no_sideways_scroll(page, "confirmation")
    screenshot(page, "booking-6-confirmation")

    page.get_by_role("link", name="Gérer mon rendez-vous : annuler, déplacer").tap()
    heading_has_focus(page, "Votre rendez-vous")
    check_axe(page, "manage page")
    screenshot(page, "booking-7-manage")

    # Move it to another time of the same day: same code, new time.
    page.get_by_role("link", name="Déplacer le rendez-vous").tap()
    heading_has_focus(page, "Déplacer le rendez-vous")
    check_axe(page, "move: days")
    page.locator("a.rdv-day", has_text=day_name).tap()
    heading_has_focus(page, "Déplacer le rendez-vous : choisissez l'heure")
    other = page.get_by_role("radio").last
    new_time = label_time(page, other)
    assert new_time != chosen_time
    other.tap()
    check_axe(page, "move: times")
    screenshot(page, "booking-move")
    page.get_by_role("button", name="Déplacer à cet horaire").tap()
    heading_has_focus(page, "Votre rendez-vous")
    expect(page.get_by_role("status")).to_contain_text(f"à {new_time}. Le code reste le même")
    expect(page.locator(".rdv-details")).to_contain_text(f"de {new_time} à")
    expect(page.locator(".rdv-code-value")).to_contain_text(code)

    page.get_by_role("button", name="Être prévenu si un créneau plus tôt se libère").tap()
    expect(page.get_by_role("status")).to_contain_text(
        "si un créneau plus tôt se libère, nous vous l'écrirons"
    )
    check_axe(page, "manage page, waitlist joined")

    page.get_by_role("link", name="Annuler le rendez-vous").tap()
    heading_has_focus(page, "Annuler ce rendez-vous ?")
    check_axe(page, "cancel confirmation")
    screenshot(page, "booking-8-cancel")
    page.get_by_role("button", name="Oui, annuler le rendez-vous").tap()
    heading_has_focus(page, "Votre rendez-vous")
    expect(page.get_by_role("status")).to_contain_text("Votre rendez-vous est annulé.")
    expect(page.get_by_text("Ce rendez-vous est annulé.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Annuler le rendez-vous")).to_have_count(0)
    check_axe(page, "manage page, cancelled")
    screenshot(page, "booking-9-cancelled")
    sig = page.url.rstrip("/").rsplit("/", 1)[-1]
    seen = requests.get(f"{rdv.url}/api/v1/appointments/{code}", params={"sig": sig}, timeout=10)
    assert seen.status_code == 200 and seen.json()["status"] == "cancelled", seen.text
    assert script_errors == []


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const box = el.closest('.rdv-choice, .rdv-slot') || el;
    const own = getComputedStyle(el), around = getComputedStyle(box);
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', label: label.trim(),
            text: (el.innerText || '').trim(), checked: !!el.checked,
            outline: [own.outlineStyle, own.outlineWidth, around.outlineStyle, around.outlineWidth,
                      el.labels && el.labels.length ? getComputedStyle(el.labels[0]).outlineStyle : 'none']};
}"""


def focused(page: Page) -> dict[str, Any]:
    info = page.evaluate(FOCUSED)
    assert info is not None, "nothing has the focus"
    return info


def visible_focus(info: dict[str, Any]) -> bool:
    """An outline on the element itself, on its card, or on its label (hidden radios of the times)."""
    own_style, own_width, card_style, card_width, label_style = info["outline"]
    return (
        (own_style != "none" and own_width != "0px")
        or (card_style != "none" and card_width != "0px")
        or (label_style != "none")
    )


def tab_to(page: Page, wanted: Any, what: str, limit: int = 60) -> dict[str, Any]:
    """Press Tab until `wanted(focused info)`; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        assert visible_focus(info), f"no visible focus on {info}"
        if wanted(info):
            return info
    raise AssertionError(f"Tab never reached {what}")


def test_citizen_books_by_keyboard_alone_with_persons_place_and_ants_number(
    page: Page, rdv: Rdv, live_server, screenshot
) -> None:
    motif = rdv.motifs[ID_CARD]
    ants = uuid.uuid4().hex[:10].upper()
    email = f"clavier-{uuid.uuid4().hex[:8]}@example.org"
    page.set_viewport_size(PHONE)
    page.goto(f"{rdv.url}/rdv/demo")
    heading_has_focus(page, "Prendre rendez-vous : choisissez le motif")

    # Radios: Tab enters the group, arrows move, Space checks.
    info = tab_to(page, lambda i: i["name"] == "motif", "the motifs")
    for _ in range(len(rdv.motifs) + 1):
        if info["label"] == motif["label"]:
            break
        page.keyboard.press("ArrowDown")
        info = focused(page)
    assert info["label"] == motif["label"], info
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=motif["label"])).to_be_checked()
    tab_to(page, lambda i: i["text"] == "Continuer", "Continuer")
    page.keyboard.press("Enter")

    heading_has_focus(page, "Précisez votre demande")
    check_axe(page, "persons and place step")
    screenshot(page, "booking-options")
    tab_to(page, lambda i: i["name"] == "persons", "the number of persons")
    page.keyboard.press("ArrowDown")  # 1 → 2 persons (a closed select changes with the arrows)
    expect(page.get_by_label("Nombre de personnes")).to_have_value("2")
    info = tab_to(page, lambda i: i["name"] == "place", "the places")
    page.keyboard.press("Space")
    place_name = focused(page)["label"]
    assert place_name in {p["name"] for p in rdv.places}, place_name
    tab_to(page, lambda i: i["text"] == "Voir les créneaux", "Voir les créneaux")
    page.keyboard.press("Enter")

    heading_has_focus(page, "Choisissez un jour")
    duration = motif["duration_min"] + motif["extra_per_person_min"]
    expect(page.get_by_text(f"Le rendez-vous dure {duration} minutes.")).to_be_visible()
    expect(page.locator(".rdv-summary")).to_contain_text(place_name)
    target = later_day_link(page)
    href = target.get_attribute("href")
    tab_to(
        page,
        lambda i: i["tag"] == "a" and page.evaluate("document.activeElement.getAttribute('href')") == href,
        "the day",
    )
    page.keyboard.press("Enter")

    heading_has_focus(page, "Choisissez l'heure")
    tab_to(page, lambda i: i["name"] == "slot", "the times")
    page.keyboard.press("ArrowRight")  # moves to the second time and checks it
    info = focused(page)
    assert info["checked"] and info["name"] == "slot", info
    chosen_time = info["label"]
    check_axe(page, "time step (keyboard)")
    tab_to(page, lambda i: i["text"] == "Continuer", "Continuer")
    page.keyboard.press("Enter")

    heading_has_focus(page, "Vos coordonnées")
    expect(page.get_by_text("10 caractères, lettres majuscules et chiffres")).to_be_visible()
    tab_to(page, lambda i: i["name"] == "name", "the name")
    page.keyboard.type("Dominique Martin")
    tab_to(page, lambda i: i["name"] == "email", "the e-mail")
    page.keyboard.type(email)
    tab_to(page, lambda i: i["name"] == "ants", "the ANTS number")
    page.keyboard.type("12345")  # too short: refused with its format
    tab_to(page, lambda i: i["name"] == "consent", "the consent")
    page.keyboard.press("Space")
    tab_to(page, lambda i: i["text"] == "Confirmer le rendez-vous", "Confirmer")
    page.keyboard.press("Enter")

    summary = page.locator(".rdv-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le numéro de pré-demande ANTS compte 10 lettres majuscules et chiffres.")
    check_axe(page, "contact step, ANTS number refused")
    screenshot(page, "booking-ants-error")
    tab_to(page, lambda i: i["tag"] == "a" and "ANTS" in i["text"], "the error's link")
    page.keyboard.press("Enter")  # the summary's link takes the focus to the field
    expect(page.get_by_label("Numéro de pré-demande ANTS")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(ants)
    tab_to(page, lambda i: i["text"] == "Confirmer le rendez-vous", "Confirmer")
    page.keyboard.press("Enter")

    heading_has_focus(page, "Rendez-vous confirmé")
    code = page.locator(".rdv-code-value").inner_text().replace("Code :", "").strip()
    expect(page.locator(".rdv-details")).to_contain_text(f"de {chosen_time} à")
    expect(page.locator(".rdv-details")).to_contain_text(place_name)
    expect(page.locator(".rdv-details div", has_text="Personnes").locator("dd")).to_have_text("2")
    ics_knows(live_server, code)
    check_axe(page, "confirmation (keyboard)")

    # Cancel by keyboard too, so the demo's slots stay free.
    tab_to(page, lambda i: i["text"] == "Gérer mon rendez-vous : annuler, déplacer", "the manage link")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Votre rendez-vous")
    tab_to(page, lambda i: i["text"] == "Annuler le rendez-vous", "Annuler")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Annuler ce rendez-vous ?")
    tab_to(page, lambda i: i["text"] == "Oui, annuler le rendez-vous", "Oui, annuler")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ce rendez-vous est annulé.", exact=True)).to_be_visible()


@pytest.mark.viewport(320, 640)
def test_every_step_fits_320_px_without_sideways_scrolling(page: Page, rdv: Rdv) -> None:
    """320 CSS px is a small phone, or a 1280 px window at 400 % zoom (RGAA 10.11)."""
    motif = rdv.motifs[ID_CARD]
    page.goto(f"{rdv.url}/rdv/demo")
    no_sideways_scroll(page, "motif step", "Prendre rendez-vous : choisissez le motif")
    page.get_by_role("radio", name=motif["label"]).check()
    page.get_by_role("button", name="Continuer").click()
    no_sideways_scroll(page, "options step", "Précisez votre demande")
    page.get_by_role("button", name="Voir les créneaux").click()
    expect(page.get_by_text("Choisissez un lieu dans la liste.").first).to_be_visible()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Voir les créneaux").click()
    no_sideways_scroll(page, "day step", "Choisissez un jour")
    later_day_link(page).click()
    no_sideways_scroll(page, "time step", "Choisissez l'heure")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos coordonnées")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    expect(page.locator(".rdv-error-summary")).to_be_visible()
    no_sideways_scroll(page, "contact step with errors")


def test_unknown_site_is_a_french_404_page(page: Page, rdv: Rdv) -> None:
    response = page.goto(f"{rdv.url}/rdv/nulle-part")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Introuvable")
    expect(page.get_by_text("Site inconnu.")).to_be_visible()
    check_axe(page, "unknown site")


def test_signed_in_agent_books_an_agents_only_motif_for_a_citizen(page: Page, rdv: Rdv, screenshot) -> None:
    """Agents sign in, then use the same pages: they see the agents-only motifs, and their forms
    carry the session's CSRF token."""
    agents_only = next(m for m in rdv.motifs.values() if m["bookable_by"] == "agents")
    public = requests.get(f"{rdv.url}/rdv/demo", timeout=10).text
    assert agents_only["label"] not in public  # not offered to citizens
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{rdv.url}/login?next=/rdv/demo")
    page.get_by_label("Identifiant").fill("agent1")
    page.get_by_label("Mot de passe").fill("guichet-demo")
    page.get_by_role("button", name="Se connecter").click()
    heading_has_focus(page, "Prendre rendez-vous : choisissez le motif")
    expect(page.get_by_text("Vous êtes connecté comme agent")).to_be_visible()
    page.get_by_role("radio", name=agents_only["label"]).check()
    check_axe(page, "motif step, signed-in agent")
    screenshot(page, "booking-agent")
    page.get_by_role("button", name="Continuer").click()
    if page.get_by_role("heading", level=1).inner_text() == "Précisez votre demande":
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="Voir les créneaux").click()
    heading_has_focus(page, "Choisissez un jour")
    later_day_link(page).click()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Continuer").click()
    heading_has_focus(page, "Coordonnées de l'usager")
    page.get_by_label("Nom et prénom").fill("Sacha Usager")
    page.get_by_label("Adresse e-mail").fill(f"usager-{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label(
        "La personne accepte que ces coordonnées soient enregistrées pour ce rendez-vous."
    ).check()
    check_axe(page, "contact step, signed-in agent")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    heading_has_focus(page, "Rendez-vous confirmé")
    expect(page.locator(".rdv-details")).to_contain_text(agents_only["label"])
    expect(page.get_by_role("link", name="Prendre un autre rendez-vous")).to_be_visible()
    page.get_by_role("link", name="Gérer mon rendez-vous : annuler, déplacer").click()
    page.get_by_role("link", name="Annuler le rendez-vous").click()
    page.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    expect(page.get_by_text("Ce rendez-vous est annulé.", exact=True)).to_be_visible()


def test_the_whole_flow_works_without_javascript(browser: Any, rdv: Rdv) -> None:
    """The pages are plain forms: with scripts off, a booking still goes through and is cancelled."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        motif = rdv.motifs[CAF]
        page.goto(f"{rdv.url}/rdv/demo")
        page.get_by_role("radio", name=motif["label"]).check()
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez un jour")
        later_day_link(page).click()
        page.get_by_role("radio").last.check()
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Vos coordonnées")
        page.get_by_label("Nom et prénom").fill("Lou Sansscript")
        page.get_by_label("Adresse e-mail").fill(f"sans-js-{uuid.uuid4().hex[:8]}@example.org")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Confirmer le rendez-vous").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rendez-vous confirmé")
        expect(page.locator(".rdv-code-value")).to_have_text(re.compile(r"[A-Z0-9]{8}"))
        page.get_by_role("link", name="Gérer mon rendez-vous : annuler, déplacer").click()
        page.get_by_role("link", name="Annuler le rendez-vous").click()
        page.get_by_role("button", name="Oui, annuler le rendez-vous").click()
        expect(page.get_by_text("Ce rendez-vous est annulé.", exact=True)).to_be_visible()
    finally:
        context.close()
