"""A site's own fields and settings (name, address, time zone, holidays, priorities, outcomes, queue
rules, screens' message), set by its managers and created by admins, from the pages or the REST API.

Every change is audited and tells the site's screens to reload (part "site"). The display message
goes through `display.set_message`, the one writer of that setting.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays.countries.france import France
from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Unprocessable
from ..core.numbering import business_day
from ..core.site_settings import LEGAL_PRIORITY, MAX_DISPLAY_MESSAGE, SiteSettings
from ..core.tickets import DEFAULT_OUTCOMES
from ..models import Appointment, Site, Ticket
from . import display
from .changes import record_change
from .context import Actor, Context, Event
from .guards import managed_site, require_admin
from .inputs import Input, changes_of, optional_copy
from .site_rules import holiday_calendar, queue_rules, settings_of

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
OUTCOME = r"^[a-z0-9][a-z0-9_-]{0,31}$"
# Priority categories the kiosk knows how to word (the CMI is the law and always offered).
PRIORITY_REASONS = (LEGAL_PRIORITY, "pregnancy", "elderly", "child")
SUBDIVISIONS: tuple[str, ...] = tuple(France.subdivisions)
HOLIDAY_YEARS_AHEAD = 2
SITE_COLUMNS = ("slug", "name", "address", "timezone", "display_message")


def check_zone(value: str | None) -> str | None:
    """An IANA zone the server knows (Europe/Paris, America/Cayenne, Indian/Reunion...)."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PydanticCustomError("unknown_time_zone", "unknown time zone") from exc
    return value


def check_subdivision(value: str | None) -> str | None:
    """A subdivision of the `holidays` package for France ("57", "6AE", "971"...); aliases such as
    "Moselle" are stored as their code. Empty: metropolitan France."""
    if not value:
        return None
    aliases: dict[str, str] = getattr(France, "subdivisions_aliases", {})
    code = aliases.get(value, value)
    if code not in SUBDIVISIONS:
        raise PydanticCustomError("unknown_holiday_subdivision", "unknown holiday subdivision")
    return code


Reason = Literal["cmi", "pregnancy", "elderly", "child"]


def _default_reasons() -> list[Reason]:
    return ["cmi", "pregnancy"]


Zone = Annotated[str, Field(max_length=64), AfterValidator(check_zone)]
Subdivision = Annotated[str | None, Field(max_length=40), AfterValidator(check_subdivision)]


class SiteFields(Input):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=400)
    timezone: Zone = Field("Europe/Paris", description="IANA time zone of the site")
    holiday_subdivision: Subdivision = Field(
        None, description="`holidays` subdivision of France (57, 6AE, 971...); null: metropolitan France"
    )
    worked_holidays: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20, description="Holidays the site works: ISO dates or names"
    )
    priority_reasons: list[Reason] = Field(
        default_factory=_default_reasons,
        description="Priority categories offered at the kiosk; the legal CMI is always kept",
    )
    outcomes: list[Annotated[str, Field(pattern=OUTCOME)]] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES),
        min_length=1,
        max_length=20,
        description="Outcome codes an agent chooses from when finishing a ticket",
    )
    outcome_labels: dict[Annotated[str, Field(pattern=OUTCOME)], Annotated[str, Field(max_length=100)]] = (
        Field(default_factory=dict, description="Labels of the site's own outcome codes")
    )
    priority_cap: int | None = Field(
        None, ge=0, le=100, description="Priority calls in a row; null: the installation's"
    )
    min_recalls_before_no_show: int | None = Field(
        None, ge=0, le=10, description="Recalls before a no-show; null: the installation's"
    )
    appointment_early_min: int | None = Field(
        None, ge=0, le=240, description="Minutes before an appointment a check-in is accepted"
    )
    display_message: str = Field("", max_length=MAX_DISPLAY_MESSAGE, description="Screens' message")

    @field_validator("outcome_labels")
    @classmethod
    def labels_name_outcomes(cls, labels: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        outcomes = info.data.get("outcomes")
        unknown = sorted(set(labels) - set(outcomes)) if outcomes is not None else []
        if unknown:
            raise PydanticCustomError(
                "outcome_label_unknown", "label of an unknown outcome {code}", {"code": unknown[0]}
            )
        return labels


class SiteIn(SiteFields):
    slug: str = Field(pattern=SLUG, description="In the site's addresses (letters, digits, -)")


SitePatch = optional_copy("SitePatch", SiteFields)


def site_json(ctx: Context, site: Site) -> dict[str, Any]:
    """The site's fields and its settings as they apply (installation defaults resolved)."""
    cfg = settings_of(site)
    rules = queue_rules(ctx, site)
    return {
        "slug": site.slug,
        "name": site.name,
        "address": site.address,
        "timezone": site.timezone,
        "holiday_subdivision": cfg.holiday_subdivision,
        "worked_holidays": list(cfg.worked_holidays),
        "priority_reasons": list(rules.priority_reasons),
        "outcomes": list(rules.outcomes),
        "outcome_labels": dict(cfg.outcome_labels),
        "priority_cap": rules.priority_cap,
        "min_recalls_before_no_show": rules.min_recalls_before_no_show,
        "appointment_early_min": rules.appointment_early_s // 60,
        "display_message": cfg.display_message,
    }


def _check_worked(worked: list[str] | tuple[str, ...], subdivision: str | None, today: date) -> None:
    """Each worked holiday names a holiday of the site's calendar: a date that is one, or a name."""
    years = list(range(today.year - 1, today.year + HOLIDAY_YEARS_AHEAD + 1))
    names = {str(n).strip().lower() for n in holiday_calendar(subdivision, years).values()}
    for item in worked:
        try:
            day = date.fromisoformat(item)
        except ValueError:
            if item.strip().lower() not in names:
                raise Unprocessable("unknown_holiday", field="worked_holidays", holiday=item) from None
            continue
        if day not in holiday_calendar(subdivision, [day.year]):
            raise Unprocessable("unknown_holiday", field="worked_holidays", holiday=item)


def _settings_from(values: dict[str, Any], current: SiteSettings) -> SiteSettings:
    """The stored settings with the fields given changed (the display message is not written here)."""
    changes: dict[str, Any] = {}
    for key in ("holiday_subdivision", "worked_holidays", "outcomes", "outcome_labels"):
        if key in values:
            changes[key] = values[key]
    for key in ("priority_cap", "min_recalls_before_no_show"):
        if key in values:
            changes[key] = values[key]
    if "appointment_early_min" in values:
        minutes = values["appointment_early_min"]
        changes["appointment_early_s"] = None if minutes is None else minutes * 60
    if "priority_reasons" in values:
        # The CMI first and always (CASF L241-3), whatever the caller sent.
        chosen = [r for r in PRIORITY_REASONS if r in values["priority_reasons"] and r != LEGAL_PRIORITY]
        changes["priority_reasons"] = [LEGAL_PRIORITY, *chosen]
    return current.changed(**changes)


def new_site(
    s: Session,
    events: list[Event],
    actor: Actor | None,
    now: datetime,
    data: SiteIn,
    slug_field: str = "slug",
) -> Site:
    """Insert a site in the caller's transaction, audited (the first run and admins both use it)."""
    if s.scalar(select(Site.id).where(Site.slug == data.slug)) is not None:
        raise DomainError("site_slug_taken", field=slug_field)
    # Only the settings the caller chose, so later changes of the installation's defaults still apply.
    values = {k: getattr(data, k) for k in data.model_fields_set if k not in SITE_COLUMNS}
    cfg = _settings_from(values, SiteSettings()).changed(
        display_message=" ".join(data.display_message.split())
    )
    _check_worked(cfg.worked_holidays, cfg.holiday_subdivision, business_day(now, data.timezone))
    site = Site(slug=data.slug, name=data.name, timezone=data.timezone, address=data.address)
    site.settings = cfg.to_json()
    s.add(site)
    s.flush()
    after: dict[str, Any] = {"slug": site.slug, "name": site.name, "timezone": site.timezone}
    if site.address:
        after["address"] = site.address
    if site.settings:
        after["settings"] = dict(site.settings)
    record_change(s, events, actor, now, "site.created", site.id, site.slug, None, after)
    return site


def get_settings(ctx: Context, actor: Actor, slug: str) -> dict[str, Any]:
    with ctx.db.session() as s:
        return site_json(ctx, managed_site(s, actor, slug))


def create_site(ctx: Context, actor: Actor, data: SiteIn) -> dict[str, Any]:
    """Admins only: a manager runs one site and may not open others."""
    require_admin(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        return site_json(ctx, new_site(s, events, actor, ctx.clock(), data))

    return ctx.transact(work)


def _zone_change_allowed(s: Session, site: Site, zone: str, now: datetime) -> None:
    """A new zone moves the business day: today's tickets would change day (and their numbering
    start again) and booked appointments would show at other local hours. Refused until then."""
    days = {business_day(now, site.timezone), business_day(now, zone)}
    issued = s.scalar(
        select(Ticket.id).where(Ticket.site_id == site.id, Ticket.business_day.in_(days)).limit(1)
    )
    if issued is not None:
        raise DomainError("site_has_tickets_today", field="timezone")
    booked = s.scalar(
        select(Appointment.id)
        .where(
            Appointment.site_id == site.id,
            Appointment.status.in_(("booked", "checked_in")),
            Appointment.starts_at >= now - timedelta(days=1),
        )
        .limit(1)
    )
    if booked is not None:
        raise DomainError("site_has_appointments", field="timezone")


def update_site(ctx: Context, actor: Actor, slug: str, patch: Input) -> dict[str, Any]:
    """Change some fields and settings in one transaction; the screens' message is then written by
    `display.set_message` (it cannot fail once this has passed: same caller, same site, length checked)."""
    values = changes_of(patch)
    message = values.pop("display_message", None)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        now = ctx.clock()
        before = site_json(ctx, site)
        if "timezone" in values and values["timezone"] != site.timezone:
            _zone_change_allowed(s, site, values["timezone"], now)
            site.timezone = values["timezone"]
        for name in ("name", "address"):
            if name in values:
                setattr(site, name, values[name])
        cfg = _settings_from(values, settings_of(site))
        stray = sorted(set(cfg.outcome_labels) - set(cfg.outcomes or DEFAULT_OUTCOMES))
        if stray:
            raise Unprocessable("outcome_label_unknown", field="outcome_labels", outcome=stray[0])
        if "worked_holidays" in values or "holiday_subdivision" in values:
            _check_worked(cfg.worked_holidays, cfg.holiday_subdivision, business_day(now, site.timezone))
        site.settings = cfg.to_json()
        s.flush()
        after = site_json(ctx, site)
        if after != before:
            changed = [k for k in after if after[k] != before[k]]
            record_change(
                s,
                events,
                actor,
                now,
                "site.updated",
                site.id,
                site.slug,
                {k: before[k] for k in changed},
                {k: after[k] for k in changed},
                "site",
            )
        return after

    result = ctx.transact(work)
    if message is not None and " ".join(message.split()) != result["display_message"]:
        result["display_message"] = display.set_message(ctx, actor, slug, message)
    return result


def upcoming_holidays(ctx: Context, actor: Actor, slug: str, days: int = 366) -> list[dict[str, Any]]:
    """Public holidays of the site's subdivision in the coming year, and whether the site works them."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        cfg = settings_of(site)
        today = business_day(ctx.clock(), site.timezone)
    end = today + timedelta(days=days)
    calendar = holiday_calendar(cfg.holiday_subdivision, list(range(today.year, end.year + 1)))
    worked = {x.strip().lower() for x in cfg.worked_holidays}
    return [
        {
            "day": day.isoformat(),
            "name": str(name),
            "worked": day.isoformat() in worked or str(name).strip().lower() in worked,
        }
        for day, name in sorted(calendar.items())
        if today <= day <= end
    ]
