"""A site's set-up as a file: exported as JSON, imported into the same or another site.

A network of sites copies one site's set-up this way. The import goes through the same use cases as
the admin pages and the REST API (so the same rules refuse the same things), all of them inside one
transaction: a file is applied whole or not at all. A dry run applies it the same way, reports what
would change and rolls back, so what it shows is exactly what --apply does.

Exported: the site's settings, weekly hours, upcoming closures, the partners and categories its services
name, services, counters, booking places and motifs. Not exported, on purpose: accounts (people,
passwords), devices (their tokens), experts' opening ranges and absences (they belong to people),
tickets and appointments. An import creates and updates, never deletes: what the file does not name
is kept, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Invalid
from ..core.numbering import business_day
from ..models import Motif, Partner, Place, Site
from . import catalogue, categories, counter_setup, hours, partners, site_setup
from .booking import motif_setup, place_setup
from .context import SYSTEM, Actor, Context, Event
from .guards import site_by_slug
from .inputs import Input, optional_copy

FORMAT = "guichet-site/1"


@dataclass(frozen=True)
class Section:
    """One list of the file: how its items are read, keyed, created and updated (through use cases)."""

    name: str
    key: str
    model: type[Input]
    patch: type[Input]
    export: Callable[[Session, Context, Site], list[dict[str, Any]]]
    create: Callable[..., Any]  # (ctx, session, actor, slug, body)
    update: Callable[..., Any]  # (ctx, session, actor, slug, key, patch)
    # What an import compares with, when more than the site's own (partners are the installation's).
    existing: Callable[[Session, Context, Site], list[dict[str, Any]]] | None = None


@dataclass
class Report:
    """What an import does (or would do): one line per item created or changed, and what is kept."""

    site: str
    applied: bool
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"+ {what}" for what in self.created]
        for what, fields in self.updated:
            out.append(f"~ {what}")
            out.extend(f"    {name}: {old!r} -> {new!r}" for name, (old, new) in fields.items())
        out.extend(f"= {what} (not in the file: kept)" for what in self.kept)
        verb = "applied" if self.applied else "dry run, nothing saved"
        out.append(
            f"{self.site}: {len(self.created)} to create, {len(self.updated)} to change, "
            f"{self.unchanged} unchanged ({verb})"
        )
        return out


# --- what is read -----------------------------------------------------------------------------------


def _only(model: type[Input], item: dict[str, Any]) -> dict[str, Any]:
    """The fields the model takes (a JSON answer may carry more: ids, labels, counts)."""
    return {k: v for k, v in item.items() if k in model.model_fields}


def _partners(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    named = {sv.partner.code: sv.partner for sv in site.services if sv.partner is not None}
    return [{"code": p.code, "name": p.name} for _code, p in sorted(named.items())]


def _all_partners(s: Session, _ctx: Context, _site: Site) -> list[dict[str, Any]]:
    return [{"code": p.code, "name": p.name} for p in s.scalars(select(Partner).order_by(Partner.code))]


def _categories(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    return [categories.category_json(c) for c in categories.ordered(s, site.id)]


def _services(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    return [catalogue.service_json(sv) for sv in site.services]


def _closures(s: Session, ctx: Context, site: Site) -> list[dict[str, Any]]:
    today = business_day(ctx.clock(), site.timezone)
    upcoming = sorted((e for e in site.exceptions if e.day >= today), key=lambda e: e.day)
    return [_only(hours.ClosureIn, hours.closure_json(e)) for e in upcoming]


def _counters(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    return [_only(counter_setup.CounterIn, counter_setup.setup_json(c)) for c in site.counters]


def _places(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    rows = s.scalars(select(Place).where(Place.site_id == site.id).order_by(Place.id))
    return [_only(place_setup.PlaceIn, place_setup.place_json(p)) for p in rows]


def _motifs(s: Session, _ctx: Context, site: Site) -> list[dict[str, Any]]:
    rows = s.scalars(select(Motif).where(Motif.site_id == site.id).order_by(Motif.sort, Motif.id))
    return [_only(motif_setup.MotifIn, motif_setup.setup_json(m)) for m in rows]


def _hours(site: Site) -> dict[str, Any]:
    own = {sv.code: hours.weekly_json(site, sv.id) for sv in site.services}
    return {"weekly": hours.weekly_json(site, None), "services": {c: w for c, w in own.items() if w}}


# --- how it is written ------------------------------------------------------------------------------


def _place_id(s: Session, slug: str, name: str) -> int:
    site = site_by_slug(s, slug)
    place_id = s.scalar(select(Place.id).where(Place.site_id == site.id, Place.name == name))
    if place_id is None:
        raise Invalid("config_section", section="places", key="name")
    return int(place_id)


def _replace_closure(ctx: Context, s: Session, actor: Actor, slug: str, day: Any, body: Input) -> None:
    """A closure's hours or label changed: the day's exception is replaced."""
    site = site_by_slug(s, slug)
    wanted = date.fromisoformat(str(day))
    old = next(e for e in site.exceptions if e.day == wanted)
    hours.delete_closure(ctx, actor, slug, old.id)
    s.expire_all()
    current = hours.closure_json(old)
    merged = {**_only(hours.ClosureIn, current), **body.model_dump(exclude_unset=True)}
    hours.add_closure(ctx, actor, slug, hours.ClosureIn.model_validate(merged))


CLOSURE_PATCH = optional_copy("ClosurePatch", hours.ClosureIn)

SECTIONS: list[Section] = [
    Section(
        "partners",
        "code",
        partners.PartnerIn,
        partners.PartnerPatch,
        _partners,
        lambda ctx, s, actor, slug, body: partners.create_partner(ctx, actor, body),
        lambda ctx, s, actor, slug, key, body: partners.update_partner(ctx, actor, key, body),
        _all_partners,
    ),
    Section(
        "categories",
        "code",
        categories.CategoryIn,
        categories.CategoryPatch,
        _categories,
        lambda ctx, s, actor, slug, body: categories.create_category(ctx, actor, slug, body),
        lambda ctx, s, actor, slug, key, body: categories.update_category(ctx, actor, slug, key, body),
    ),
    Section(
        "services",
        "code",
        catalogue.ServiceIn,
        catalogue.ServicePatch,
        _services,
        lambda ctx, s, actor, slug, body: catalogue.create_service(ctx, actor, slug, body),
        lambda ctx, s, actor, slug, key, body: catalogue.update_service(ctx, actor, slug, key, body),
    ),
    Section(
        "closures",
        "day",
        hours.ClosureIn,
        CLOSURE_PATCH,
        _closures,
        lambda ctx, s, actor, slug, body: hours.add_closure(ctx, actor, slug, body),
        _replace_closure,
    ),
    Section(
        "counters",
        "number",
        counter_setup.CounterIn,
        counter_setup.CounterPatch,
        _counters,
        lambda ctx, s, actor, slug, body: counter_setup.create_counter(ctx, actor, slug, body),
        lambda ctx, s, actor, slug, key, body: counter_setup.update_counter(ctx, actor, slug, key, body),
    ),
    Section(
        "places",
        "name",
        place_setup.PlaceIn,
        place_setup.PlacePatch,
        _places,
        lambda ctx, s, actor, slug, body: place_setup.create_place(ctx, actor, slug, body),
        lambda ctx, s, actor, slug, key, body: place_setup.update_place(
            ctx, actor, slug, _place_id(s, slug, key), body
        ),
    ),
    Section(
        "motifs",
        "code",
        motif_setup.MotifIn,
        motif_setup.MotifPatch,
        _motifs,
        lambda ctx, s, actor, slug, body: motif_setup.create_motif(ctx, actor, slug, body),
        lambda ctx, s, actor, slug, key, body: motif_setup.update_motif(ctx, actor, slug, key, body),
    ),
]
# Services before what names them (counters, motifs, their own hours); partners and categories first.
HOURS_AFTER = "services"


# --- export and import ------------------------------------------------------------------------------


def _export(s: Session, ctx: Context, site: Site) -> dict[str, Any]:
    settings = site_setup.site_json(ctx, site)
    out: dict[str, Any] = {"format": FORMAT, "site": settings}
    for section in SECTIONS:
        out[section.name] = section.export(s, ctx, site)
    out["hours"] = _hours(site)
    return out


def export_site(ctx: Context, slug: str) -> dict[str, Any]:
    """The site's set-up as plain JSON data (no ids: they differ from one installation to another)."""
    with ctx.db.session() as s:
        return _export(s, ctx, site_by_slug(s, slug))


def _check_shape(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("config_format", expected=FORMAT)
    if not isinstance(data.get("site", {}), dict):
        raise Invalid("config_section", section="site", key="slug")
    hours_part = data.get("hours", {})
    if not isinstance(hours_part, dict) or not isinstance(hours_part.get("services", {}), dict):
        raise Invalid("config_section", section="hours", key="weekly")
    for section in SECTIONS:
        items = data.get(section.name, [])
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and section.key in item for item in items
        ):
            raise Invalid("config_section", section=section.name, key=section.key)


def _run(label: str, step: Callable[..., Any], *args: Any) -> Any:
    """One item through a model or a use case; a refused field names the item it belongs to."""
    try:
        return step(*args)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        raise Invalid("config_item", item=label, field=where, reason=first["msg"]) from exc


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


def _import_site(
    ctx: Context, s: Session, actor: Actor, target: str, wanted: dict[str, Any], report: Report
) -> None:
    """Create the site if it is new, else change its settings where the file differs."""
    exists = s.scalar(select(Site.id).where(Site.slug == target)) is not None
    fields = {k: v for k, v in wanted.items() if k != "slug"}
    if not exists:
        body = _validated(f"site {target}", site_setup.SiteIn, {**fields, "slug": target})
        _run(f"site {target}", site_setup.create_site, ctx, actor, body)
        report.created.append(f"site {target}")
        return
    have = site_setup.site_json(ctx, site_by_slug(s, target))
    changed = {k: v for k, v in fields.items() if have.get(k) != v}
    if not changed:
        report.unchanged += 1
        return
    body = _validated(f"site {target}", site_setup.SitePatch, changed)
    _run(f"site {target}", site_setup.update_site, ctx, actor, target, body)
    report.updated.append((f"site {target}", {k: (have.get(k), v) for k, v in changed.items()}))


def _import_hours(
    ctx: Context, s: Session, actor: Actor, target: str, wanted: dict[str, Any], report: Report
) -> None:
    """Weekly hours are replaced as a whole, the site's and each service's own, where they differ."""
    have = _hours(site_by_slug(s, target))
    plans: list[tuple[str, str | None, Any, Any]] = []
    if "weekly" in wanted:
        plans.append(("hours", None, have["weekly"], wanted["weekly"]))
    for code, weekly in (wanted.get("services") or {}).items():
        plans.append((f"hours of {code}", str(code), have["services"].get(code, []), weekly))
    for label, service, old, new in plans:
        if old == new:
            report.unchanged += 1
            continue
        body = _validated(label, hours.WeeklyIn, {"weekly": new})
        _run(label, hours.set_hours, ctx, actor, target, body, service)
        report.updated.append((label, {"weekly": (old, new)}))
        s.expire_all()


def _validated(label: str, model: type[Input], data: dict[str, Any]) -> Input:
    body: Input = _run(label, model.model_validate, data)
    return body


def import_site(
    ctx: Context, data: Any, slug: str | None = None, apply: bool = False, actor: Actor = SYSTEM
) -> Report:
    """Bring the site (the file's, or `slug`, created if new) to what the file says, in one transaction;
    a refused item raises the use case's own error and nothing is saved. Without `apply`, the same
    runs and rolls back at the end, so the report is exactly what --apply would do."""
    _check_shape(data)
    target = slug or str((data.get("site") or {}).get("slug") or "")
    report = Report(site=target, applied=apply)

    def work(s: Session, events: list[Event]) -> Report:
        joined = ctx.within(s, events)
        _import_site(joined, s, actor, target, data.get("site") or {}, report)
        s.expire_all()
        for section in SECTIONS:
            read = section.existing or section.export
            current = {item[section.key]: item for item in read(s, ctx, site_by_slug(s, target))}
            named = set()
            for item in data.get(section.name, []):
                key = item[section.key]
                named.add(key)
                label = f"{section.name} {key}"
                if key not in current:
                    body = _validated(label, section.model, item)
                    _run(label, section.create, joined, s, actor, target, body)
                    report.created.append(label)
                else:
                    fields = {k: v for k, v in item.items() if k != section.key and current[key].get(k) != v}
                    if not fields:
                        report.unchanged += 1
                        continue
                    body = _validated(
                        label, optional_copy(f"{section.model.__name__}Patch", section.model), fields
                    )
                    _run(label, section.update, joined, s, actor, target, key, body)
                    report.updated.append((label, {k: (current[key].get(k), v) for k, v in fields.items()}))
                s.expire_all()  # the next item reads what this one wrote
            if section.existing is None:  # partners of other sites are not this site's to keep
                report.kept.extend(f"{section.name} {k}" for k in current if k not in named)
            if section.name == HOURS_AFTER:
                _import_hours(joined, s, actor, target, data.get("hours") or {}, report)
        if not apply:
            raise _DryRun
        return report

    try:
        return ctx.transact(work)
    except _DryRun:
        return report
