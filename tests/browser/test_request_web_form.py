"""The online request form (/demande/demo) as a citizen uses it, in Chromium: on a 320 px phone, by
keyboard alone (Tab, Space, typing, Enter), refused then sent; the follow page it lands on; axe-core
finds no violation on the form, the refused form and the follow page; the answer read there and
replied to by keyboard, which reopens the request."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from .axe import check_axe


def fits(page: Page, where: str) -> None:
    page.wait_for_load_state()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page is {width[0]} px wide in a {width[1]} px window"


def tab_to(page: Page, element_id: str, limit: int = 80) -> None:
    """Tab forward until the element with this id has the focus (the keyboard route, no click)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus by Tab")


@pytest.mark.viewport(320, 640)
def test_a_citizen_sends_a_request_by_keyboard_on_a_phone(
    page: Page, live_server: Any, screenshot: Any
) -> None:
    page.goto(f"{live_server.url}/demande/demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Faire une demande en ligne")
    fits(page, "form")
    check_axe(page, "request form")

    # Sent without consent or service: refused, each field says why, what was typed stays.
    tab_to(page, "f-summary")
    page.keyboard.type("Je voudrais savoir si j'ai droit à l'APL.")
    tab_to(page, "f-name")
    page.keyboard.type("Bérénice Durand")
    tab_to(page, "f-email")
    page.keyboard.type("b.durand@example.org")
    page.keyboard.press("Enter")
    expect(page.locator("#form-errors")).to_contain_text("Cochez au moins un service.")
    expect(page.locator("#form-errors")).to_contain_text("Cochez cette case")
    expect(page.get_by_label("Nom et prénom *")).to_have_value("Bérénice Durand")
    fits(page, "refused form")
    check_axe(page, "refused request form")
    screenshot(page, "request-form-refused-phone")

    tab_to(page, "f-services")
    page.keyboard.press("Space")
    tab_to(page, "f-consent")
    page.keyboard.press("Space")
    tab_to(page, "f-email")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/demande/suivi/\d+/[0-9a-f]{32}\?envoyee=1$"))
    expect(page.get_by_role("status")).to_contain_text("Votre demande est envoyée")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Demande N2-\d{6}$"))
    expect(page.locator(".df-facts")).to_contain_text("Reçue, en cours de traitement")
    fits(page, "follow page")
    check_axe(page, "follow page")
    screenshot(page, "request-follow-phone")

    # The site answers (through the API, as the expert page does); the citizen reads it and replies
    # by keyboard: the request reopens with a new deadline, and the exchange keeps both in order.
    case_id = int(page.url.split("/")[-2])
    manager = {"Authorization": f"Bearer {live_server.agent_token}"}
    case = requests.get(f"{live_server.url}/api/v1/cases/{case_id}", headers=manager, timeout=10).json()
    for sv in case["services"]:
        r = requests.post(
            f"{live_server.url}/api/v1/cases/{case_id}/contributions",
            json={"service": sv["code"], "text": "Vu"},
            headers=manager,
            timeout=10,
        )
        assert r.status_code == 200, r.text
    answer = "Bonjour, vous avez droit à l'APL : faites la demande sur caf.fr."
    r = requests.post(
        f"{live_server.url}/api/v1/cases/{case_id}/answer", json={"text": answer}, headers=manager, timeout=10
    )
    assert r.status_code == 200, r.text
    page.goto(page.url.split("?")[0])
    expect(page.locator(".df-facts")).to_contain_text("Répondue le")
    expect(page.locator(".df-message-answer")).to_contain_text("vous avez droit à l'APL")
    expect(page.get_by_role("heading", level=2, name="Répondre")).to_be_visible()
    tab_to(page, "f-text")
    page.keyboard.type("Merci. Faut-il aussi un justificatif de domicile ?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?reponse=1$"))
    expect(page.get_by_role("status")).to_contain_text("la demande est rouverte")
    expect(page.locator(".df-facts")).to_contain_text("Reçue, en cours de traitement")
    expect(page.locator(".df-message")).to_have_count(2)
    expect(page.locator(".df-message").nth(1)).to_contain_text("justificatif de domicile")
    fits(page, "follow page after a reply")
    check_axe(page, "follow page after a reply")
    screenshot(page, "request-follow-replied-phone")
    reopened = requests.get(f"{live_server.url}/api/v1/cases/{case_id}", headers=manager, timeout=10).json()
    assert reopened["status"] == "open" and [m["kind"] for m in reopened["messages"]] == ["answer", "reply"]
