"""A site's settings and the queue rules they give, read the same way by every use case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays

from ..core.site_settings import QueueRules, SiteSettings
from ..models import Site
from .context import Context


def settings_of(site: Site) -> SiteSettings:
    return SiteSettings.parse(site.settings)


def queue_rules(ctx: Context, site: Site) -> QueueRules:
    """The site's choices over the installation's defaults (GUICHET_PRIORITY_CAP...)."""
    return rules_of(ctx, settings_of(site))


def rules_of(ctx: Context, cfg: SiteSettings) -> QueueRules:
    st = ctx.settings
    return cfg.queue_rules(st.priority_cap, st.appointment_early_s, st.min_recalls_before_no_show)


@lru_cache(maxsize=256)
def _holidays_of_year(subdivision: str | None, year: int) -> tuple[tuple[date, str], ...]:
    calendar = holidays.country_holidays("FR", subdiv=subdivision, years=[year], language="fr")
    return tuple(sorted((d, str(name)) for d, name in calendar.items()))


def holiday_calendar(subdivision: str | None, years: Iterable[int]) -> dict[date, str]:
    """France's public holidays for a `holidays` subdivision ("57" adds Good Friday and 26 December
    in Alsace-Moselle, "971"... the overseas departments' own), by date; computed once per year."""
    return {d: name for year in years for d, name in _holidays_of_year(subdivision, year)}


def closed_days(cfg: SiteSettings, years: Iterable[int]) -> frozenset[date]:
    """The holidays a site closes on: its subdivision's, minus those it works (settings
    `worked_holidays`: ISO dates or holiday names such as "Lundi de Pentecôte")."""
    worked = {x.strip().lower() for x in cfg.worked_holidays}
    return frozenset(
        d
        for d, name in holiday_calendar(cfg.holiday_subdivision, years).items()
        if d.isoformat() not in worked and name.strip().lower() not in worked
    )
