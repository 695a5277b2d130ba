"""Public pages: the home page and the tracking page a ticket's QR code opens (French, no personal data)."""

from __future__ import annotations

import json
import re

from guichet.services import calling, ticket_steps, tickets, tracking


def test_home_page_lists_sites_in_french(client, world) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="fr"' in html and "Site test" in html and "/api/v1/sites/test/services" in html


def test_tracking_page_shows_number_place_and_estimate_range(ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    page = client.get(issued["tracking_url"].removeprefix("http://guichet.test"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "F001" in html and "En attente" in html and "n° 1 dans la file" in html
    assert "minutes" in html and 'http-equiv="refresh"' in html


def test_tracking_page_hands_its_script_the_site_zone_and_the_public_status(ctx, client, world) -> None:
    """A phone in another zone shows the call time at the site: the page says which zone that is."""
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    html = client.get(issued["tracking_url"].removeprefix("http://guichet.test")).get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert match, "the tracking page hands its data through #page-data"
    data = json.loads(match.group(1))
    token = issued["tracking_url"].rsplit("/", 1)[1]
    # a waiting ticket is not asked for its rating yet
    assert data == {**tracking.public_status(ctx, token), "timezone": "Europe/Paris", "satisfaction": None}


def test_tracking_page_tells_the_citizen_which_counter_calls_them(ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    calling.call_next(ctx, world.actors["agent"], world.counters[2])
    html = client.get(issued["tracking_url"].removeprefix("http://guichet.test")).get_data(as_text=True)
    assert "présentez-vous au guichet 2" in html


def test_tracking_page_never_shows_the_agents_note(ctx, client, world) -> None:
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    agent = world.actors["agent"]
    calling.call_next(ctx, agent, world.counters[2])
    ticket_steps.act(ctx, agent, issued["id"], "start")
    ticket_steps.act(
        ctx, agent, issued["id"], "finish", {"outcome": "resolved", "note": "Mme Durand, dossier RSA"}
    )
    html = client.get(issued["tracking_url"].removeprefix("http://guichet.test")).get_data(as_text=True)
    assert "Durand" not in html and "terminé" in html


def test_unknown_tracking_link_gives_a_french_404_page(client, world) -> None:
    page = client.get("/t/not-a-real-token")
    assert page.status_code == 404 and "Ticket introuvable" in page.get_data(as_text=True)
