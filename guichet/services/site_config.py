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
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from ..core.errors import Invalid
from . import catalogue, counter_setup
from .context import SYSTEM, Actor, Context, Event
from .guards import site_by_slug

FORMAT = "guichet-site/1"


@dataclass(frozen=True)
class Section:
    """One kind of item of the file: how it is read, keyed, created and updated."""

    name: str
    key: str
    export: Callable[[Session, Any], list[dict[str, Any]]]
    create: Callable[[Context, Actor, str, dict[str, Any]], Any]
    update: Callable[[Context, Actor, str, Any, dict[str, Any]], Any]


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


# --- sections ---------------------------------------------------------------------------------------


def _services(s: Session, site: Any) -> list[dict[str, Any]]:
    return [catalogue.service_json(sv) for sv in site.services]


def _counters(s: Session, site: Any) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in counter_setup.setup_json(c).items() if k not in ("id", "status")}
        for c in site.counters
    ]


SECTIONS: list[Section] = [
    Section(
        "services",
        "code",
        _services,
        lambda ctx, actor, slug, item: catalogue.create_service(
            ctx, actor, slug, catalogue.ServiceIn.model_validate(item)
        ),
        lambda ctx, actor, slug, key, fields: catalogue.update_service(
            ctx, actor, slug, key, catalogue.ServicePatch.model_validate(fields)
        ),
    ),
    Section(
        "counters",
        "number",
        _counters,
        lambda ctx, actor, slug, item: counter_setup.create_counter(
            ctx, actor, slug, counter_setup.CounterIn.model_validate(item)
        ),
        lambda ctx, actor, slug, key, fields: counter_setup.update_counter(
            ctx, actor, slug, key, counter_setup.CounterPatch.model_validate(fields)
        ),
    ),
]


# --- export and import ------------------------------------------------------------------------------


def _export(s: Session, site: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "site": {"slug": site.slug}}
    for section in SECTIONS:
        out[section.name] = section.export(s, site)
    return out


def export_site(ctx: Context, slug: str) -> dict[str, Any]:
    """The site's set-up as plain JSON data (no ids: they differ from one installation to another)."""
    with ctx.db.session() as s:
        return _export(s, site_by_slug(s, slug))


def _check_shape(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid("config_format", expected=FORMAT)
    for section in SECTIONS:
        items = data.get(section.name, [])
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and section.key in item for item in items
        ):
            raise Invalid("config_section", section=section.name, key=section.key)


def _run(label: str, step: Callable[..., Any], *args: Any) -> None:
    """One item through its use case; a refused field names the item it belongs to."""
    try:
        step(*args)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(x) for x in first["loc"])
        raise Invalid("config_item", item=label, field=where, reason=first["msg"]) from exc


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


def import_site(
    ctx: Context, data: Any, slug: str | None = None, apply: bool = False, actor: Actor = SYSTEM
) -> Report:
    """Bring the site (the file's, or `slug`) to what the file says, in one transaction; refused
    items raise the use case's own error and nothing is saved. Without `apply`, roll back at the end."""
    _check_shape(data)
    target = slug or str((data.get("site") or {}).get("slug") or "")
    report = Report(site=target, applied=apply)

    def work(s: Session, events: list[Event]) -> Report:
        joined = ctx.within(s, events)
        site = site_by_slug(s, target)
        current = _export(s, site)
        for section in SECTIONS:
            have = {item[section.key]: item for item in current[section.name]}
            wanted = data.get(section.name, [])
            named = set()
            for item in wanted:
                key = item[section.key]
                named.add(key)
                label = f"{section.name} {key}"
                if key not in have:
                    _run(label, section.create, joined, actor, target, item)
                    report.created.append(label)
                else:
                    fields = {k: v for k, v in item.items() if k != section.key and have[key].get(k) != v}
                    if not fields:
                        report.unchanged += 1
                        continue
                    _run(label, section.update, joined, actor, target, key, fields)
                    report.updated.append((label, {k: (have[key].get(k), v) for k, v in fields.items()}))
                s.expire_all()  # the next item reads what this one wrote
            report.kept.extend(f"{section.name} {k}" for k in have if k not in named)
        if not apply:
            raise _DryRun
        return report

    try:
        return ctx.transact(work)
    except _DryRun:
        return report
