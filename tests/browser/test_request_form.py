"""The counter's request form (/counter/requests/new) in Chromium: reached from the staff navigation,
a refused form then a request passed to level 2, the confirmation with the case's reference; axe-core
finds no violation on the empty, refused and confirmed pages."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from guichet.services.demo import DEMO_PASSWORD

from .axe import check_axe


def test_an_agent_records_a_phone_request_passed_to_level_2(
    page: Page, live_server: Any, screenshot: Any
) -> None:
    page.goto(f"{live_server.url}/login?next=/counter/requests/new")
    page.get_by_label("Identifiant").fill("agent2")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer une demande")
    expect(page.get_by_role("link", name="Enregistrer une demande")).to_have_attribute("aria-current", "page")
    check_axe(page, "request form")

    # Sent without a channel, a service or what to do next: nothing is recorded, each field says why.
    page.get_by_label("Résumé de la demande").fill("Appel : droits à l'APL après un déménagement")
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#form-errors")).to_contain_text("Choisissez le canal de la demande.")
    expect(page.get_by_label("Résumé de la demande")).to_have_value(
        "Appel : droits à l'APL après un déménagement"
    )
    check_axe(page, "request form with errors")

    page.get_by_label("Téléphone", exact=True).first.check()
    page.locator("input[name=services]").first.check()
    page.get_by_label("Transmise au niveau 2 (un dossier est ouvert)").check()
    page.get_by_role("button", name="Enregistrer la demande").click()
    notice = page.get_by_role("status").filter(has_text="Demande enregistrée")
    expect(notice).to_contain_text(
        re.compile(
            r"dossier de niveau 2 N2-\d{6} ouvert, réponse attendue avant le \d\d/\d\d/\d{4} \d\d:\d\d"
        )
    )
    expect(page.get_by_label("Résumé de la demande")).to_have_value("")  # a fresh form for the next call
    check_axe(page, "request form after a request")
    screenshot(page, "counter-request-form")
