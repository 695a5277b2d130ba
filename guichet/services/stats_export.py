"""The France Services activity export: per month × site × partner × démarche (a service), with
stable codes (the site's slug, the partner's and the service's codes), the visits at the desk (a
visitor transferred from one démarche to another counts for each: both were handled), those served,
the appointments due (not cancelled) and held, and the level-2 cases opened. Counted in the
database; months are the site's local months."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from ..core.numbering import business_day
from ..core.tickets import State
from ..models import Appointment, Case, CaseService, Partner, Service, Site, Ticket
from .aggregates import local_time, month_of, within_days
from .context import Actor, Context
from .dashboard import period_of, visible_sites
from .stats import check_period

COLUMNS = (
    "month",
    "site_code",
    "site_name",
    "partner_code",
    "partner_name",
    "demarche_code",
    "demarche_label",
    "visits",
    "served",
    "appointments",
    "appointments_seen",
    "cases_opened",
)
NO_PARTNER = "SANS_PARTENAIRE"


def france_services(
    ctx: Context, actor: Actor, slug: str | None, kind: str, first: date | None, last: date | None
) -> list[dict[str, Any]]:
    """One row per month, site, partner and démarche with any activity, in that order."""
    now = ctx.clock()
    with ctx.db.session() as s:
        sites = visible_sites(s, actor, slug)
        first, last = period_of(kind, business_day(now, sites[0].timezone), first, last)
        check_period(first, last)
        zones = {site.id: site.timezone for site in sites}
        counts: dict[tuple[str, int], dict[str, int]] = {}

        def add(month: str, service_id: int, **values: int) -> None:
            row = counts.setdefault((month, service_id), dict.fromkeys(COLUMNS[7:], 0))
            for key, n in values.items():
                row[key] += int(n or 0)

        month = month_of(Ticket.business_day)
        visits = (
            select(
                month,
                Ticket.service_id,
                func.count(),
                func.sum(case((Ticket.state == State.DONE.value, 1), else_=0)),
            )
            .where(
                Ticket.site_id.in_(zones),
                Ticket.business_day >= first,
                Ticket.business_day <= last,
            )
            .group_by(month, Ticket.service_id)
        )
        for m, sid, n, served in s.execute(visits):
            add(m, sid, visits=n, served=served)

        when = local_time(Appointment.starts_at, Appointment.site_id, zones, first, last)
        seen = func.sum(case((Appointment.status == "seen", 1), else_=0))
        booked = (
            select(month_of(when), Appointment.service_id, func.count(), seen)
            .where(within_days(Appointment.site_id, Appointment.starts_at, zones, first, last))
            .where(Appointment.status != "cancelled")
            .group_by(month_of(when), Appointment.service_id)
        )
        for m, sid, n, held in s.execute(booked):
            add(m, sid, appointments=n, appointments_seen=held)

        opened = local_time(Case.opened_at, Case.site_id, zones, first, last)
        cases = (
            select(month_of(opened), CaseService.service_id, func.count())
            .join(CaseService, CaseService.case_id == Case.id)
            .where(within_days(Case.site_id, Case.opened_at, zones, first, last))
            .group_by(month_of(opened), CaseService.service_id)
        )
        for m, sid, n in s.execute(cases):
            add(m, sid, cases_opened=n)

        names = {
            sid: row
            for sid, *row in s.execute(
                select(
                    Service.id,
                    Site.slug,
                    Site.name,
                    Partner.code,
                    Partner.name,
                    Service.code,
                    Service.label_fr,
                )
                .join(Site, Site.id == Service.site_id)
                .outerjoin(Partner, Partner.id == Service.partner_id)
                .where(Service.id.in_({sid for _m, sid in counts}))
            )
        }
    rows = []
    for (m, sid), values in counts.items():
        site_code, site_name, partner_code, partner_name, code, label = names[sid]
        rows.append(
            {
                "month": m,
                "site_code": site_code,
                "site_name": site_name,
                "partner_code": partner_code or NO_PARTNER,
                "partner_name": partner_name or "",
                "demarche_code": code,
                "demarche_label": label,
                **values,
            }
        )
    rows.sort(key=lambda r: (r["month"], r["site_code"], r["partner_code"], r["demarche_code"]))
    return rows
