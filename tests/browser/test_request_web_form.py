"""The online request form (/demande/demo) as a citizen uses it, in Chromium: on a 320 px phone, by
keyboard alone (Tab, Space, typing, Enter), refused then sent; the follow page it lands on; axe-core
finds no violation on the form, the refused form and the follow page."""

from __future__ import annotations

import re
from typing import Any

import pytest
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
