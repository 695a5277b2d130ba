"""A manager's changes reach the kiosk and the display within seconds, without a reload, and never
touch the tickets already issued: a new service, a new label, the display's message, a deactivation.

Each page is marked (`window.__marker`): a reload would lose the mark. The kiosk reloads its offer in
place on its home screen; a visitor mid-way keeps their screen, and the change waits for the return
home. Everything created here is deactivated or cancelled afterwards, for the other browser tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from .test_display import DISPLAY_PATH, enrol_display
from .test_kiosk import enrol, new_kiosk_page

LIVE_MS = 5000  # "within seconds"
CODE = "LIVE_TEST"
LABEL = "Aide aux associations"
NEW_LABEL = "Vie associative et bénévolat"
CATEGORY = "Autres services"  # no category: a tile of its own on the kiosk's home screen
MESSAGE = "Guichet associations ouvert ce jeudi"


class Manager:
    """The demo manager's REST calls, and the clean-up of what they created."""

    def __init__(self, live_server: Any) -> None:
        self.live = live_server
        self.created = False
        self.tickets: list[int] = []

    def call(self, method: str, path: str, token: str | None = None, **body: Any) -> dict[str, Any]:
        resp = requests.request(
            method,
            f"{self.live.url}/api/v1{path}",
            json=body if method != "GET" else None,
            headers={"Authorization": f"Bearer {token or self.live.agent_token}"},
            timeout=10,
        )
        assert resp.status_code in (200, 201), f"{method} {path}: {resp.status_code} {resp.text[:300]}"
        return dict(resp.json())

    def service(self, **changes: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/sites/demo/services/{CODE}", **changes)

    def clean_up(self) -> None:
        for ticket_id in self.tickets:
            self.call("POST", f"/tickets/{ticket_id}/cancel")
        if self.created:
            self.service(active=False)
        self.call("PUT", "/sites/demo/display-message", message="")


@pytest.fixture
def manager(live_server: Any, always_open: None) -> Iterator[Manager]:
    m = Manager(live_server)
    yield m
    m.clean_up()


def mark(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page reloaded"


def test_a_new_service_a_label_a_message_and_a_deactivation_show_live_and_tickets_keep_their_place(
    browser: Any, live_server: Any, manager: Manager, screenshot: Callable[..., Path]
) -> None:
    kiosk = new_kiosk_page(browser, enrol(browser, live_server, "Borne direct"))
    display_state = enrol_display(browser, live_server, "Ecran direct")
    display = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="fr-FR", storage_state=display_state
    ).new_page()
    try:
        kiosk.goto(f"{live_server.url}/kiosk/demo")
        display.goto(live_server.url + DISPLAY_PATH)
        expect(kiosk.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
        expect(display.locator("#services-body tr").first).to_be_attached()
        mark(kiosk)
        mark(display)
        tile = kiosk.locator(".tile", has_text=CATEGORY)
        expect(tile).to_have_count(0)

        # A new service: a new tile on the kiosk's home screen, a new row on the display.
        manager.call("POST", "/sites/demo/services", code=CODE, prefix="W", label=LABEL)
        manager.created = True
        expect(tile).to_be_visible(timeout=LIVE_MS)
        label = kiosk.locator(f'[data-service="{CODE}"] .service-label')
        expect(label).to_have_text(LABEL)
        expect(display.locator("#services-body th", has_text=LABEL)).to_have_count(1, timeout=LIVE_MS)
        not_reloaded(kiosk)
        not_reloaded(display)
        screenshot(kiosk, "live-kiosk-new-service")

        # A ticket for it, then a new label: the ticket keeps its number and its place.
        issued = manager.call("POST", "/sites/demo/tickets", live_server.kiosk_token, service=CODE)
        manager.tickets.append(int(issued["id"]))
        tracking = "/tickets/" + str(issued["tracking_url"]).rstrip("/").rsplit("/", 1)[-1]
        before = manager.call("GET", tracking)
        assert before["number"] == "W001" and before["status"] == "waiting" and before["position"] == 1
        manager.service(label=NEW_LABEL)
        expect(label).to_have_text(NEW_LABEL, timeout=LIVE_MS)
        expect(display.locator("#services-body th", has_text=NEW_LABEL)).to_have_count(1, timeout=LIVE_MS)
        after = manager.call("GET", tracking)
        assert (after["number"], after["status"], after["position"]) == ("W001", "waiting", 1)
        assert after["service_label"] == NEW_LABEL

        # The display's message.
        manager.call("PUT", "/sites/demo/display-message", message=MESSAGE)
        expect(display.locator("#message-text")).to_have_text(MESSAGE, timeout=LIVE_MS)
        not_reloaded(kiosk)
        not_reloaded(display)

        # A visitor mid-way (on the category's screen) when the service is deactivated: their screen
        # stays as it is; back home, the kiosk offers the service no more.
        tile.click()
        service = kiosk.locator(f'[data-service="{CODE}"]')
        expect(service).to_be_visible()
        screenshot(kiosk, "live-kiosk-category")
        manager.service(active=False)
        expect(display.locator("#services-body th", has_text=NEW_LABEL)).to_have_count(0, timeout=LIVE_MS)
        expect(kiosk.locator("body[data-offer-pending]")).to_be_attached(timeout=LIVE_MS)
        expect(service).to_be_visible()
        not_reloaded(kiosk)
        kiosk.get_by_role("button", name="Retour").click()
        expect(kiosk.get_by_role("heading", level=1, name="Bienvenue")).to_be_visible()
        expect(tile).to_have_count(0)
        expect(kiosk.locator(f'[data-service="{CODE}"]')).to_have_count(0)
        final = manager.call("GET", tracking)
        assert (final["number"], final["status"], final["position"]) == ("W001", "waiting", 1)
    finally:
        kiosk.context.close()
        display.context.close()
