"""The waiting-room display on a TV: an enrolled display device, calls pushed live over Socket.IO,
seen (number, counter, "Appel") and heard (chime, then the voice in each configured language),
the offline notice, axe-core, and screenshots at 1920x1080 and 1280x720.

Speech is replaced by a recording stub (headless Chromium has no voices): the tests check what would
be said, in which language and in which order. Every ticket a test creates is finished or cancelled
when the test ends, so counters are free and queues empty for the next test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from .axe import check_axe

LANDSCAPE = (1920, 1080)
HD = (1280, 720)
CALL_DEADLINE_MS = 3000
DISPLAY_PATH = "/display/demo"

# Replaces window.speechSynthesis: records utterances, "speaks" each in 30 ms. VOICES is a JSON list
# (null removes speech synthesis altogether, as on a browser without it).
SPEECH_STUB = """
(() => {
  const voices = %(voices)s;
  window.__spoken = [];
  if (voices === null) {
    Object.defineProperty(window, "speechSynthesis", { value: undefined, configurable: true });
    return;
  }
  class Utterance {
    constructor(text) { this.text = text; this.lang = ""; this.voice = null; this.volume = 1; this.rate = 1; }
  }
  const synth = {
    speaking: false, pending: false, paused: false,
    getVoices: () => voices.slice(),
    speak(u) {
      if (String(u.text).trim()) {
        window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice ? u.voice.name : null });
      }
      setTimeout(() => { if (u.onend) u.onend({}); }, 30);
    },
    cancel() {}, pause() {}, resume() {},
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = Utterance;
})();
"""
FR_EN_VOICES = [
    {"name": "Test français", "lang": "fr-FR", "localService": True, "default": True},
    {"name": "Test English", "lang": "en-GB", "localService": True, "default": False},
]


def spoken_number(number: str) -> str:
    """ "F001" is announced "F 1"."""
    m = re.fullmatch(r"([A-Z]+)0*(\d+)", number)
    assert m, number
    return f"{m.group(1)} {int(m.group(2))}"


# --- the API side: tickets issued, called, recalled, and always closed afterwards ----------------


class Desk:
    """Issues tickets (kiosk bearer) and acts on them (agent bearer); closes them all at the end."""

    def __init__(self, live_server: Any) -> None:
        self.live = live_server
        self.tickets: dict[int, dict[str, Any]] = {}

    def _post(self, path: str, token: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.post(
            f"{self.live.url}/api/v1{path}",
            json=body if body is not None else {},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def issue(self, service: str = "CAF") -> dict[str, Any]:
        resp = self._post("/sites/demo/tickets", self.live.kiosk_token, {"service": service})
        assert resp.status_code == 201, resp.text
        ticket = resp.json()
        self.tickets[int(ticket["id"])] = ticket
        return ticket

    def call_next(self, counter: int) -> dict[str, Any]:
        resp = self._post(f"/counters/{counter}/call-next", self.live.agent_token)
        assert resp.status_code == 200, f"counter {counter}: {resp.status_code} {resp.text}"
        return resp.json()

    def act(self, ticket_id: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = self._post(f"/tickets/{ticket_id}/{action}", self.live.agent_token, body)
        assert resp.status_code == 200, f"{action} {ticket_id}: {resp.status_code} {resp.text}"
        return resp.json()

    def set_message(self, message: str) -> None:
        resp = requests.put(
            f"{self.live.url}/api/v1/sites/demo/display-message",
            json={"message": message},
            headers={"Authorization": f"Bearer {self.live.agent_token}"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text

    def status(self, ticket: dict[str, Any]) -> str:
        token = str(ticket["tracking_url"]).rstrip("/").rsplit("/", 1)[-1]
        resp = requests.get(f"{self.live.url}/api/v1/tickets/{token}", timeout=10)
        assert resp.status_code == 200, resp.text
        return str(resp.json()["status"])

    def close_all(self) -> list[str]:
        """Waiting tickets are cancelled, called or served ones finished: queues empty, counters free."""
        failed = []
        for ticket_id, ticket in self.tickets.items():
            try:
                status = self.status(ticket)
                if status == "waiting":
                    self.act(ticket_id, "cancel")
                if status == "called":
                    self.act(ticket_id, "start")
                if status in ("called", "serving"):
                    self.act(ticket_id, "finish", {"outcome": "resolved"})
            except AssertionError as exc:
                failed.append(f"{ticket['number']}: {exc}")
        self.tickets.clear()
        return failed


@pytest.fixture
def desk(live_server: Any, always_open: None) -> Iterator[Desk]:
    d = Desk(live_server)
    yield d
    d.set_message("")
    failed = d.close_all()
    assert not failed, f"could not close the tickets of this test: {failed}"


# --- the display device ---------------------------------------------------------------------------


def enrol_display(
    browser: Any, live_server: Any, name: str, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Enrol a display the way an installer does (one-time link, "Enregistrer"); return its cookies.

    `config` is written into the device's configuration (announcement languages, filters): there is
    no command for it yet, so it goes through the service layer against the same database.
    """
    link = live_server.cli("device", "enroll", "--site", "demo", "--kind", "display", "--name", name)
    link = link.strip().splitlines()[-1]
    assert link.startswith(f"{live_server.url}/enroll/"), link
    if config is not None:
        configure_device(live_server, name, config)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer cet appareil")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"{live_server.url}{DISPLAY_PATH}")
        expect(page.get_by_role("heading", level=1)).to_have_text("France Services de Bourg-Lès-Demo")
        return context.storage_state()
    finally:
        context.close()


CONFIGURE = """
import json, sys
from sqlalchemy import select
from guichet.cli import _context
from guichet.models import Device

name, config = sys.argv[1], json.loads(sys.argv[2])
_app, ctx = _context()

def work(s, _events):
    device = s.scalar(select(Device).where(Device.name == name, Device.kind == "display"))
    device.config = {**(device.config or {}), **config}

ctx.transact(work)
"""


def configure_device(live_server: Any, name: str, config: dict[str, Any]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CONFIGURE, name, json.dumps(config)],
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def display_state(browser: Any, live_server: Any) -> dict[str, Any]:
    return enrol_display(browser, live_server, "Ecran test")


@pytest.fixture(scope="module")
def multilingual_state(browser: Any, live_server: Any) -> dict[str, Any]:
    # Spanish is configured but the test voices have none: it must be skipped rather than mangled.
    return enrol_display(browser, live_server, "Ecran trilingue", {"languages": ["fr", "en", "es"]})


@pytest.fixture
def open_display(
    browser: Any, live_server: Any, display_state: dict[str, Any]
) -> Iterator[Callable[..., Page]]:
    """open_display(viewport=LANDSCAPE, voices=FR_EN_VOICES, state=None) -> a live display page."""
    pages: list[Page] = []

    def _open(
        viewport: tuple[int, int] = LANDSCAPE,
        voices: list[dict[str, Any]] | None = FR_EN_VOICES,
        state: dict[str, Any] | None = None,
        reduced_motion: str = "no-preference",
    ) -> Page:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="fr-FR",
            timezone_id="Europe/Paris",
            storage_state=state or display_state,
            reduced_motion=reduced_motion,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(SPEECH_STUB % {"voices": json.dumps(voices)})
        page = context.new_page()
        pages.append(page)
        page.goto(live_server.url + DISPLAY_PATH)
        expect(page.locator("body")).to_have_attribute("data-snapshots", re.compile(r"^[1-9]"))
        expect(page.locator("body")).to_have_attribute("data-connection", "online")
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        return page

    yield _open
    for page in pages:
        page.context.close()


def spoken(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.__spoken")


def wait_spoken(page: Page, count: int, timeout_ms: int = 5000) -> list[dict[str, Any]]:
    page.wait_for_function("n => window.__spoken.length >= n", arg=count, timeout=timeout_ms)
    return spoken(page)


def expect_current_call(page: Page, number: str, counter: str, recall: bool = False) -> None:
    """The big call, within 3 s: number, counter, the word "Appel" and the thick border."""
    now = page.locator("#now")
    expect(page.locator("#now-number")).to_have_text(number, timeout=CALL_DEADLINE_MS)
    expect(page.locator("#now-counter")).to_have_text(f"→ {counter}", timeout=CALL_DEADLINE_MS)
    expect(page.locator("#now-badge")).to_be_visible(timeout=CALL_DEADLINE_MS)
    expect(page.locator("#now-badge")).to_contain_text("Appel")
    expect(now).to_have_attribute("data-state", "called")
    if recall:
        expect(page.locator("#now-recall")).to_be_visible()
    border = now.evaluate("el => parseFloat(getComputedStyle(el).borderTopWidth)")
    assert border >= 0.012 * page.viewport_size["height"], f"call border only {border}px"
    assert page.evaluate("window.__sameDocument === true"), "the display reloaded to show the call"


# --- tests ------------------------------------------------------------------------------------------


def test_a_call_is_shown_at_once_then_announced_and_a_recall_again(open_display, desk) -> None:
    page = open_display()
    expect(page).to_have_title("Écran d'appel — France Services de Bourg-Lès-Demo")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Priorité aux titulaires de la carte mobilité inclusion (CMI)")).to_be_visible()
    expect(page.locator("#offline-text")).to_be_hidden()

    ticket = desk.issue("CAF")
    called = desk.call_next(2)  # Guichet 2 serves CAF first
    assert called["number"] == ticket["number"], f"counter 2 called {called['number']}, not ours"
    expect_current_call(page, ticket["number"], "Guichet 2")
    said = wait_spoken(page, 1)
    assert said == [
        {
            "text": f"Ticket {spoken_number(ticket['number'])}, guichet 2",
            "lang": "fr-FR",
            "voice": "Test français",
        }
    ]
    check_axe(page, "display, during a call")

    key = page.locator("#now").get_attribute("data-key")
    desk.act(int(ticket["id"]), "recall")
    expect(page.locator("#now")).not_to_have_attribute("data-key", key or "", timeout=CALL_DEADLINE_MS)
    expect_current_call(page, ticket["number"], "Guichet 2", recall=True)
    wait_spoken(page, 2)
    page.wait_for_timeout(1000)  # the snapshots that follow the events must not announce again
    assert [s["text"] for s in spoken(page)] == [f"Ticket {spoken_number(ticket['number'])}, guichet 2"] * 2
    # One line per ticket: the recall moved it back to the top, it is not listed twice.
    expect(page.locator("#history .history-number", has_text=ticket["number"])).to_have_count(0)

    # The highlight ends after highlight_s; the call stays on screen as the last one.
    highlight_s = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).highlight_s")
    expect(page.locator("#now")).to_have_attribute("data-state", "shown", timeout=(highlight_s + 3) * 1000)
    expect(page.locator("#now-badge")).to_be_hidden()
    expect(page.locator("#now-number")).to_have_text(ticket["number"])


def test_simultaneous_calls_are_announced_in_order_in_each_language(
    open_display, desk, multilingual_state
) -> None:
    page = open_display(state=multilingual_state)
    data = json.loads(page.locator("#page-data").text_content() or "{}")
    assert data["languages"] == ["fr", "en", "es"], data
    first, second = desk.issue("ANTS_ID"), desk.issue("CAF")
    calls = [desk.call_next(1), desk.call_next(2)]
    assert {c["number"] for c in calls} == {first["number"], second["number"]}, calls
    expect_current_call(page, calls[1]["number"], "Guichet 2")
    previous = page.locator("#history li").first
    expect(previous).to_contain_text(calls[0]["number"])
    expect(previous).to_contain_text("Guichet 1")
    expect(previous).to_contain_text("Appel")  # called a moment ago: highlighted in the list too
    said = wait_spoken(page, 4)
    expected = []
    for call in calls:
        number, counter = spoken_number(call["number"]), call["counter"]["number"]
        expected += [
            {"text": f"Ticket {number}, guichet {counter}", "lang": "fr-FR", "voice": "Test français"},
            {"text": f"Ticket {number}, counter {counter}", "lang": "en-GB", "voice": "Test English"},
        ]
    assert said == expected
    page.wait_for_timeout(500)
    assert len(spoken(page)) == 4, spoken(page)


def test_without_speech_synthesis_the_call_is_still_shown_and_chimed(open_display, desk) -> None:
    page = open_display(voices=None)
    ticket = desk.issue("CAF")
    desk.call_next(2)
    expect_current_call(page, ticket["number"], "Guichet 2")
    expect(page.locator("body")).to_have_attribute("data-announced", "1")  # the chime step ran


def test_sound_button_when_the_browser_blocks_audio(open_display) -> None:
    """Without --autoplay-policy=no-user-gesture-required the browser keeps sound off until a gesture:
    a focused "Activer le son" button (keyboard too) turns it on, then goes away."""
    page = open_display()
    page.wait_for_timeout(700)
    audio = page.locator("body").get_attribute("data-audio")
    button = page.get_by_role("button", name="Activer le son")
    if audio != "suspended":
        expect(button).to_be_hidden()
        pytest.skip(f"this Chromium starts audio as {audio!r}: no button needed")
    expect(button).to_be_visible()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-audio", "running")
    expect(button).to_be_hidden()


SCREEN_METRICS = """() => {
    const box = document.getElementById('services-box');
    return {
      scroll: document.documentElement.scrollHeight, scrollW: document.documentElement.scrollWidth,
      number: parseFloat(getComputedStyle(document.getElementById('now-number')).fontSize),
      services: parseFloat(getComputedStyle(box).fontSize),
      servicesOverflow: box.scrollHeight - box.clientHeight,
      shownCalls: [...document.querySelectorAll('#history li')].filter(li => !li.hidden).length,
      animation: getComputedStyle(document.getElementById('now')).animationName,
    };
}"""


def test_screens_fit_and_read_from_across_the_room(open_display, desk, screenshot) -> None:
    """A busy morning at 1920x1080 and 1280x720: no scrolling, every service listed, a big number."""
    desk.set_message("Fermeture exceptionnelle à 16 h ce vendredi : merci de votre compréhension.")
    for service in ("ANTS_ID", "ANTS_ID", "CAF", "CAF", "CAF", "IMPOTS", "ETAT_CIVIL", "CPAM", "EMPLOI"):
        desk.issue(service)
    for counter in (1, 2, 3, 4, 1):  # five earlier calls, served
        called = desk.call_next(counter)
        desk.act(int(called["id"]), "start")
        desk.act(int(called["id"]), "finish", {"outcome": "resolved"})
    pages = {
        name: open_display(viewport=viewport, reduced_motion="reduce")
        for name, viewport in (("display", LANDSCAPE), ("display-720p", HD))
    }
    for page in pages.values():  # as a kiosk-mode TV (autoplay allowed) looks: no sound button
        expect(page.locator("body")).to_have_attribute("data-audio", re.compile(r"."))
        if page.locator("#sound").is_visible():
            page.locator("#sound").click()
            expect(page.locator("#sound")).to_be_hidden()
    # The earlier calls' highlight is over (highlight_s); then the current call comes in live.
    for page in pages.values():
        expect(page.locator("#history li.is-called")).to_have_count(0, timeout=12_000)
    counts = {
        name: (
            int(page.locator("body").get_attribute("data-snapshots") or "0"),
            int(page.locator("body").get_attribute("data-queue-updates") or "0"),
        )
        for name, page in pages.items()
    }
    current = desk.call_next(2)
    for name, page in pages.items():
        height, width = page.viewport_size["height"], page.viewport_size["width"]
        expect_current_call(page, current["number"], "Guichet 2")
        # The call's queue_changed carried the new waiting count: updated in place, no snapshot asked.
        page.wait_for_function("n => +(document.body.dataset.queueUpdates || 0) > n", arg=counts[name][1])
        assert int(page.locator("body").get_attribute("data-snapshots") or "0") == counts[name][0]
        expect(page.locator("#history li")).to_have_count(5)
        expect(page.get_by_text("Fermeture exceptionnelle à 16 h")).to_be_visible()
        expect(page.locator("#services-body")).to_contain_text("Allocations familiales")
        expect(page.locator("#services-body")).to_contain_text(re.compile(r"moins de 5 min|\d+ à \d+ min"))
        metrics = page.evaluate(SCREEN_METRICS)
        assert metrics["scroll"] <= height and metrics["scrollW"] <= width, metrics  # no scrolling
        assert metrics["number"] >= 0.12 * height, metrics  # the number: at least 12 % of the height
        assert metrics["services"] >= 0.017 * height, metrics
        assert metrics["servicesOverflow"] <= 1, metrics  # every service visible
        assert metrics["shownCalls"] >= 4, metrics
        assert metrics["animation"] == "none", metrics  # prefers-reduced-motion: no pulsing border
        check_axe(page, f"display {width}x{height}")
        screenshot(page, name)


def test_waiting_counts_and_the_message_change_in_place_without_a_snapshot(open_display, desk) -> None:
    """Each queue_changed carries its service's figures and message_changed its text: hundreds of
    screens must not each ask the server for a snapshot on every change."""
    page = open_display()
    row = page.locator("#services-body tr", has_text="Allocations familiales")
    before = int(row.locator("td.num-col").inner_text())
    snapshots = page.locator("body").get_attribute("data-snapshots")
    desk.issue("CAF")
    expect(row.locator("td.num-col")).to_have_text(str(before + 1), timeout=CALL_DEADLINE_MS)
    desk.issue("CAF")
    expect(row.locator("td.num-col")).to_have_text(str(before + 2), timeout=CALL_DEADLINE_MS)
    desk.set_message("Guichet CAF fermé cet après-midi")
    expect(page.locator("#message-text")).to_have_text("Guichet CAF fermé cet après-midi")
    desk.set_message("")
    expect(page.locator("#message")).to_be_hidden()
    page.wait_for_timeout(3500)  # longer than any refresh a hint would have caused
    assert page.locator("body").get_attribute("data-snapshots") == snapshots


def test_offline_notice_then_resync_and_the_call_missed_meanwhile(open_display, desk) -> None:
    """Connection cut: a notice after 3 s. Back: a fresh snapshot, the notice goes, and a call made
    while the screen was cut off is shown and announced."""
    page = open_display()
    notice = page.locator("#offline-text")
    before = int(page.locator("body").get_attribute("data-snapshots") or "0")
    page.context.set_offline(True)
    started = time.monotonic()
    expect(notice).to_be_visible(timeout=15_000)
    expect(notice).to_have_text("Connexion perdue — reconnexion…")
    assert time.monotonic() - started >= 2.5, "the notice must wait out a short blip (3 s)"
    expect(page.locator("body")).to_have_attribute("data-connection", "offline")

    ticket = desk.issue("CAF")
    assert desk.call_next(2)["number"] == ticket["number"]
    page.wait_for_timeout(500)
    expect(page.locator("#now-number")).not_to_have_text(ticket["number"])  # cut off: it cannot know

    page.context.set_offline(False)
    expect(notice).to_be_hidden(timeout=15_000)
    after = int(page.locator("body").get_attribute("data-snapshots") or "0")
    assert after > before, "no fresh snapshot after the reconnection"
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    expect_current_call(page, ticket["number"], "Guichet 2")
    said = wait_spoken(page, 1)
    assert [s["text"] for s in said] == [f"Ticket {spoken_number(ticket['number'])}, guichet 2"]
