"""The level-2 expert page and the managers' staff page in Chromium, on the live demo server.

An agent escalates a visit to a case touching two services (through the API, as the workstation does);
the first service's expert reads it on /expert, with its countdown, and contributes; the second
service's expert contributes (the first expert's page hears it over Socket.IO); the grouped answer
closes the case. A manager sees an overdue case stand out. The staff page changes a counter's and an
agent's services, seen through the API. Both pages by keyboard alone, and axe-core on each.

Whatever a test changes (counters occupied, counters' and agents' services) is put back when it ends;
the cases it opens stay (nothing else on the demo site reads them).
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from .axe import check_axe

PASSWORD = "guichet-demo"  # guichet/services/demo.py
CAF, IMPOTS = "EXPERT_CAF", "EXPERT_IMPOTS"
CAF_LABEL, IMPOTS_LABEL = "Conseiller CAF (sur rendez-vous)", "Conseiller fiscal (sur rendez-vous)"
ESCALATING_COUNTER = 3  # Guichet 3 serves IMPOTS; agent2 sits there for the escalations
LIVE_UPDATE_MS = 5000


class Api:
    """The REST API with the demo accounts' bearer tokens (one per user, created once)."""

    def __init__(self, live_server: Any) -> None:
        self.live = live_server
        self.tokens: dict[str, str] = {"manager": live_server.agent_token}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            out = self.live.cli("token", "create", "--kind", "agent", "--user", username)
            self.tokens[username] = out.strip()
        return self.tokens[username]

    def call(self, method: str, path: str, who: str, body: Any = None, expect_status: int = 200) -> Any:
        resp = requests.request(
            method,
            f"{self.live.url}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token(who)}"},
            timeout=10,
        )
        assert resp.status_code == expect_status, f"{method} {path} as {who}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    def escalate(self, services: list[str], description: str, contact: dict[str, str] | None) -> dict:
        """agent2 serves a walk-in at their counter and finishes it escalated: the case is opened."""
        counter = f"/counters/{ESCALATING_COUNTER}"
        self.call("POST", f"{counter}/occupy", "agent2", {})
        ticket = self.call("POST", f"{counter}/walk-in", "agent2", {"service": "IMPOTS"}, expect_status=201)
        case_in = {
            "services": services,
            "description": description,
            "consent": contact is not None,
            "contact": contact,
        }
        try:
            done = self.call(
                "POST", f"/tickets/{ticket['id']}/finish", "agent2", {"outcome": "escalated", "case": case_in}
            )
        except AssertionError:
            self.call("POST", f"/tickets/{ticket['id']}/finish", "agent2", {"outcome": "resolved"})
            raise
        finally:
            self.call("POST", f"{counter}/status", "agent2", {"status": "closed"})
        assert done["status"] == "done" and done["case"]["status"] == "open"
        return done["case"]

    def open_case(self, services: list[str], description: str) -> dict:
        """A case opened without a ticket (a phone call escalated)."""
        return self.call(
            "POST",
            "/sites/demo/requests",
            "agent2",
            {
                "channel": "phone",
                "services": services,
                "summary": description,
                "consent": False,
                "contact": None,
            },
            expect_status=201,
        )["case"]

    def case(self, case_id: int, who: str = "manager") -> dict:
        return self.call("GET", f"/cases/{case_id}", who)


@pytest.fixture(scope="module")
def api(live_server: Any, always_open: None) -> Api:
    return Api(live_server)


OVERDUE = """
import sys
from datetime import datetime
from guichet.cli import _context
from guichet.models import Case

_app, ctx = _context()

def work(s, _events):
    s.get(Case, int(sys.argv[1])).due_at = datetime.fromisoformat(sys.argv[2])

ctx.transact(work)
"""


def make_overdue(live_server: Any, case_id: int, hours: float) -> None:
    """Move a case's deadline into the past (no API sets a deadline: it comes from the services' SLA)."""
    due = datetime.now(UTC) - timedelta(hours=hours)
    done = subprocess.run(
        [sys.executable, "-c", OVERDUE, str(case_id), due.isoformat()],
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def sign_in(page: Page, live_server: Any, username: str, path: str) -> None:
    """Open a staff page without a session: the sign-in form comes first, then the page itself."""
    page.goto(f"{live_server.url}{path}")
    expect(page).to_have_url(re.compile(r"/login\?next=" + re.escape(path) + "$"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def case_link(page: Page, reference: str):  # type: ignore[no-untyped-def]
    return page.locator("#case-list a.case-link", has_text=reference)


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return {id: e.id, tag: e.tagName, text: (e.textContent || '').trim().slice(0, 80),
                           href: e.getAttribute('href'), outline: s.outlineStyle, width: s.outlineWidth}; }"""
    )


def tab_to(page: Page, matches, limit: int = 150, key: str = "Tab") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element satisfies `matches`; its focus must be visible on the way."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if now["tag"] not in ("BODY", "MAIN") and now["id"] != "detail-title":
            assert now["outline"] != "none" and now["width"] != "0px", f"invisible focus on {now}"
        if matches(now):
            return now
    raise AssertionError(f"never reached the element after {limit} presses of {key}")


# --- the expert page ---------------------------------------------------------------------------------


def test_an_anonymous_visitor_signs_in_before_the_expert_page(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/expert")
    expect(page).to_have_url(f"{live_server.url}/login?next=/expert")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion des agents")


def test_two_services_contribute_then_one_grouped_answer_closes_the_case(
    browser: Any, page: Page, live_server: Any, api: Api
) -> None:
    marker = uuid.uuid4().hex[:8]
    case = api.escalate(
        [CAF, IMPOTS],
        f"Changement de situation familiale ({marker}) : quotient familial et impôts à revoir.",
        {"name": "Mme Durand", "email": "durand@example.org", "phone": "06 12 34 56 78"},
    )
    ref = case["reference"]

    sign_in(page, live_server, "expert1", "/expert")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers de niveau 2")
    link = case_link(page, ref)
    expect(link).to_be_visible()
    # 72 h from now, shown to the minute as days and hours.
    expect(link.locator(".due")).to_have_text(re.compile(r"Reste 2\xa0j\xa023\xa0h|Reste 3\xa0j\xa00\xa0h"))
    expect(link).to_contain_text("Contributions : 0 sur 2")

    link.click()
    expect(page).to_have_url(re.compile(rf"#case-{case['id']}$"))
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", level=2)).to_have_text(f"Dossier {ref}")
    expect(page.locator("#detail-description")).to_contain_text(marker)
    expect(page.locator("#detail-contact")).to_contain_text("Mme Durand")  # consented: shown
    expect(page.locator("#detail-contact a[href='mailto:durand@example.org']")).to_be_visible()
    expect(page.locator("#detail-ticket")).to_have_text(re.compile(r"^I\d{3}$"))
    answer_button = page.get_by_role("button", name="Envoyer la réponse groupée et clore le dossier")
    expect(answer_button).to_be_disabled()
    expect(page.locator("#answer-missing")).to_have_text(
        re.compile(re.escape(f"{CAF_LABEL}, {IMPOTS_LABEL}"))
    )
    check_axe(page, "expert page, case open")

    # The CAF expert may not write the tax service's part: the server's French refusal is shown.
    page.get_by_label("Service", exact=True).select_option(IMPOTS)
    page.get_by_label("Votre contribution").fill("Je ne suis pas conseiller fiscal.")
    page.get_by_role("button", name="Enregistrer la contribution").click()
    expect(page.locator("#contribute-error")).to_have_text("Ce dossier est suivi par un autre expert.")
    assert api.case(case["id"])["services"][1]["contribution"] is None

    page.get_by_label("Service", exact=True).select_option(CAF)
    page.get_by_label("Votre contribution").fill("Quotient familial recalculé à compter de mars.")
    page.get_by_role("button", name="Enregistrer la contribution").click()
    expect(page.locator("#contribute-status")).to_have_text(f"Contribution enregistrée pour {CAF_LABEL}.")
    caf_item = page.locator("#detail-services li", has_text=CAF_LABEL)
    expect(caf_item).to_contain_text("Contribution reçue le")
    expect(caf_item).to_contain_text("Quotient familial recalculé")
    expect(page.locator("#answer-missing")).to_have_text(
        re.compile(re.escape(f"Contributions manquantes : {IMPOTS_LABEL}."))
    )
    expect(answer_button).to_be_disabled()
    expect(case_link(page, ref)).to_contain_text("Contributions : 1 sur 2")

    # A page out of step (the button forced on): the server refuses with 409 and its French message.
    page.evaluate("document.getElementById('answer-submit').disabled = false")
    page.get_by_label("Réponse à l'usager").fill("Trop tôt.")
    answer_button.click()
    expect(page.locator("#answer-error")).to_have_text(
        "La réponse groupée attend encore la contribution de : Conseiller fiscal (sur rendez-vous)."
    )
    expect(answer_button).to_be_disabled()  # the page reloaded the case
    assert api.case(case["id"])["status"] == "open"

    # The tax expert contributes from their own browser; the first page hears it and enables the answer.
    other = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    try:
        page2 = other.new_page()
        sign_in(page2, live_server, "expert2", "/expert")
        case_link(page2, ref).click()
        expect(page2.get_by_label("Service", exact=True)).to_have_value(IMPOTS)
        page2.get_by_label("Votre contribution").fill(
            "Aucun impôt supplémentaire : déclaration rectificative."
        )
        page2.get_by_role("button", name="Enregistrer la contribution").click()
        expect(page2.locator("#contribute-status")).to_have_text(
            f"Contribution enregistrée pour {IMPOTS_LABEL}."
        )
    finally:
        other.close()
    expect(answer_button).to_be_enabled(timeout=LIVE_UPDATE_MS)
    expect(page.locator("#answer-missing")).to_have_text(
        "Tous les services ont contribué : la réponse groupée peut être envoyée."
    )
    expect(page.locator("#detail-services li", has_text=IMPOTS_LABEL)).to_contain_text("Sacha Experte")

    page.get_by_label("Réponse à l'usager").fill(
        "Madame, votre quotient familial est recalculé depuis mars ; aucun impôt supplémentaire."
    )
    answer_button.click()
    expect(page.locator("#detail-answer")).to_be_visible()
    expect(page.locator("#detail-status")).to_have_text("Répondu")
    expect(page.locator("#detail-answer-meta")).to_contain_text("par Claude Expert")
    exchange = page.locator("#detail-messages li")
    expect(exchange).to_have_count(1)  # the exchange with the citizen starts with the answer sent
    expect(exchange).to_contain_text("par Claude Expert")
    expect(exchange).to_contain_text("votre quotient familial est recalculé")
    expect(page.locator("#answer-form")).to_be_hidden()
    expect(page.locator("#announce")).to_have_text(f"Réponse groupée envoyée : le dossier {ref} est clos.")
    expect(case_link(page, ref)).to_have_count(0)  # no longer among the open cases
    closed = api.case(case["id"])
    assert closed["status"] == "answered" and closed["answered_by"]["name"] == "Claude Expert"
    assert closed["answer"].startswith("Madame, votre quotient familial")

    page.get_by_role("radio", name="Répondus").check()
    expect(case_link(page, ref)).to_contain_text("dans le délai")
    check_axe(page, "expert page, answered case")


def test_a_manager_sees_overdue_cases_first_and_standing_out(
    page: Page, live_server: Any, api: Api, screenshot: Any
) -> None:
    marker = uuid.uuid4().hex[:8]
    late = api.open_case([CAF], f"Droits APL après déménagement ({marker}), appel téléphonique.")
    on_time = api.escalate([IMPOTS], f"Avis d'imposition contesté ({marker}).", None)
    make_overdue(live_server, late["id"], hours=5)
    assert api.case(late["id"])["overdue"] is True

    sign_in(page, live_server, "manager", "/expert")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers de niveau 2 du site")
    first = page.locator("#case-list a.case-link").first
    expect(first).to_contain_text(late["reference"])
    # In words, with an icon, and by its style: never by colour alone.
    expect(first.locator(".due")).to_have_text(re.compile(r"En retard de 5\xa0h\xa0\d+\xa0min"))
    expect(first.locator(".due svg[aria-hidden='true']")).to_have_count(1)
    expect(first).to_have_css("border-top-width", "3px")
    on_time_link = case_link(page, on_time["reference"])
    expect(on_time_link.locator(".due")).to_have_text(re.compile(r"^\s*Reste "))
    expect(on_time_link).to_have_css("border-top-width", "2px")
    expect(page.locator("#cases-summary")).to_have_text(re.compile(r"dont en retard : [1-9]\d*"))

    first.click()
    expect(page.locator("#detail-deadline")).to_have_text(re.compile(r"En retard de 5\xa0h"))
    expect(page.locator("#detail-contact")).to_contain_text(
        "pas donné son accord"
    )  # no contact without consent
    expect(page.locator("#detail-ticket")).to_have_text("Aucun (demande reçue hors accueil)")
    check_axe(page, "expert page, manager, overdue case open")
    screenshot(page, "expert")

    # The filter: answered cases only, then every case.
    page.get_by_role("radio", name="Répondus").check()
    expect(case_link(page, late["reference"])).to_have_count(0)
    expect(page.locator("#cases-summary")).to_have_text(re.compile(r"^Dossiers répondus : \d+$"))
    page.get_by_role("radio", name="Tous").check()
    expect(case_link(page, late["reference"])).to_have_count(1)
    expect(page.locator("#case-list a.case-link").first).to_contain_text(late["reference"])


def test_the_expert_page_by_keyboard_alone(page: Page, live_server: Any, api: Api) -> None:
    marker = uuid.uuid4().hex[:8]
    case = api.open_case([CAF], f"Question de prime d'activité ({marker}).")
    ref = case["reference"]

    page.goto(f"{live_server.url}/expert")
    page.get_by_label("Identifiant").focus()
    page.keyboard.type("expert1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/expert")
    expect(case_link(page, ref)).to_be_visible()

    tab_to(page, lambda f: f["href"] == f"#case-{case['id']}")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_be_focused()  # the case is read from its title on
    expect(page.locator("#detail-title")).to_have_text(f"Dossier {ref}")

    tab_to(page, lambda f: f["id"] == "contribute-service")
    tab_to(page, lambda f: f["id"] == "contribute-text")
    page.keyboard.type("Prime recalculée, versement le 5.")
    tab_to(page, lambda f: f["text"] == "Enregistrer la contribution")
    page.keyboard.press("Enter")
    expect(page.locator("#contribute-status")).to_have_text(f"Contribution enregistrée pour {CAF_LABEL}.")

    tab_to(page, lambda f: f["id"] == "answer-text")
    page.keyboard.type("Votre prime d'activité est recalculée ; versement le 5.")
    tab_to(page, lambda f: f["id"] == "answer-submit")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-status")).to_have_text("Répondu")
    expect(page.locator("#detail-title")).to_be_focused()
    assert api.case(case["id"])["status"] == "answered"


def test_the_expert_sees_the_day_and_an_empty_answer_is_refused_on_the_page(
    page: Page, live_server: Any, api: Api
) -> None:
    day = api.call("GET", "/experts/me/day", "expert1")
    case = api.open_case([CAF], f"Demande de RSA ({uuid.uuid4().hex[:8]}).")
    sign_in(page, live_server, "expert1", "/expert")
    page.goto(f"{live_server.url}/expert#case-{case['id']}")  # a link straight to the case
    expect(page.locator("#detail-title")).to_have_text(f"Dossier {case['reference']}")
    appointments = page.locator("#appointments-body tr")
    expect(appointments).to_have_count(len(day["appointments"]))
    for appt in day["appointments"]:
        expect(page.locator("#appointments-body")).to_contain_text(appt["code"])
    if not day["appointments"]:
        expect(page.locator("#appointments-empty")).to_be_visible()

    page.get_by_role("button", name="Enregistrer la contribution").click()
    expect(page.locator("#contribute-error")).to_have_text("Écrivez un texte avant d'enregistrer.")
    expect(page.get_by_label("Votre contribution")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Votre contribution")).to_be_focused()
    assert api.case(case["id"])["services"][0]["contribution"] is None


def test_a_new_case_appears_live_and_is_announced(page: Page, live_server: Any, api: Api) -> None:
    sign_in(page, live_server, "expert1", "/expert")
    expect(page.locator("#cases-summary")).to_have_text(re.compile("Dossiers ouverts|Aucun dossier"))
    # Connected, and the reload that follows the connection done: only the hint can bring the case.
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.wait_for_load_state("networkidle")
    case = api.open_case([CAF], f"Nouvelle demande ({uuid.uuid4().hex[:8]}).")
    expect(case_link(page, case["reference"])).to_be_visible(timeout=LIVE_UPDATE_MS)
    expect(page.locator("#announce")).to_have_text("Liste des dossiers mise à jour.")
    expect(page.locator("#connection-text")).to_be_hidden()


# --- the managers' staff page --------------------------------------------------------------------


@pytest.fixture
def restore_staff(api: Api) -> Iterator[None]:
    """Counters' and agents' services put back as they were before the test."""
    counters = api.call("GET", "/sites/demo/counters", "manager")["counters"]
    users = api.call("GET", "/sites/demo/staff", "manager")["users"]
    yield
    for c in counters:
        body = {"services": [{"code": s["code"], "weight": s["weight"]} for s in c["services"]]}
        api.call("PUT", f"/counters/{c['id']}/services", "manager", body)
    for u in users:
        if u["role"] in ("agent", "expert"):
            api.call("PUT", f"/users/{u['id']}/services", "manager", {"services": u["services"]})


def counter_by_number(api: Api, number: int) -> dict:
    return next(
        c for c in api.call("GET", "/sites/demo/counters", "manager")["counters"] if c["number"] == number
    )


def user_by_name(api: Api, username: str) -> dict:
    return next(
        u for u in api.call("GET", "/sites/demo/staff", "manager")["users"] if u["username"] == username
    )


def test_a_manager_changes_a_counters_and_an_agents_services(
    page: Page, live_server: Any, api: Api, restore_staff: None, screenshot: Any
) -> None:
    before = counter_by_number(api, 6)
    assert [s["code"] for s in before["services"]] == ["URBANISME"]
    sign_in(page, live_server, "manager", "/admin/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Services des guichets et des agents")
    row = page.locator(f"form[data-counter='{before['id']}']")
    expect(row.locator("legend")).to_have_text("Bureau 6 — urbanisme")
    check_axe(page, "staff page")
    screenshot(page, "admin-staff")

    row.get_by_label(CAF_LABEL, exact=True).check()
    row.get_by_label(f"poids — {CAF_LABEL}").fill("0")
    expect(row.locator(".form-status")).to_have_text("Modifications non enregistrées.")
    row.get_by_role("button", name="Enregistrer le guichet 6").click()
    expect(row.locator(".s-alert")).to_have_text(
        f"Poids invalide pour {CAF_LABEL} : indiquez un nombre supérieur à 0."
    )
    expect(row.get_by_label(f"poids — {CAF_LABEL}")).to_be_focused()
    assert [s["code"] for s in counter_by_number(api, 6)["services"]] == ["URBANISME"]

    row.get_by_label(f"poids — {CAF_LABEL}").fill("3")
    row.get_by_role("button", name="Enregistrer le guichet 6").click()
    row = page.locator(f"form[data-counter='{before['id']}']")  # redrawn from the server's answer
    expect(row.locator(".form-status")).to_have_text("Guichet 6 enregistré.")
    expect(page.locator("#announce")).to_have_text("Guichet 6 enregistré.")
    after = {s["code"]: s["weight"] for s in counter_by_number(api, 6)["services"]}
    assert after == {"EXPERT_CAF": 3.0, "URBANISME": 1.0}
    expect(row.get_by_label(CAF_LABEL, exact=True)).to_be_checked()
    expect(row.get_by_label(f"poids — {CAF_LABEL}")).to_have_value("3")

    agent = user_by_name(api, "agent2")
    user_row = page.locator(f"form[data-user='{agent['id']}']")
    expect(user_row.locator(".every-service")).to_be_visible()  # nothing ticked: every service
    user_row.get_by_label("Allocations familiales et aide au logement").check()
    expect(user_row.locator(".every-service")).to_be_hidden()
    user_row.get_by_role("button", name="Enregistrer les services de Dominique Agent").click()
    expect(page.locator(f"form[data-user='{agent['id']}'] .form-status")).to_have_text(
        "Services de Dominique Agent enregistrés."
    )
    assert user_by_name(api, "agent2")["services"] == ["CAF"]
    check_axe(page, "staff page after saving")


def test_the_staff_page_by_keyboard_alone(
    page: Page, live_server: Any, api: Api, restore_staff: None
) -> None:
    counter = counter_by_number(api, 6)
    sign_in(page, live_server, "manager", "/admin/staff")
    expect(page.locator(f"form[data-counter='{counter['id']}'] legend")).to_be_visible()

    checkbox_id = (
        page.locator(f"form[data-counter='{counter['id']}']")
        .get_by_label(IMPOTS_LABEL, exact=True)
        .get_attribute("id")
    )
    tab_to(page, lambda f: f["id"] == checkbox_id, limit=400)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the weight, enabled now
    assert focused(page)["id"] == f"{checkbox_id}-weight"
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    tab_to(page, lambda f: f["id"] == f"save-counter-{counter['id']}", limit=60)
    page.keyboard.press("Enter")
    expect(page.locator(f"form[data-counter='{counter['id']}'] .form-status")).to_have_text(
        "Guichet 6 enregistré."
    )
    expect(page.locator(f"#save-counter-{counter['id']}")).to_be_focused()
    after = {s["code"]: s["weight"] for s in counter_by_number(api, 6)["services"]}
    assert after == {"EXPERT_IMPOTS": 2.0, "URBANISME": 1.0}


def test_offline_is_said_discreetly_and_the_page_reloads_on_reconnect(
    page: Page, live_server: Any, api: Api
) -> None:
    sign_in(page, live_server, "expert1", "/expert")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#connection-text")).to_be_hidden()
    page.context.set_offline(True)
    expect(page.locator("#connection-text")).to_have_text("Hors ligne : reconnexion…", timeout=15000)
    case = api.open_case([CAF], f"Pendant la coupure ({uuid.uuid4().hex[:8]}).")
    page.context.set_offline(False)
    expect(page.locator("#connection-text")).to_be_hidden(timeout=15000)
    expect(case_link(page, case["reference"])).to_be_visible()  # reloaded on reconnect
