"""Satisfaction: once a visit is over its tracking page asks "Globalement satisfait ?" and a 0-10
score; anonymous, one answer per ticket (also when two arrive at once), for a week; the dashboard's
figures per service and month equal those computed here."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from guichet.core.errors import DomainError
from guichet.models import SatisfactionAnswer
from guichet.services import calling, dashboard, satisfaction, ticket_steps, tickets

from ..conftest import make_settings


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


def _served(ctx, world) -> str:  # type: ignore[no-untyped-def]
    """A CAF ticket issued, called, served and finished; its tracking token."""
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    manager = world.actors["manager"]
    called = calling.call_next(ctx, manager, world.counters[1])
    ticket_steps.act(ctx, manager, called["id"], "start")
    ticket_steps.act(ctx, manager, called["id"], "finish", {"outcome": "resolved"})
    return issued["tracking_url"].rsplit("/", 1)[1]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_tracking_page_asks_once_the_visit_is_over_and_thanks(client, ctx, world) -> None:
    token = _served(ctx, world)
    issued = tickets.issue_ticket(ctx, world.actors["kiosk"], "test", "CAF")
    waiting = issued["tracking_url"].rsplit("/", 1)[1]
    assert "Globalement satisfait" not in client.get(f"/t/{waiting}").get_data(as_text=True)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Globalement satisfait ?" in page and 'name="score" value="10"' in page
    url = f"/t/{token}/satisfaction"
    assert client.post(url, data={"satisfied": "oui"}).status_code == 403  # no CSRF token
    csrf = _csrf(page)
    bad = client.post(url, data={"csrf": csrf, "satisfied": "peut-être"})
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)
    done = client.post(url, data={"csrf": csrf, "satisfied": "non", "score": "4"})
    assert done.status_code == 303 and done.headers["Location"].endswith("merci=1")
    thanks = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Merci pour votre avis." in thanks and "Globalement satisfait" not in thanks
    again = client.post(url, data={"csrf": csrf, "satisfied": "oui"})
    assert again.status_code == 409 and "déjà donné votre avis" in again.get_data(as_text=True)
    with ctx.db.session() as s:
        row = s.scalars(select(SatisfactionAnswer)).one()
        assert (row.satisfied, row.score, row.service_id) == (False, 4, world.services["CAF"])


def test_a_visit_can_be_rated_for_a_week_only(ctx, world) -> None:
    token = _served(ctx, world)
    now = ctx.clock()
    ctx.clock = lambda: now + satisfaction.ASK_FOR + timedelta(minutes=1)
    with pytest.raises(DomainError) as refused:
        satisfaction.answer(ctx, token, True, 8)
    assert refused.value.code == "satisfaction_not_asked"


def test_two_answers_at_once_for_one_ticket_keep_one(ctx, world) -> None:
    token = _served(ctx, world)
    results: list[str] = []
    start = threading.Barrier(4)

    def rate(score: int) -> None:
        start.wait()
        try:
            satisfaction.answer(ctx, token, True, score)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=rate, args=(n,)) for n in (6, 7, 8, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_answered"] * 3 + ["ok"]
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SatisfactionAnswer)) == 1


def test_the_dashboard_counts_satisfied_and_net_satisfaction_per_service_and_month(ctx, world) -> None:
    answers = [(True, 10), (True, 9), (True, 7), (False, 3), (True, None)]
    for satisfied, score in answers:
        satisfaction.answer(ctx, _served(ctx, world), satisfied, score)
    found = dashboard.dashboard(ctx, world.actors["manager"], "test", "today")["satisfaction"]
    scores = [s for _y, s in answers if s is not None]
    net = round(100 * (sum(1 for s in scores if s >= 9) - sum(1 for s in scores if s <= 6)) / len(scores), 1)
    want = {
        "answers": 5,
        "satisfied_pct": 80.0,
        "net": net,
        "mean_score": round(sum(scores) / len(scores), 1),
    }
    assert found["totals"] == want
    (row,) = found["rows"]
    assert (row["name"], row["month"]) == ("Service CAF", ctx.clock().strftime("%Y-%m"))
    assert {k: row[k] for k in want} == want
