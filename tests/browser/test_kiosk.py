"""The kiosk as visitors use it, on a 1920x1080 touch screen: walk-in tickets, priority, printer failure,
appointment check-in, closed screen, Arabic, larger text; axe-core and a layout check on every screen.

Each kiosk runs in its own browser context (its own device cookie). Screenshots go to
docs/screenshots/kiosk-<screen>.png.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import qrcode
import requests
from playwright.sync_api import Page, Route, expect
from qrcode.util import MODE_8BIT_BYTE, QRData

from ..live_server import set_demo_hours
from .axe import check_axe

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
MIN_TARGET_PX = 60
PRINTED = "Prenez votre ticket imprimé ci-dessous."
PRINT_FAILED = "Le ticket n'a pas pu être imprimé."
CAF_LABEL = "Allocations familiales et aide au logement"
UNKNOWN_CODE_MESSAGE = "Ce code de rendez-vous est inconnu. Vérifiez-le ou adressez-vous à l'accueil."


# --- helpers shared with test_kiosk_keyboard.py ---------------------------------------------------


def enrol(browser: Any, live_server: Any, name: str, printer_url: str | None = None) -> dict[str, Any]:
    """Enrol a kiosk the way an installer does (one-time link, "Enregistrer"); return its cookies."""
    args = ["device", "enroll", "--site", "demo", "--kind", "kiosk", "--name", name]
    if printer_url:
        args += ["--printer-url", printer_url]
    link = live_server.cli(*args).strip().splitlines()[-1]
    assert link.startswith(f"{live_server.url}/enroll/"), link
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer cet appareil")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"{live_server.url}/kiosk/demo")
        expect(page.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
        return context.storage_state()
    finally:
        context.close()


def new_kiosk_page(browser: Any, state: dict[str, Any], viewport: tuple[int, int] = LANDSCAPE) -> Page:
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        locale="fr-FR",
        # The kiosk PC's own zone is not the site's (Europe/Paris): every time shown must be the site's.
        timezone_id="UTC",
        storage_state=state,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


ISSUED: list[int] = []  # ids of the tickets the kiosk tests issued, cancelled when their module ends


def record(ticket: dict[str, Any]) -> dict[str, Any]:
    ISSUED.append(int(ticket["id"]))
    return ticket


@pytest.fixture(scope="module")
def always_open(live_server: Any) -> Iterator[None]:  # the shared one, plus the kiosk tests' clean-up
    """The demo site open whatever the time of the run; afterwards its queues and hours as found.

    Other browser tests call the next ticket at a counter and expect their own: no ticket of ours may
    stay waiting.
    """
    set_demo_hours(live_server.env, open_always=True)
    yield
    failed = []
    for ticket_id in ISSUED:
        resp = requests.post(
            f"{live_server.url}/api/v1/tickets/{ticket_id}/cancel",
            json={},
            headers={"Authorization": f"Bearer {live_server.agent_token}"},
            timeout=10,
        )
        if resp.status_code != 200:
            failed.append(f"{ticket_id}: {resp.status_code} {resp.text[:200]}")
    ISSUED.clear()
    set_demo_hours(live_server.env, open_always=False)
    assert not failed, f"could not cancel the tickets issued by the kiosk tests: {failed}"


@pytest.fixture(scope="module")
def kiosk_state(browser: Any, live_server: Any, always_open: None) -> dict[str, Any]:
    """The cookies of one enrolled kiosk (virtual printer), reused by tests in fresh contexts."""
    return enrol(browser, live_server, "Borne essais")


@pytest.fixture
def open_kiosk(browser: Any, live_server: Any, kiosk_state: dict[str, Any]) -> Iterator[Callable[..., Page]]:
    """open_kiosk(path="/kiosk/demo", viewport=LANDSCAPE, state=None) -> a page in its own context."""
    pages: list[Page] = []

    def _open(
        path: str = "/kiosk/demo", viewport: tuple[int, int] = LANDSCAPE, state: dict[str, Any] | None = None
    ) -> Page:
        page = new_kiosk_page(browser, state or kiosk_state, viewport)
        pages.append(page)
        page.goto(live_server.url + path)
        return page

    yield _open
    for page in pages:
        page.context.close()


def demo_appointment_codes(live_server: Any) -> list[tuple[str, str]]:
    """(code, service label) of today's booked demo appointments.

    `guichet demo` reprints the codes still booked, and books two new ones when none is left.
    """
    out = live_server.cli("demo")
    section = out.split("Today's demo appointments", 1)
    assert len(section) == 2, f"no demo appointments in:\n{out}"
    found = re.findall(r"^\s+\d\d:\d\d\s+([A-Z0-9]{8})\s+(.+?)\s*$", section[1], re.MULTILINE)
    assert found, f"no appointment code in:\n{out}"
    return found


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tracking_token(ticket: dict[str, Any]) -> str:
    return str(ticket["tracking_url"]).rstrip("/").rsplit("/", 1)[-1]


def public_status(live_server: Any, ticket: dict[str, Any]) -> dict[str, Any]:
    resp = requests.get(f"{live_server.url}/api/v1/tickets/{tracking_token(ticket)}", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def waiting_counts(live_server: Any) -> dict[str, int]:
    resp = requests.get(f"{live_server.url}/api/v1/sites/demo/services", timeout=10)
    assert resp.status_code == 200, resp.text
    return {sv["code"]: sv["waiting"] for sv in resp.json()["services"]}


def current_screen(page: Page) -> Any:
    return page.locator("section.screen:not([hidden])")


def choose_category(page: Page, code: str) -> None:
    page.locator(f'button.tile[data-go="category-{code}"]').click()
    expect(page.locator(f"#screen-category-{code}")).to_be_visible()


def issue_from_priority_screen(page: Page, reason: str = "") -> dict[str, Any]:
    """Press a priority choice ("" = "Non, ticket normal"); return the kiosk's answer (ticket JSON)."""
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/tickets")) as info:
        page.locator(f'#screen-priority button[data-priority="{reason}"]').click()
    assert info.value.status == 201, info.value.text()
    body = info.value.json()
    record(body["ticket"])
    expect(page.locator("#screen-ticket")).to_be_visible()
    return body


DRAWN_QR = """() => {
    const svg = document.querySelector('#t-qr svg'), path = svg && svg.querySelector('path');
    return svg && {viewBox: svg.getAttribute('viewBox'), d: path ? path.getAttribute('d') : ''};
}"""


def drawn_qr_modules(page: Page) -> list[str]:
    """The module matrix of the QR code the kiosk drew in #t-qr ("1" = dark), without its quiet zone."""
    drawn = page.evaluate(DRAWN_QR)
    assert drawn, "no SVG in #t-qr"
    x0, y0, width, height = (int(v) for v in drawn["viewBox"].split())
    assert (x0, y0) == (0, 0) and width == height, drawn["viewBox"]
    dark: set[tuple[int, int]] = set()

    def run(m: re.Match[str]) -> str:
        x, y, length = int(m[1]), int(m[2]), int(m[3])
        dark.update((x + i, y) for i in range(length))
        return ""

    rest = re.sub(r"M(\d+) (\d+)h(\d+)v1h-\3z", run, drawn["d"])
    assert dark and not rest, f"the QR path is not made of module runs: {rest[:80]!r}"
    # The finder pattern's top-left module is dark: it marks where the quiet zone ends.
    margin = min(x for x, _ in dark)
    assert margin == min(y for _, y in dark) and margin >= 2, f"quiet zone of {margin} modules"
    cells = range(margin, width - margin)
    return ["".join("1" if (x, y) in dark else "0" for x in cells) for y in cells]


def reference_qr_modules(text: str, mask: int) -> list[str]:
    """Python's qrcode for the same text (bytes, error correction M) with a given mask pattern."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask)
    code.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return ["".join("1" if dark else "0" for dark in row) for row in code.get_matrix()]


def assert_qr_encodes(modules: list[str], text: str) -> None:
    """The matrix is the QR code of text. Each library picks its own mask pattern by its own scoring, so
    the drawn one must equal the reference with one of the 8 masks (the format bits name it)."""
    matching = [mask for mask in range(8) if reference_qr_modules(text, mask) == modules]
    assert len(matching) == 1, (
        f"the {len(modules)}x{len(modules)} QR code drawn is not the QR code of {text!r} (level M)"
    )


@pytest.fixture(scope="module")
def printerless_state(browser: Any, live_server: Any, always_open: None) -> dict[str, Any]:
    """The cookies of a kiosk whose printer never answers: its tickets are virtual tickets."""
    return enrol(browser, live_server, "Borne sans imprimante", f"tcp://127.0.0.1:{closed_port()}")


def issue_virtual_ticket(page: Page) -> dict[str, Any]:
    """A CPAM ticket on a printerless kiosk, its virtual ticket shown; return the kiosk's answer."""
    choose_category(page, "sante")
    current_screen(page).locator('button[data-service="CPAM"]').click()
    body = issue_from_priority_screen(page, "")
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
    expect(page.locator("#t-print")).to_have_text(PRINT_FAILED, timeout=5_000)
    expect(page.locator("#t-virtual")).to_be_visible()
    return body


@contextmanager
def site_closed_now(live_server: Any) -> Iterator[str]:
    """Opening hours that exclude the current time every day; always open again afterwards."""
    now = datetime.now(ZoneInfo("Europe/Paris"))
    opens, closes = ("18:00", "19:00") if now.hour < 12 else ("06:00", "07:00")
    live_server.cli("site", "hours", "demo", "--set", f"mon-sun={opens}-{closes}")
    try:
        yield opens
    finally:
        live_server.cli("site", "hours", "demo", "--clear")


LAYOUT = """(min) => {
    const root = document.documentElement;
    const out = {scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight,
                 width: innerWidth, height: innerHeight, small: [], clipped: []};
    for (const el of document.querySelectorAll('button, a[href], input')) {
        if (el.offsetParent === null) continue;
        const r = el.getBoundingClientRect();
        const name = (el.getAttribute('aria-label') || el.textContent || el.id).trim().slice(0, 40);
        if (r.width < min || r.height < min) {
            out.small.push(`${name} ${Math.round(r.width)}x${Math.round(r.height)}`);
        }
        if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
            out.clipped.push(name);
        }
    }
    return out;
}"""


def check_layout(page: Page, label: str) -> None:
    """The screen fits without scrolling, targets are at least 60 px, no text overflows its button."""
    m = page.evaluate(LAYOUT, MIN_TARGET_PX)
    assert m["scrollWidth"] <= m["width"], (
        f"{label}: horizontal scrolling ({m['scrollWidth']} > {m['width']})"
    )
    assert m["scrollHeight"] <= m["height"], (
        f"{label}: the visitor must scroll ({m['scrollHeight']} > {m['height']})"
    )
    assert not m["small"], f"{label}: touch targets under {MIN_TARGET_PX} px: {m['small']}"
    assert not m["clipped"], f"{label}: text overflows its control: {m['clipped']}"


# --- the flows -----------------------------------------------------------------------------------


@pytest.mark.viewport(*LANDSCAPE)
def test_touch_flow_enrol_category_service_normal_ticket_printed_then_home(
    browser, live_server, always_open
) -> None:
    before = waiting_counts(live_server)
    state = enrol(browser, live_server, "Borne parcours")
    page = new_kiosk_page(browser, state)
    try:
        page.goto(f"{live_server.url}/kiosk/demo")
        expect(page.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
        expect(page.locator("#screen-home button.tile")).to_have_count(9)  # 8 categories + appointment
        expect(page.locator("#screen-home").get_by_role("button", name="J'ai un rendez-vous")).to_be_visible()

        page.get_by_role("button", name="Famille, logement, allocations").click()
        expect(page.get_by_role("heading", level=1, name="Famille, logement, allocations")).to_be_visible()
        service = current_screen(page).locator('button[data-service="CAF"]')
        waiting = before["CAF"]
        count = {0: "Aucune personne", 1: "1 personne"}.get(waiting, f"{waiting} personnes")
        expect(service).to_contain_text(CAF_LABEL)
        expect(service).to_contain_text(f"{count} en attente · Attente estimée\u00a0: ")

        service.click()
        expect(page.get_by_role("heading", level=1, name="Avez-vous droit à une priorité ?")).to_be_visible()
        expect(current_screen(page)).to_contain_text("L241-3")

        body = issue_from_priority_screen(page, "")
        number = body["ticket"]["number"]
        assert re.fullmatch(r"F\d{3}", number), number
        expect(page.locator("#t-number")).to_have_text(number)
        expect(page.locator("#t-service")).to_have_text(CAF_LABEL)
        expect(page.locator("#t-position")).to_have_text(
            re.compile(r"^(Vous êtes le prochain dans la file\.|\d+ personnes avant vous\.)$")
        )
        # A no-break space before the colon: the line never breaks before ":".
        expect(page.locator("#t-wait")).to_have_text(re.compile(r"^Attente estimée\u00a0: .*minutes$"))
        expect(page.locator("#t-print")).to_have_text(PRINTED)
        expect(page.locator("#t-virtual")).to_be_hidden()  # printed: no virtual ticket to confuse

        status = public_status(live_server, body["ticket"])
        assert (status["number"], status["service"], status["status"]) == (number, "CAF", "waiting")
        assert status["position"] == body["ticket"]["position"]
        assert waiting_counts(live_server)["CAF"] == waiting + 1

        page.get_by_role("button", name="Terminé").click()
        page.wait_for_url(f"{live_server.url}/kiosk/demo")
        expect(page.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
    finally:
        page.context.close()


def test_priority_cmi_choice_issues_a_ticket_ahead_of_normal_tickets(open_kiosk, live_server) -> None:
    normal = requests.post(
        f"{live_server.url}/api/v1/sites/demo/tickets",
        json={"service": "JUSTICE"},
        headers={"Authorization": f"Bearer {live_server.kiosk_token}"},
        timeout=10,
    )
    assert normal.status_code == 201, normal.text
    record(normal.json())
    normal_position = public_status(live_server, normal.json())["position"]

    page = open_kiosk()
    choose_category(page, "justice")
    current_screen(page).locator('button[data-service="JUSTICE"]').click()
    cmi = page.get_by_role("button", name=re.compile(r"^Oui : Carte mobilité inclusion"))
    expect(cmi).to_be_visible()
    body = issue_from_priority_screen(page, "cmi")

    assert re.fullmatch(r"J\d{3}", body["ticket"]["number"])
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
    expect(page.locator("#t-position")).to_have_text("Vous êtes le prochain dans la file.")
    assert public_status(live_server, body["ticket"])["position"] == 1
    # The walk-in ticket issued before it is now behind it.
    assert public_status(live_server, normal.json())["position"] == normal_position + 1


def test_printer_offline_ticket_still_issued_and_virtual_ticket_shows_the_qr_of_its_tracking_link(
    browser, live_server, printerless_state, screenshot
) -> None:
    page = new_kiosk_page(browser, printerless_state)
    try:
        page.goto(f"{live_server.url}/kiosk/demo")
        body = issue_virtual_ticket(page)
        number, url = body["ticket"]["number"], body["ticket"]["tracking_url"]
        assert "qr_svg" not in body, "the server draws the kiosk's QR code again"
        assert url == f"{live_server.url}/t/{tracking_token(body['ticket'])}"

        qr = page.locator("#t-qr svg")
        expect(qr).to_be_visible()
        expect(qr).to_have_attribute("role", "img")
        expect(qr).to_have_attribute("aria-label", re.compile(rf"{number}$"))
        box = qr.bounding_box()
        assert box and box["width"] >= 200 and box["height"] >= 200, f"QR code too small to scan: {box}"
        assert_qr_encodes(drawn_qr_modules(page), url)
        expect(page.locator("#t-virtual")).to_contain_text("Scannez ce code avec votre téléphone")

        status = public_status(live_server, body["ticket"])
        assert (status["number"], status["status"]) == (number, "waiting")
        screenshot(page, "kiosk-ticket-virtual")
        check_axe(page, "kiosk ticket screen, virtual ticket (printer offline)")
        check_layout(page, "ticket-virtual")
    finally:
        page.context.close()


def test_virtual_ticket_without_the_qr_library_shows_the_tracking_link_as_text(
    browser, live_server, printerless_state
) -> None:
    page = new_kiosk_page(browser, printerless_state)
    try:
        blocked: list[str] = []

        def refuse(route: Route) -> None:
            blocked.append(route.request.url)
            route.abort()

        page.route("**/vendor/qrcode-generator.js", refuse)
        page.goto(f"{live_server.url}/kiosk/demo")
        body = issue_virtual_ticket(page)
        assert blocked, "the kiosk page did not load the QR library from our static files"
        expect(page.locator("#t-qr svg")).to_have_count(0)
        expect(page.locator("#t-qr .qr-text")).to_have_text(body["ticket"]["tracking_url"])
        check_layout(page, "ticket-virtual without QR library")
    finally:
        page.context.close()


def test_checkin_keypad_wrong_code_french_alert_then_right_code_gives_ticket(open_kiosk, live_server) -> None:
    code, label = demo_appointment_codes(live_server)[0]
    page = open_kiosk()
    page.locator("#screen-home").get_by_role("button", name="J'ai un rendez-vous").click()
    expect(page.get_by_role("heading", level=1, name="J'ai un rendez-vous")).to_be_visible()
    error = page.locator("#checkin-error")
    expect(error).to_have_attribute("role", "alert")
    keypad = page.get_by_role("group", name="Clavier")
    field = page.get_by_label("Code de rendez-vous")

    page.get_by_role("button", name="Valider").click()
    expect(error).to_have_text("Tapez ou scannez votre code de rendez-vous.")

    for ch in "ABCDEFGH":  # well formed, but nobody booked it
        keypad.get_by_role("button", name=ch, exact=True).click()
    expect(field).to_have_value("ABCDEFGH")
    page.get_by_role("button", name="Valider").click()
    expect(error).to_have_text(UNKNOWN_CODE_MESSAGE)
    expect(current_screen(page)).to_have_id("screen-checkin")

    erase = keypad.get_by_role("button", name="Effacer le dernier caractère")
    for _ in range(8):
        erase.click()
    expect(field).to_have_value("")
    for ch in code:
        keypad.get_by_role("button", name=ch, exact=True).click()
    expect(field).to_have_value(code)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/kiosk/demo/checkin")) as info:
        page.get_by_role("button", name="Valider").click()
    assert info.value.status == 201, info.value.text()
    body = info.value.json()
    record(body["ticket"])
    expect(page.get_by_role("heading", level=1, name="Votre numéro")).to_be_visible()
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
    expect(page.locator("#t-service")).to_have_text(label)
    assert re.fullmatch(r"[XY]\d{3}", body["ticket"]["number"]), body["ticket"]
    assert public_status(live_server, body["ticket"])["status"] == "waiting"


def test_closed_screen_outside_hours_shows_next_opening_and_hours_table(open_kiosk, live_server) -> None:
    with site_closed_now(live_server) as opens:
        page = open_kiosk()
        expect(page.get_by_role("heading", level=1, name="L'accueil est fermé")).to_be_visible()
        expect(page.locator("#screen-closed .lead")).to_have_text(re.compile(rf"^Ouvre .+ à {opens}$"))
        table = page.get_by_role("table", name="Horaires d'ouverture")
        expect(table.get_by_role("row")).to_have_count(7)
        for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"):
            expect(table.get_by_role("row", name=re.compile(day))).to_contain_text(opens)
        expect(page.locator("button.tile, button.service")).to_have_count(0)  # no ticket while closed


def test_arabic_page_is_rtl_and_tiles_still_issue_a_ticket(open_kiosk) -> None:
    page = open_kiosk("/kiosk/demo?lang=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    tiles = page.locator("#screen-home button.tile")
    first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
    assert first and second and first["x"] > second["x"], "tiles do not run right to left"
    h1 = page.locator("#h-home").bounding_box()
    assert h1 and h1["x"] + h1["width"] > 1920 / 2, "the heading is not aligned to the right"

    choose_category(page, "famille")
    service = current_screen(page).locator('button[data-service="CAF"]')
    expect(service).to_contain_text("المنح العائلية ومساعدة السكن")
    service.click()
    expect(page.locator("#screen-priority")).to_be_visible()
    body = issue_from_priority_screen(page, "")
    expect(page.locator("#t-number")).to_have_text(body["ticket"]["number"])
    expect(page.locator("#t-service")).to_have_text("المنح العائلية ومساعدة السكن")
    expect(page.locator("#t-print")).to_have_text(re.compile("[\u0600-\u06ff]"))  # in Arabic, not French


def test_ticket_with_one_person_ahead_says_1_personne_in_the_singular(open_kiosk, live_server) -> None:
    ahead = requests.post(
        f"{live_server.url}/api/v1/sites/demo/tickets",
        json={"service": "ELECTIONS"},
        headers={"Authorization": f"Bearer {live_server.kiosk_token}"},
        timeout=10,
    )
    assert ahead.status_code == 201, ahead.text
    record(ahead.json())
    assert public_status(live_server, ahead.json())["position"] == 1, "ELECTIONS must start empty"
    page = open_kiosk()
    choose_category(page, "mairie")
    current_screen(page).locator('button[data-service="ELECTIONS"]').click()
    body = issue_from_priority_screen(page, "")
    assert body["ticket"]["position"] == 2
    expect(page.locator("#t-position")).to_have_text("1 personne avant vous.", timeout=1_000)


def test_checkin_error_on_an_arabic_kiosk_is_in_arabic(open_kiosk) -> None:
    page = open_kiosk("/kiosk/demo?lang=ar")
    page.locator('#screen-home button[data-go="checkin"]').click()
    page.locator("#checkin-code").fill("ZZZZ2222")
    page.locator('#checkin-form button[type="submit"]').click()
    error = page.locator("#checkin-error")
    expect(error).to_have_text(re.compile(r"^[^A-Za-z]*[\u0600-\u06ff][^A-Za-z]*$"))  # Arabic, no French


def test_larger_text_toggle_is_pressed_and_enlarges_the_root_font(open_kiosk) -> None:
    page = open_kiosk()
    size = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    normal = page.evaluate(size)
    toggle = page.get_by_role("button", name="Texte plus grand")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    large = page.evaluate(size)
    assert large >= normal * 1.25, (normal, large)
    choose_category(page, "papiers")  # stays large on the next screen
    assert page.evaluate(size) == large
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(size) == normal

    audio = page.get_by_role("button", name="Lecture à voix haute")
    expect(audio).to_have_attribute("aria-pressed", "false")
    audio.click()
    expect(audio).to_have_attribute("aria-pressed", "true")


# --- every screen: axe-core, layout, screenshot ---------------------------------------------------


def _home(page: Page) -> None:
    expect(page.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()


def _category(page: Page) -> None:
    choose_category(page, "papiers")


def _priority(page: Page) -> None:
    choose_category(page, "famille")
    current_screen(page).locator('button[data-service="CAF"]').click()
    expect(page.locator("#screen-priority")).to_be_visible()


def _ticket(page: Page) -> None:
    _priority(page)
    issue_from_priority_screen(page, "")
    expect(page.locator("#t-print")).to_have_text(PRINTED)


def _checkin_error(page: Page) -> None:
    page.locator('#screen-home button[data-go="checkin"]').click()
    for ch in "ZZZZ2222":
        page.locator(f'.key[data-key="{ch}"]').click()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#checkin-error")).to_have_text(UNKNOWN_CODE_MESSAGE)


def _home_ar(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def _home_large(page: Page) -> None:
    page.get_by_role("button", name="Texte plus grand").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge\b"))


def _category_large(page: Page) -> None:
    _home_large(page)
    choose_category(page, "mairie")  # the category with the most services


def _checkin_large(page: Page) -> None:
    _home_large(page)
    _checkin_error(page)


SCREENS = {
    # name: (path, viewport, how to get there)
    "home": ("/kiosk/demo", LANDSCAPE, _home),
    "category": ("/kiosk/demo", LANDSCAPE, _category),
    "priority": ("/kiosk/demo", LANDSCAPE, _priority),
    "ticket": ("/kiosk/demo", LANDSCAPE, _ticket),
    "checkin": ("/kiosk/demo", LANDSCAPE, _checkin_error),
    "home-ar": ("/kiosk/demo?lang=ar", LANDSCAPE, _home_ar),
    "home-large": ("/kiosk/demo", LANDSCAPE, _home_large),
    "category-large": ("/kiosk/demo", LANDSCAPE, _category_large),
    "checkin-large": ("/kiosk/demo", LANDSCAPE, _checkin_large),
    "home-portrait": ("/kiosk/demo", PORTRAIT, _home),
}


@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_has_no_axe_violation_and_fits_without_scrolling(open_kiosk, screenshot, name: str) -> None:
    path, viewport, reach = SCREENS[name]
    page = open_kiosk(path, viewport)
    reach(page)
    screenshot(page, f"kiosk-{name}")
    check_axe(page, f"kiosk screen {name}")
    check_layout(page, name)


def test_closed_screen_has_no_axe_violation_and_fits_without_scrolling(
    open_kiosk, live_server, screenshot
) -> None:
    with site_closed_now(live_server):
        page = open_kiosk()
        expect(page.locator("#screen-closed")).to_be_visible()
        screenshot(page, "kiosk-closed")
        check_axe(page, "kiosk screen closed")
        check_layout(page, "closed")


def paris_minutes_around_now() -> set[str]:
    now = datetime.now(ZoneInfo("Europe/Paris"))
    return {(now + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}


def test_the_kiosk_clock_shows_the_site_time_not_the_pc_zone(open_kiosk: Callable[..., Page]) -> None:
    page = open_kiosk()
    clock = page.locator("#clock")
    expect(clock).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
    assert clock.inner_text() in paris_minutes_around_now(), clock.inner_text()
