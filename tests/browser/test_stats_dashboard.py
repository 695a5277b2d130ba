"""A manager opens the statistics of the demo site with its past activity (`guichet demo
--history`): every chart is drawn, each mark holds the number its table shows, the period form works
by keyboard, axe-core finds no violation, and a CSV downloads."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from guichet.services.demo import DEMO_PASSWORD

from ..live_server import ServerProcess, cli, load_demo, server_env
from .axe import check_axe


@pytest.fixture(scope="module")
def history_server(_browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Its own server: the past activity would change the wait estimates other browser tests read."""
    workdir = tmp_path_factory.mktemp("stats-server")
    server = ServerProcess(server_env(f"sqlite:///{workdir / 'guichet.db'}"), workdir)
    tokens = load_demo(server.env, always_open=True)  # open now: the live test issues a ticket
    cli(server.env, "demo", "--history", "21")
    server.start()
    server.kiosk_token = tokens.kiosk  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


def _sign_in(page: Page, url: str, path: str) -> None:
    page.goto(f"{url}{path}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Identifiant").fill("manager")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _numbers(page: Page, table: str, column: int) -> dict[str, float]:
    """A table's row names and the raw value of one column (data-raw: the number before formatting)."""
    out = {}
    for row in page.locator(f'table[data-table="{table}"] tbody tr').all():
        name = row.locator("th").inner_text().strip()
        raw = row.locator("td").nth(column - 1).get_attribute("data-raw")
        if raw:
            out[name] = float(raw)
    return out


def _marks(page: Page, chart: str) -> list[float]:
    return [
        float(v)
        for v in page.locator(f"#{chart} [data-value]").evaluate_all("ns => ns.map(n => n.dataset.value)")
    ]


def test_the_dashboard_draws_its_charts_from_its_tables(
    page: Page, history_server: Any, screenshot: Any
) -> None:
    url = history_server.url
    _sign_in(page, url, "/manage/stats")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques de l'accueil")

    # The period by keyboard: "Dates choisies", the last three weeks, shown.
    page.get_by_role("radio", name="Dates choisies").focus()
    page.keyboard.press("Space")
    page.get_by_label("Du (dates choisies)").fill(
        page.evaluate("new Date(Date.now() - 21 * 864e5).toISOString().slice(0, 10)")
    )
    page.get_by_role("button", name="Afficher").press("Enter")
    expect(page).to_have_url(re.compile(r"period=custom"))
    expect(page.locator(".key-figures dd").first).not_to_have_text("0")

    # Arrivals: one bar per hour, each the table's "per open day" value, in the same order.
    per_day = _numbers(page, "arrivals", 2)
    assert len(per_day) >= 8 and _marks(page, "chart-arrivals") == list(per_day.values())
    # Share within target per service: the bars are the services table's column, "all" row excepted.
    within = _numbers(page, "services", 11)
    within.pop("Tous les services")
    assert _marks(page, "chart-targets") == list(within.values())
    # Day by day: two series (tickets, served), their points the table's two columns.
    issued, served = _numbers(page, "days", 1), _numbers(page, "days", 2)
    marks = page.locator("#chart-days [data-series='Tickets']").evaluate_all(
        "ns => ns.map(n => +n.dataset.value)"
    )
    assert marks == list(issued.values()) and len(served) == len(issued)
    expect(page.locator("#chart-days .chart-legend")).to_contain_text(
        "trait discontinu"
    )  # not by colour only

    check_axe(page, "statistics dashboard")
    screenshot(page, "stats-dashboard")
    with page.expect_download() as download:
        page.locator('a[href*="/manage/stats/services.csv"]').click()
    assert download.value.suggested_filename.startswith("services-")
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        assert "Tous les services" in saved.read()


def test_the_public_results_page_reads_well_and_passes_axe(
    page: Page, history_server: Any, screenshot: Any
) -> None:
    page.goto(f"{history_server.url}/resultats/demo")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nos résultats")
    expect(page.locator(".results dd").first).not_to_have_text("0")
    check_axe(page, "public results page")
    screenshot(page, "results")
    page.goto(f"{history_server.url}/resultats/demo?ecran=1")  # the waiting-room layout
    check_axe(page, "public results, waiting-room layout")


def test_the_live_view_follows_a_ticket_issued_elsewhere(page: Page, history_server: Any) -> None:
    url = history_server.url
    _sign_in(page, url, "/manage/live")
    expect(page.get_by_role("heading", level=1)).to_have_text("L'accueil en direct")
    row = page.locator('#live-services tr[data-service="CAF"] td').first
    expect(row).to_have_text(re.compile(r"^\d+$"))
    before = int(row.inner_text())
    issue = urllib.request.Request(
        f"{url}/api/v1/sites/demo/tickets",
        data=json.dumps({"service": "CAF"}).encode(),
        headers={"Authorization": f"Bearer {history_server.kiosk_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(issue, timeout=10) as issued:
        assert issued.status == 201
    expect(row).to_have_text(str(before + 1))  # over the socket, no reload of the page
    check_axe(page, "live view")
