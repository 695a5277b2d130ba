"""The public pages on a phone: home page and a ticket's tracking page, with axe and the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from .axe import AxeViolationsError, check_axe, format_violations, run_axe

PHONE = pytest.mark.viewport(412, 915)
pytestmark = pytest.mark.usefixtures("always_open")  # tickets are issued: the site open whatever the hour


def issue_ticket(live_server: Any, service: str = "CAF") -> dict[str, Any]:
    resp = requests.post(
        f"{live_server.url}/api/v1/sites/demo/tickets",
        json={"service": service},
        headers={"Authorization": f"Bearer {live_server.kiosk_token}"},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def call_next(live_server: Any, counter_id: int) -> dict[str, Any]:
    resp = requests.post(
        f"{live_server.url}/api/v1/counters/{counter_id}/call-next",
        headers={"Authorization": f"Bearer {live_server.agent_token}"},
        timeout=10,
    )
    assert resp.status_code == 200, f"{resp.status_code} {resp.text}"
    return resp.json()


def release(live_server: Any, ticket_id: int) -> None:
    """Serve the called ticket to the end so its counter is free for the next test."""
    for action, body in (("start", {}), ("finish", {"outcome": "resolved"})):
        resp = requests.post(
            f"{live_server.url}/api/v1/tickets/{ticket_id}/{action}",
            json=body,
            headers={"Authorization": f"Bearer {live_server.agent_token}"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'), text: el.textContent.trim(),
            outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth};
}"""


@PHONE
def test_home_page(page, live_server, screenshot) -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_title("Guichet — accueil du public")
    expect(page.get_by_role("heading", level=1, name="Guichet")).to_be_visible()
    expect(page.get_by_text("France Services de Bourg-Lès-Demo")).to_be_visible()
    check_axe(page, "home page /")

    links = page.locator("main a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 3, hrefs  # at least: the demo site's services, OpenAPI, health
    reached = []
    for _ in range(len(hrefs)):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused is not None and focused["tag"] == "a", f"Tab did not reach a link: {focused}"
        assert focused["outlineStyle"] != "none" and focused["outlineWidth"] != "0px", (
            f"no visible focus on {focused}"
        )
        reached.append(focused["href"])
    assert reached == hrefs, "Tab order does not follow the links of the page"

    page.evaluate("document.activeElement.blur()")
    screenshot(page, "home")


@PHONE
def test_tracking_page_waiting_then_called(page, live_server, screenshot) -> None:
    ticket = issue_ticket(live_server)
    assert ticket["tracking_url"].startswith(live_server.url + "/t/")
    page.goto(ticket["tracking_url"])
    expect(page.get_by_role("heading", level=1, name="Votre ticket")).to_be_visible()
    expect(page.get_by_text(ticket["number"], exact=True)).to_be_visible()
    expect(page.get_by_text("En attente", exact=True)).to_be_visible()
    expect(page.get_by_text("Allocations familiales et aide au logement")).to_be_visible()
    screenshot(page, "track-waiting")

    called = call_next(live_server, counter_id=2)  # Guichet 2 serves CAF first
    assert called["number"] == ticket["number"], f"counter 2 called {called['number']}, not ours"
    page.reload()
    expect(page.locator("main")).to_contain_text("présentez-vous au guichet 2")
    expect(page.get_by_text("C'est à vous", exact=False)).to_be_visible()
    expect(page.get_by_text("En attente", exact=True)).to_have_count(0)
    screenshot(page, "track-called")
    release(live_server, called["id"])


@PHONE
def test_tracking_page_accessibility(page, live_server) -> None:
    """Zero axe violations on the tracking page, waiting then called (both states, one report)."""
    ticket = issue_ticket(live_server)
    page.goto(ticket["tracking_url"])
    expect(page.get_by_text("En attente", exact=True)).to_be_visible()
    results = {"waiting": run_axe(page)}
    # Counter 3, not 2: this ticket must not stay in the queue that another test calls from.
    called = call_next(live_server, counter_id=3)
    assert called["number"] == ticket["number"], f"counter 3 called {called['number']}, not ours"
    page.reload()
    expect(page.locator("main")).to_contain_text("guichet 3")
    results["called"] = run_axe(page)
    release(live_server, called["id"])
    failures = [
        format_violations(r["violations"], f"tracking page, {state} (axe {r['version']})")
        for state, r in results.items()
        if r["violations"]
    ]
    if failures:
        raise AxeViolationsError("\n".join(failures))
