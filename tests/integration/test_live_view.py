"""The managers' live view: each service's queue now, its longest wait against its target (an alert
past it), the counters open; managers of the site only; the page connects to the site's room."""

from __future__ import annotations

from datetime import timedelta

from guichet.services import counters, live, tickets

from .test_staff_pages import sign_in


def test_the_longest_wait_is_measured_from_the_oldest_waiting_ticket(client, ctx, world) -> None:
    start = ctx.clock()
    ctx.clock = lambda: start
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    ctx.clock = lambda: start + timedelta(minutes=5)
    tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    ctx.clock = lambda: start + timedelta(minutes=16)  # CAF's target: 15 minutes
    now = live.live_now(ctx, world.actors["manager"], "test")
    caf = {sv["code"]: sv for sv in now["services"]}["CAF"]
    assert (caf["waiting"], caf["longest_wait_s"], caf["target_s"], caf["over_target"]) == (2, 960, 900, True)
    assert now["alerts"] == ["CAF"]
    cpam = {sv["code"]: sv for sv in now["services"]}["CPAM"]
    assert (cpam["waiting"], cpam["longest_wait_s"], cpam["over_target"]) == (0, None, False)
    assert "OLD" not in {sv["code"] for sv in now["services"]}  # inactive services are not watched
    assert now["open_counters"] == 0 and len(now["counters"]) == 3


def test_open_counters_are_counted(client, ctx, world) -> None:
    counters.occupy(ctx, world.actors["agent"], world.counters[1])
    answer = client.get("/api/v1/sites/test/live", headers=world.auth("manager"))
    assert answer.status_code == 200 and answer.json["open_counters"] == 1


def test_only_the_sites_managers_watch_it_live(client, ctx, world) -> None:
    assert client.get("/api/v1/sites/test/live", headers=world.auth("agent")).status_code == 403
    assert client.get("/api/v1/sites/test/live").status_code == 401
    sign_in(client, "manager-test")
    page = client.get("/manage/live")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "live.js" in html and "Files d'attente maintenant" in html
