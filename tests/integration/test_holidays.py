"""Public holidays close the walk-in reception as they close booking: the site's subdivision's
holidays, unless the site works them or gives that day hours of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from guichet.core.errors import DomainError
from guichet.models import OpeningException, Site
from guichet.services import sites, tickets

from ..factories import build_world

BASTILLE_DAY = datetime(2027, 7, 14, 8, 0, tzinfo=UTC)  # Wednesday, 10:00 in Paris
SAINT_STEPHEN = datetime(2027, 12, 27, 9, 0, tzinfo=UTC)  # Monday 27th: not a holiday anywhere
BOXING_DAY = datetime(2026, 12, 26, 9, 0, tzinfo=UTC)  # a holiday in Alsace-Moselle only


def _settings(ctx, world, **values) -> None:  # type: ignore[no-untyped-def]
    def work(s, _events):  # type: ignore[no-untyped-def]
        site = s.get(Site, world.site_id)
        site.settings = {**(site.settings or {}), **values}

    ctx.transact(work)


def _issue(ctx, world) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(tickets.issue_ticket(ctx, world.actors["kiosk"], world.slug, "CAF")["number"])
    except DomainError as exc:
        return exc.code


def test_the_kiosk_is_closed_on_a_public_holiday_and_says_so_in_its_list(ctx, world) -> None:
    ctx.clock = lambda: BASTILLE_DAY
    assert _issue(ctx, world) == "service_closed"
    listing = sites.list_services(ctx, world.slug)
    caf = next(sv for sv in listing["services"] if sv["code"] == "CAF")
    assert caf["open"] is False and listing["site"]["open"] is False
    assert caf["next_opening"].startswith("2027-07-15T00:00")  # no weekly hours: open all day after


def test_a_worked_holiday_by_date_or_by_name_keeps_the_kiosk_open(ctx, world) -> None:
    ctx.clock = lambda: BASTILLE_DAY
    _settings(ctx, world, worked_holidays=["2027-07-14"])
    assert _issue(ctx, world).startswith("F")
    other = build_world(ctx, "other")
    _settings(ctx, other, worked_holidays=["Fête nationale"])
    assert _issue(ctx, other).startswith("F")


def test_hours_given_for_the_day_open_a_holiday(ctx, world) -> None:
    ctx.clock = lambda: BASTILLE_DAY

    def work(s, _events):  # type: ignore[no-untyped-def]
        s.add(OpeningException(site_id=world.site_id, day=date(2027, 7, 14), opens=time(9), closes=time(12)))

    ctx.transact(work)
    assert _issue(ctx, world).startswith("F")


@pytest.mark.parametrize(("subdivision", "expected"), [(None, "F"), ("57", "service_closed")])
def test_the_sites_subdivision_decides_its_own_holidays(ctx, world, subdivision, expected) -> None:
    ctx.clock = lambda: BOXING_DAY
    if subdivision:
        _settings(ctx, world, holiday_subdivision=subdivision)
    assert _issue(ctx, world).startswith(expected)
    with ctx.db.session() as s:
        assert s.scalar(select(Site.id).where(Site.id == world.site_id))


def test_an_ordinary_day_is_open(ctx, world) -> None:
    ctx.clock = lambda: SAINT_STEPHEN
    assert _issue(ctx, world).startswith("F")
