"""The agent workstation /counter on the live server, as demo agents use it: by mouse, by keyboard
alone, live between two agents over Socket.IO, axe-core on every screen and dialog, and the layout
on 1280x800, 1920x1080 and at 200 % zoom.

Tickets are issued through the API with the kiosk's token, as the kiosk would. Every test starts and
ends with the demo site drained (held tickets finished, parked ones released, waiting ones called and
finished, every counter closed), so the next test and the other modules find it clean.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from guichet.services.demo import DEMO_PASSWORD

from .axe import check_axe

LANDSCAPE = (1920, 1080)


# --- the API side ----------------------------------------------------------------------------------


class Site:
    """The demo site through the API: the kiosk issues, the manager looks and cleans up."""

    def __init__(self, live_server: Any) -> None:
        self.live = live_server

    def _call(
        self, method: str, path: str, token: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        return requests.request(
            method,
            f"{self.live.url}/api/v1{path}",
            json=body if method != "GET" else None,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def get(self, path: str) -> Any:
        resp = self._call("GET", path, self.live.agent_token)
        assert resp.status_code == 200, f"GET {path}: {resp.status_code} {resp.text}"
        return resp.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self._call("POST", path, self.live.agent_token, body or {})
        assert resp.status_code in (200, 201, 204), f"POST {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.status_code != 204 else None

    def issue(self, service: str = "CAF", **extra: Any) -> dict[str, Any]:
        resp = self._call("POST", "/sites/demo/tickets", self.live.kiosk_token, {"service": service, **extra})
        assert resp.status_code == 201, resp.text
        return resp.json()

    def counters(self) -> dict[int, dict[str, Any]]:
        """Counter number -> Counter."""
        return {c["number"]: c for c in self.get("/sites/demo/counters")["counters"]}

    def current(self, counter_number: int) -> dict[str, Any] | None:
        return self.get(f"/counters/{self.counters()[counter_number]['id']}/current")["ticket"]

    def waiting(self) -> dict[str, int]:
        return {s["code"]: s["waiting"] for s in self.get("/sites/demo/board")["services"] if s["waiting"]}

    def _finish(self, ticket: dict[str, Any]) -> None:
        if ticket["status"] == "called":
            self.post(f"/tickets/{ticket['id']}/start")
        self.post(f"/tickets/{ticket['id']}/finish", {"outcome": "resolved"})

    def drain(self) -> None:
        """Held tickets finished, parked ones released, every counter closed, the queues called empty."""
        counters = self.counters().values()
        for c in counters:
            if c["ticket"]:
                self._finish(self.get(f"/counters/{c['id']}/current")["ticket"])
        for t in self.get("/sites/demo/parked")["tickets"]:
            self.post(f"/tickets/{t['id']}/unpark")
        for c in counters:
            if c["status"] != "closed":  # releases the tickets transferred to that counter
                self.post(f"/counters/{c['id']}/status", {"status": "closed"})
        for c in counters:  # the manager may call at any counter, each serving its own services
            for _ in range(200):
                ticket = self.post(f"/counters/{c['id']}/call-next")
                if ticket is None:
                    break
                self._finish(ticket)
        for c in self.counters().values():  # calling seated the manager: stand up again
            if c["status"] != "closed":
                self.post(f"/counters/{c['id']}/status", {"status": "closed"})
        assert self.waiting() == {}, f"tickets still waiting after the clean-up: {self.waiting()}"


@pytest.fixture
def site(live_server: Any, always_open: None) -> Iterator[Site]:
    s = Site(live_server)
    s.drain()
    yield s
    s.drain()


BOOK = """
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo
from sqlalchemy import select
from guichet.cli import _context
from guichet.models import Appointment, Service, Site, User
from guichet.services.checkin import new_booking_code
from guichet.services.context import utcnow

service_code, username, minutes = sys.argv[1], sys.argv[2], int(sys.argv[3])
_app, ctx = _context()

def work(s, _events):
    site = s.scalar(select(Site).where(Site.slug == "demo"))
    service = s.scalar(select(Service).where(Service.site_id == site.id, Service.code == service_code))
    expert = s.scalar(select(User).where(User.username == username))
    # Off the demo's 10-minute grid, so it never collides with the expert's demo appointments; on
    # the site's local today (near midnight a few minutes ago, which is still on time to check in).
    zone = ZoneInfo(site.timezone)
    now = utcnow().replace(microsecond=0)
    start = now + timedelta(minutes=minutes, seconds=17)
    if start.astimezone(zone).date() != now.astimezone(zone).date():
        start = now - timedelta(minutes=minutes, seconds=17)
    appt = Appointment(site_id=site.id, service_id=service.id, expert_id=expert.id, starts_at=start,
                       duration_min=30, code=new_booking_code(), status="booked", created_at=utcnow())
    s.add(appt)
    s.flush()
    return appt.code, start.isoformat()

print(*ctx.transact(work))
"""


BACKDATE = """
import sys
from datetime import timedelta
from guichet.cli import _context
from guichet.models import Ticket

ticket_id, minutes = int(sys.argv[1]), int(sys.argv[2])
_app, ctx = _context()

def work(s, _events):
    ticket = s.get(Ticket, ticket_id)
    ticket.arrived_at = ticket.arrived_at - timedelta(minutes=minutes)

ctx.transact(work)
"""


def backdate(live_server: Any, ticket: dict[str, Any], minutes: int) -> None:
    """The citizen arrived MINUTES earlier (a live server's clock cannot be moved)."""
    proc = subprocess.run(
        [sys.executable, "-c", BACKDATE, str(ticket["id"]), str(minutes)],
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def book_appointment(live_server: Any, service: str, expert: str, minutes: int) -> tuple[str, datetime]:
    """An appointment with an expert in a few minutes (no booking command exists for agents' tests)."""
    proc = subprocess.run(
        [sys.executable, "-c", BOOK, service, expert, str(minutes)],
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    code, starts_at = proc.stdout.split()
    start = datetime.fromisoformat(starts_at)
    return code, start if start.tzinfo else start.replace(tzinfo=UTC)


# --- the browser side ------------------------------------------------------------------------------


def sign_in(page: Page, live_server: Any, username: str) -> None:
    """Open /counter, get sent to the sign-in form, sign in, come back to a loaded workstation."""
    page.goto(f"{live_server.url}/counter")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)counter$"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/counter")
    loaded(page)


def loaded(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-loads", re.compile(r"^[1-9]"))
    expect(page.locator("body")).to_have_attribute("data-connection", "online")


def current(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#current")


def alert(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#c-alert")


def new_agent_page(browser: Browser, viewport: tuple[int, int] = (1280, 800)) -> Page:
    context = browser.new_context(
        # The agent's PC in another zone than the site's (Europe/Paris): the page shows the site's times.
        viewport={"width": viewport[0], "height": viewport[1]},
        locale="fr-FR",
        timezone_id="UTC",
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def second_agent(browser: Browser) -> Iterator[Callable[[], Page]]:
    pages: list[Page] = []

    def _open() -> Page:
        pages.append(new_agent_page(browser))
        return pages[-1]

    yield _open
    for p in pages:
        p.context.close()


def focused_text(page: Page) -> str:
    """The focused element's accessible words: its aria-label, else its text."""
    return str(
        page.evaluate(
            "(() => { const e = document.activeElement; if (!e) return '';"
            " return (e.getAttribute('aria-label') || e.textContent).trim(); })()"
        )
    )


def tab_to(page: Page, pattern: str, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element's text matches: the keyboard-only way."""
    wanted = re.compile(pattern)
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if wanted.search(focused_text(page)):
            return
    raise AssertionError(f"no focusable element matching {pattern!r} within {limit} Tab presses")


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


# --- the agent flow by mouse --------------------------------------------------------------------


def test_agent_flow_by_mouse_call_recall_start_finish_park_transfer_escalate_walk_in_pause_close(
    page: Page, live_server: Any, site: Site, screenshot: Callable[..., Any]
) -> None:
    plain = site.issue("CAF")
    priority = site.issue("CAF", priority=True, priority_reason="cmi")

    sign_in(page, live_server, "agent1")
    chooser = page.locator("#chooser")
    expect(chooser.get_by_role("heading", name="Choisissez votre guichet")).to_be_visible()
    expect(chooser.get_by_role("row", name=re.compile("Guichet 1"))).to_contain_text("Libre")
    check_axe(page, "counter chooser")
    screenshot(page, "counter-chooser")

    chooser.get_by_role("button", name="S'installer à Guichet 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Poste d'accueil — Guichet 1")
    expect(page.locator("#counter-state")).to_have_text("Ouvert")
    expect(page.locator("#board-counters")).to_contain_text("Guichet 1 — Vous")

    # Call next: the legal priority goes first, marked in words, not only in colour.
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(priority["number"])
    expect(page.locator("#t-state")).to_have_text("Appelé")
    expect(page.locator("#t-priority")).to_contain_text("Prioritaire — Carte mobilité inclusion")
    expect(page.locator("#t-service")).to_have_text("Allocations familiales et aide au logement")
    expect(page.locator("#c-status")).to_have_text(f"{priority['number']} appelé à Guichet 1.")
    expect(page.get_by_role("button", name="Appeler le suivant")).to_be_disabled()

    # No-show only after a recall, and the page says why.
    absent = page.get_by_role("button", name="Absent")
    expect(absent).to_be_disabled()
    expect(page.locator("#noshow-hint")).to_have_text(
        "« Absent » se débloque après les rappels : 0 sur 1 faits."
    )
    page.get_by_role("button", name="Rappeler").click()
    expect(page.locator("#t-recalls")).to_have_text("1")
    expect(absent).to_be_enabled()
    expect(page.locator("#noshow-hint")).to_be_hidden()

    page.get_by_role("button", name="Commencer").click()
    expect(page.locator("#t-state")).to_have_text("En cours de service")
    expect(page.locator("#t-elapsed-label")).to_have_text("En service depuis")
    expect(page.get_by_role("button", name="Commencer")).to_be_hidden()

    # An API refusal is shown in French, and the ticket is still there.
    page.get_by_role("button", name="Mettre en pause").click()
    expect(alert(page)).to_have_text(
        re.compile(r"Ce guichet a déjà un ticket en cours \(" + priority["number"])
    )
    expect(page.locator("#t-number")).to_have_text(priority["number"])
    expect(page.locator("#board-counters")).to_contain_text(
        f"ticket {priority['number']} (En cours de service)"
    )
    check_axe(page, "workstation serving a ticket")
    screenshot(page, "counter")

    # Finish: the outcome is mandatory.
    page.get_by_role("button", name="Terminer…").click()
    finish = page.get_by_role("dialog", name=re.compile("Terminer le ticket"))
    expect(finish).to_be_visible()
    finish.get_by_role("button", name="Terminer", exact=True).click()
    expect(finish.get_by_role("alert")).to_have_text("Choisissez le résultat de la visite.")
    finish.get_by_label("Résolu").check()
    finish.get_by_label("Note (facultative)").fill("Attestation imprimée")
    finish.get_by_role("button", name="Terminer", exact=True).click()
    expect(finish).to_be_hidden()
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#c-status")).to_have_text(f"{priority['number']} terminé.")
    expect(alert(page)).to_be_empty()
    assert site.current(1) is None

    # Park, then resume from the list of parked tickets.
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(plain["number"])
    page.get_by_role("button", name="Mettre de côté").click()
    expect(page.locator("#current-empty")).to_be_visible()
    parked = page.locator("#parked-list")
    expect(parked).to_contain_text(plain["number"])
    parked.get_by_role("button", name=f"Reprendre {plain['number']}").click()
    expect(page.locator("#t-number")).to_have_text(plain["number"])
    expect(page.locator("#t-state")).to_have_text("En cours de service")
    expect(page.locator("#parked-empty")).to_be_visible()

    # Transfer to another service, placed first: it comes back as a transferred ticket.
    page.get_by_role("button", name="Transférer…").click()
    transfer = page.get_by_role("dialog", name=re.compile("Transférer le ticket"))
    expect(transfer).to_be_visible()
    transfer.get_by_label("Un service").check()
    transfer.get_by_label("Service", exact=True).select_option(label="Assurance maladie, carte Vitale")
    transfer.get_by_label("En premier").check()
    transfer.get_by_role("button", name="Transférer", exact=True).click()
    expect(transfer).to_be_hidden()
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.locator("#board-services [data-service=CPAM]")).to_contain_text("1")
    assert site.waiting() == {"CPAM": 1}
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(plain["number"])
    expect(page.locator("#t-service")).to_have_text("Assurance maladie, carte Vitale")
    expect(page.locator("#t-transfer")).to_have_text("Ticket transféré (placé en premier)")
    page.get_by_role("button", name="Commencer").click()

    # Escalate to level 2: services, description, contact only with consent; the case comes back.
    page.get_by_role("button", name="Terminer…").click()
    expect(finish).to_be_visible()
    expect(finish.locator("#escalation")).to_be_hidden()
    finish.get_by_label("Transmis au niveau 2").check()
    expect(finish.locator("#escalation")).to_be_visible()
    finish.get_by_label("Conseiller CAF (sur rendez-vous)").check()
    finish.get_by_label("Conseiller fiscal (sur rendez-vous)").check()
    finish.get_by_label("Description de la demande").fill("Trop-perçu CAF et avis d'impôt à rapprocher")
    finish.get_by_label("Nom", exact=True).fill("Jeanne Martin")
    finish.get_by_label("Adresse e-mail").fill("jeanne.martin@example.org")
    check_axe(page, "finish dialog with the escalation part")
    finish.evaluate("dialog => { dialog.scrollTop = 0; }")
    screenshot(page, "counter-finish")
    finish.get_by_role("button", name="Terminer", exact=True).click()
    expect(finish.get_by_role("alert")).to_have_text(
        "Les coordonnées ne peuvent être enregistrées qu'avec l'accord de la personne."
    )
    finish.get_by_label("La personne accepte que ses coordonnées soient enregistrées").check()
    finish.get_by_role("button", name="Terminer", exact=True).click()
    expect(finish).to_be_hidden()
    notice = page.locator("#case-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(
        re.compile(r"Dossier de niveau 2 N2-\d+ ouvert : réponse attendue avant le ")
    )
    reference = re.search(r"N2-\d+", notice.inner_text())
    assert reference
    cases = [c for c in site.get("/cases?status=all")["cases"] if c["reference"] == reference.group(0)]
    assert len(cases) == 1
    case = cases[0]
    assert {s["code"] for s in case["services"]} == {"EXPERT_CAF", "EXPERT_IMPOTS"}
    assert case["contact"]["name"] == "Jeanne Martin" and case["ticket"] == plain["number"]
    # The agent can book the expert appointment at once: the booking pages carry the case.
    book = notice.get_by_role("link", name="Prendre rendez-vous avec un expert pour ce dossier")
    assert book.get_attribute("href") == f"/rdv/demo?case={case['id']}"
    landing = page.request.get(page.url.split("/counter", 1)[0] + book.get_attribute("href"))
    assert landing.ok and f"rattaché au dossier n° {case['id']}" in landing.text()
    # And any appointment for a citizen on the phone, from the navigation.
    nav = page.get_by_role("navigation").get_by_role("link", name="Prendre un rendez-vous pour un usager")
    expect(nav).to_have_attribute("href", "/rdv/demo")

    # A visitor without a ticket: a number, served at once.
    page.get_by_role("button", name="Accueillir sans ticket").click()
    walk_in = page.get_by_role("dialog", name="Accueillir sans ticket")
    expect(walk_in).to_be_visible()
    walk_in.get_by_label("Service").select_option(label="Retraite")
    walk_in.get_by_role("button", name="Accueillir", exact=True).click()
    expect(walk_in).to_be_hidden()
    expect(notice).to_be_hidden()
    expect(page.locator("#t-number")).to_have_text(re.compile(r"^R\d{3}$"))
    expect(page.locator("#t-state")).to_have_text("En cours de service")
    expect(page.locator("#t-transfer")).to_have_text("Accueilli sans ticket")
    page.get_by_role("button", name="Terminer…").click()
    finish.get_by_label("Résolu").check()
    finish.get_by_role("button", name="Terminer", exact=True).click()
    expect(page.locator("#current-empty")).to_be_visible()

    # Pause: calling is off, and the page says why; resume; close returns to the chooser.
    page.get_by_role("button", name="Mettre en pause").click()
    expect(page.locator("#counter-state")).to_have_text("En pause")
    expect(page.get_by_role("button", name="Appeler le suivant")).to_be_disabled()
    expect(page.locator("#call-hint")).to_have_text(
        "Le guichet est en pause : reprenez le service pour appeler."
    )
    page.get_by_role("button", name="Reprendre le service").click()
    expect(page.locator("#counter-state")).to_have_text("Ouvert")
    expect(page.get_by_role("button", name="Appeler le suivant")).to_be_enabled()
    page.get_by_role("button", name="Fermer le guichet").click()
    expect(chooser).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Poste d'accueil")
    expect(chooser.get_by_role("row", name=re.compile("Guichet 1"))).to_contain_text("Fermé")
    assert site.counters()[1]["agent"] is None


def test_an_empty_queue_says_so_and_a_no_show_is_recorded(page: Page, live_server: Any, site: Site) -> None:
    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#c-status")).to_have_text("Personne n'attend pour les services de ce guichet.")
    expect(page.locator("#current-empty")).to_be_visible()

    ticket = site.issue("IMPOTS")
    expect(page.locator("#board-services [data-service=IMPOTS]")).to_contain_text("1")  # pushed, not polled
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(ticket["number"])
    page.get_by_role("button", name="Rappeler").click()
    expect(page.locator("#t-recalls")).to_have_text("1")
    page.get_by_role("button", name="Absent").click()
    expect(page.locator("#c-status")).to_have_text(f"{ticket['number']} noté absent.")
    expect(page.locator("#current-empty")).to_be_visible()
    status = requests.get(ticket["tracking_url"].replace("/t/", "/api/v1/tickets/"), timeout=10).json()
    assert status["status"] == "no_show"


def test_a_ticket_from_an_appointment_shows_the_appointment(page: Page, live_server: Any, site: Site) -> None:
    code, starts_at = book_appointment(live_server, "EXPERT_CAF", "expert1", minutes=5)
    checked_in = requests.post(
        f"{live_server.url}/kiosk/demo/checkin",
        json={"code": code},
        headers={"Authorization": f"Bearer {live_server.kiosk_token}"},
        timeout=10,
    )
    assert checked_in.status_code in (200, 201), checked_in.text
    sign_in(page, live_server, "expert1")  # a checked-in appointment is called by its own expert
    page.get_by_role("button", name="S'installer à Bureau 5 — conseillers experts").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-service")).to_have_text("Conseiller CAF (sur rendez-vous)")
    local = starts_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    expect(page.locator("#t-appointment-text")).to_have_text(
        f"Rendez-vous à {local} (30 min), code {code} avec Claude Expert"
    )


def test_the_board_marks_tickets_over_their_target_in_words(page: Page, live_server: Any, site: Site) -> None:
    late = site.issue("CAF")  # the demo's CAF target is 15 min
    site.issue("CAF")
    site.issue("CPAM")
    backdate(live_server, late, 40)
    sign_in(page, live_server, "agent2")
    row = page.locator("#board-services [data-service=CAF]")
    expect(row).to_have_class(re.compile(r"\bc-over\b"))
    expect(row).to_contain_text("⚠ 1 au-delà de 15 min")
    expect(row.locator("td").nth(0)).to_have_text("2")
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^4\d min$"))
    other = page.locator("#board-services [data-service=CPAM]")
    expect(other).not_to_have_class(re.compile(r"\bc-over\b"))
    expect(other).not_to_contain_text("au-delà")
    expect(page.locator("#board-summary")).to_have_text(
        "3 en attente · 1 au-delà de l'objectif · 0 mis de côté"
    )
    check_axe(page, "board with a ticket over its target")


# --- the same flow by keyboard alone ------------------------------------------------------------


def test_agent_flow_by_keyboard_alone(page: Page, live_server: Any, site: Site) -> None:
    first = site.issue("CAF")
    second = site.issue("CAF")
    kb = page.keyboard

    page.goto(f"{live_server.url}/counter")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_label("Identifiant")).to_be_focused()  # autofocus
    kb.type("agent1")
    kb.press("Tab")
    kb.type(DEMO_PASSWORD)
    kb.press("Enter")
    page.wait_for_url(f"{live_server.url}/counter")
    loaded(page)

    tab_to(page, r"^S'installer à Guichet 1$")
    kb.press("Enter")
    expect(page.get_by_role("button", name="Appeler le suivant")).to_be_focused()

    # The shortcuts listed on the page, and announced to assistive technologies.
    expect(page.locator(".c-shortcuts")).to_contain_text("Appeler le suivant")
    expect(page.get_by_role("button", name="Appeler le suivant")).to_have_attribute(
        "aria-keyshortcuts", "N Space"
    )

    kb.press("n")
    expect(page.locator("#t-number")).to_have_text(first["number"])
    expect(page.get_by_role("button", name="Commencer")).to_be_focused()  # the next step
    kb.press("a")  # no-show before any recall: refused, and said
    expect(page.locator("#c-status")).to_contain_text("« Absent » se débloque après les rappels")
    expect(page.locator("#t-number")).to_have_text(first["number"])
    kb.press("r")
    expect(page.locator("#t-recalls")).to_have_text("1")
    kb.press("c")
    expect(page.locator("#t-state")).to_have_text("En cours de service")
    expect(page.get_by_role("button", name="Terminer…")).to_be_focused()

    # A dialog opens with the focus inside, Escape closes it and gives the focus back.
    kb.press("t")
    transfer = page.get_by_role("dialog", name=re.compile("Transférer le ticket"))
    expect(transfer).to_be_visible()
    expect(transfer.get_by_label("Un service")).to_be_focused()
    kb.press("Escape")
    expect(transfer).to_be_hidden()
    expect(page.get_by_role("button", name="Transférer…")).to_be_focused()

    # Finish: pick the outcome with the arrow keys, write a note, submit with Enter on the button.
    kb.press("f")
    finish = page.get_by_role("dialog", name=re.compile("Terminer le ticket"))
    expect(finish).to_be_visible()
    expect(finish.get_by_label("Résolu")).to_be_focused()
    kb.press("Space")
    expect(finish.get_by_label("Résolu")).to_be_checked()
    kb.press("Tab")
    expect(finish.get_by_label("Note (facultative)")).to_be_focused()
    kb.type("Renseigné au guichet")
    tab_to(finish.page, r"^Terminer$")
    kb.press("Enter")
    expect(finish).to_be_hidden()
    expect(page.locator("#current-empty")).to_be_visible()
    expect(page.get_by_role("button", name="Appeler le suivant")).to_be_focused()

    # Space calls too when no control has the focus; park with P, resume from the list with Enter.
    page.evaluate("document.activeElement.blur()")
    kb.press("Space")
    expect(page.locator("#t-number")).to_have_text(second["number"])
    kb.press("p")
    expect(page.locator("#parked-list")).to_contain_text(second["number"])
    tab_to(page, rf"^Reprendre {second['number']}$")
    # Someone else's news reloads the page's data: the focus stays on the same button.
    loads = page.locator("body").get_attribute("data-loads")
    site.issue("POSTE")
    expect(page.locator("#board-services [data-service=POSTE]")).to_contain_text("1")
    expect(page.locator("body")).not_to_have_attribute("data-loads", loads or "")
    expect(page.get_by_role("button", name=f"Reprendre {second['number']}")).to_be_focused()
    kb.press("Enter")
    expect(page.locator("#t-number")).to_have_text(second["number"])
    expect(page.locator("#t-state")).to_have_text("En cours de service")

    # Walk-in needs a free counter: S is refused while a ticket is held, then finish and close.
    kb.press("f")
    expect(finish).to_be_visible()
    kb.press("ArrowDown")  # radio group: the arrow moves and checks
    expect(finish.get_by_label("Orienté vers un partenaire")).to_be_checked()
    tab_to(finish.page, r"^Terminer$")
    kb.press("Enter")
    expect(finish).to_be_hidden()
    expect(page.locator("#current-empty")).to_be_visible()

    kb.press("s")
    walk_in = page.get_by_role("dialog", name="Accueillir sans ticket")
    service = walk_in.get_by_label("Service")
    expect(service).to_be_focused()
    tab_to(page, r"^Accueillir$")
    kb.press("Enter")  # submitting without a service is refused inside the dialog, focus on the field
    expect(walk_in.get_by_role("alert")).to_have_text("Choisissez un service.")
    expect(service).to_be_focused()
    kb.type("Retraite")  # a closed <select> picks an option by typing its first letters
    expect(service).to_have_value("RETRAITE")
    tab_to(page, r"^Accueillir$")
    kb.press("Enter")
    expect(walk_in).to_be_hidden()
    expect(page.locator("#t-number")).to_have_text(re.compile(r"^R\d{3}$"))
    kb.press("f")
    expect(finish).to_be_visible()
    kb.press("Space")
    tab_to(page, r"^Terminer$")
    kb.press("Enter")
    expect(finish).to_be_hidden()
    expect(page.locator("#current-empty")).to_be_visible()

    tab_to(page, r"^Fermer le guichet$", backwards=True)
    kb.press("Enter")
    expect(page.locator("#chooser")).to_be_visible()
    expect(page.get_by_role("heading", name="Choisissez votre guichet")).to_be_focused()


# --- live between two agents ----------------------------------------------------------------------


def test_a_call_at_one_workstation_reaches_the_other_agents_board_without_reload(
    page: Page, live_server: Any, site: Site, second_agent: Callable[[], Page]
) -> None:
    ticket = site.issue("CAF")
    other = second_agent()
    sign_in(other, live_server, "agent2")
    other.get_by_role("button", name="S'installer à Guichet 2").click()
    expect(other.locator("#board-services [data-service=CAF]")).to_contain_text("1")
    other.evaluate("window.__sameDocument = true")

    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(ticket["number"])

    board = other.locator("#board-counters")
    expect(board.locator("li", has_text="Guichet 1")).to_contain_text(
        f"Camille Agent · ticket {ticket['number']} (Appelé)", timeout=3000
    )
    expect(other.locator("#board-services [data-service=CAF]")).to_have_count(0)
    expect(other.locator("#board-empty")).to_have_text("Personne n'attend.")

    # Transfer to the other agent's counter: only that counter gets it.
    page.get_by_role("button", name="Transférer…").click()
    transfer = page.get_by_role("dialog", name=re.compile("Transférer le ticket"))
    transfer.get_by_label("Un guichet").check()
    transfer.get_by_label("Guichet", exact=True).select_option(label="Guichet 2")
    transfer.get_by_role("button", name="Transférer", exact=True).click()
    expect(transfer).to_be_hidden()
    expect(other.locator("#board-services [data-service=CAF]")).to_contain_text("1", timeout=3000)
    other.get_by_role("button", name="Appeler le suivant").click()
    expect(other.locator("#t-number")).to_have_text(ticket["number"])
    expect(other.locator("#t-transfer")).to_have_text("Ticket transféré")
    expect(board.locator("li", has_text="Guichet 2")).to_contain_text(ticket["number"])
    assert other.evaluate("window.__sameDocument === true")


def test_the_workstation_says_when_it_is_offline_and_reloads_when_back(
    page: Page, live_server: Any, site: Site
) -> None:
    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    loads = int(page.locator("body").get_attribute("data-loads") or 0)
    page.context.set_offline(True)
    page.evaluate("window.guichetCounterSocket.io.engine.close()")  # the network dropped the socket
    expect(page.locator("#c-connection")).to_have_text(re.compile("Hors ligne"))
    ticket = site.issue("CAF")
    page.context.set_offline(False)
    expect(page.locator("#c-connection")).to_have_text("En ligne", timeout=15000)
    expect(page.locator("body")).not_to_have_attribute("data-loads", str(loads))
    expect(page.locator("#board-services [data-service=CAF]")).to_contain_text("1")
    assert ticket["number"]


# --- accessibility and layout ---------------------------------------------------------------------


def test_every_dialog_passes_axe_and_closes_with_escape(page: Page, live_server: Any, site: Site) -> None:
    site.issue("CAF")
    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    page.get_by_role("button", name="Commencer").click()
    for opener, name in (
        ("Transférer…", re.compile("Transférer le ticket")),
        ("Terminer…", re.compile("Terminer le ticket")),
    ):
        page.get_by_role("button", name=opener).click()
        dialog = page.get_by_role("dialog", name=name)
        expect(dialog).to_be_visible()
        check_axe(page, f"dialog {opener}")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.get_by_role("button", name=opener)).to_be_focused()
    page.get_by_role("button", name="Terminer…").click()
    page.get_by_label("Résolu").check()
    page.get_by_role("dialog").get_by_role("button", name="Terminer", exact=True).click()
    expect(page.locator("#current-empty")).to_be_visible()
    page.get_by_role("button", name="Accueillir sans ticket").click()
    dialog = page.get_by_role("dialog", name="Accueillir sans ticket")
    expect(dialog).to_be_visible()
    check_axe(page, "walk-in dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    check_axe(page, "workstation without a ticket")


def test_the_workstation_fits_an_agents_1280x800_screen(page: Page, live_server: Any, site: Site) -> None:
    site.issue("CAF", priority=True, priority_reason="pregnancy")
    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-priority")).to_contain_text("Femme enceinte")
    no_horizontal_scroll(page)
    for name in ("Appeler le suivant", "Commencer", "Rappeler", "Mettre de côté", "Remettre en file"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box and box["y"] + box["height"] <= 800, f"{name!r} is below the fold: {box}"
    board = page.locator(".c-board").bounding_box()
    call = page.get_by_role("button", name="Appeler le suivant").bounding_box()
    assert board and call and board["x"] > call["x"] + call["width"], "the board is beside the workstation"
    assert call["height"] >= 80, "the call button is the largest target"


@pytest.mark.viewport(*LANDSCAPE)
def test_the_workstation_on_a_1920x1080_screen(
    page: Page, live_server: Any, site: Site, screenshot: Callable[..., Any]
) -> None:
    for service in ("CAF", "CAF", "CPAM", "ANTS_ID"):
        site.issue(service)
    sign_in(page, live_server, "agent1")
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_have_text(re.compile(r"^[ACFM]\d{3}$"))
    number = page.locator("#t-number").inner_text()
    expect(page.locator("#board-counters")).to_contain_text(f"Guichet 1 — Vous · ticket {number} (Appelé)")
    no_horizontal_scroll(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 1080, f"the workstation scrolls on a 1920x1080 screen ({height}px)"
    screenshot(page, "counter-1920")


@pytest.mark.viewport(640, 400)
def test_the_workstation_reflows_at_200_percent_zoom(page: Page, live_server: Any, site: Site) -> None:
    """1280x800 at 200 % zoom is a 640x400 CSS viewport: one column, nothing cut, nothing sideways."""
    site.issue("CAF")
    sign_in(page, live_server, "agent1")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="S'installer à Guichet 1").click()
    page.get_by_role("button", name="Appeler le suivant").click()
    expect(page.locator("#t-number")).to_be_visible()
    no_horizontal_scroll(page)
    call = page.get_by_role("button", name="Appeler le suivant").bounding_box()
    current_box = page.locator("#current").bounding_box()
    assert call and current_box and current_box["y"] >= call["y"] + call["height"], "one column"
    page.get_by_role("button", name="Commencer").click()
    page.get_by_role("button", name="Terminer…").click()
    page.get_by_label("Transmis au niveau 2").check()
    dialog = page.get_by_role("dialog")
    no_horizontal_scroll(page)
    submit = dialog.get_by_role("button", name="Terminer", exact=True)
    expect(submit).to_be_in_viewport()  # the dialog's buttons stay reachable (sticky, inside the dialog)


def test_the_board_time_is_the_site_time_on_a_pc_in_another_zone(
    page: Page, live_server: Any, site: Site
) -> None:
    sign_in(page, live_server, "agent1")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
    updated = page.locator("#board-updated")
    expect(updated).to_have_text(re.compile(r"^Mis à jour à \d\d:\d\d$"))  # 24-hour, no AM/PM
    now = datetime.now(ZoneInfo("Europe/Paris"))
    around = {(now + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}
    assert updated.inner_text().removeprefix("Mis à jour à ") in around, updated.inner_text()
