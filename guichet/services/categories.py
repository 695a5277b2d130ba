"""A site's categories of services: the groups of the kiosk's first screen, with a label in each
interface language and an order, managed by the site's managers; a service names one or none."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..core.errors import DomainError, NotFound
from ..models import Category, Service, Site
from .catalogue import CODE
from .changes import record_change
from .context import Actor, Context, Event
from .guards import managed_site
from .inputs import Input, changes_of, optional_copy


class CategoryIn(Input):
    code: str = Field(pattern=CODE, description="Stable code, e.g. papiers (letters, digits, _ and -)")
    label: str = Field(min_length=1, max_length=200, description="French label, shown on the kiosk")
    labels: dict[Literal["en", "ar", "es", "pt"], str] = Field(
        default_factory=dict, description="Label in the other interface languages"
    )
    sort: int | None = Field(None, ge=0, le=10000, description="Order on the kiosk; none: after the others")


CategoryPatch = optional_copy("CategoryPatch", CategoryIn)


def category_json(c: Category) -> dict[str, Any]:
    return {"code": c.code, "label": c.label_fr, "labels": dict(c.labels or {}), "sort": c.sort}


def _category(s: Session, site: Site, code: str) -> Category:
    c = s.scalar(select(Category).where(Category.site_id == site.id, Category.code == code).with_for_update())
    if c is None:
        raise NotFound("category_not_found", category=code)
    return c


def _last_sort(s: Session, site: Site) -> int:
    return int(s.scalar(select(func.max(Category.sort)).where(Category.site_id == site.id)) or 0)


def ordered(s: Session, site_id: int) -> list[Category]:
    return list(
        s.scalars(select(Category).where(Category.site_id == site_id).order_by(Category.sort, Category.code))
    )


def known_category(s: Session, site: Site, code: str) -> bool:
    """Whether the site has this category (a service may name only one of its site's)."""
    stmt = select(Category.id).where(Category.site_id == site.id, Category.code == code)
    return s.scalar(stmt) is not None


def list_categories(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        return [category_json(c) for c in ordered(s, site.id)]


def kiosk_categories(ctx: Context, site_id: int) -> list[dict[str, Any]]:
    """The categories in kiosk order, for a page that has already checked its caller's site."""
    with ctx.db.session() as s:
        return [category_json(c) for c in ordered(s, site_id)]


def create_category(ctx: Context, actor: Actor, slug: str, data: CategoryIn) -> dict[str, Any]:
    """A new category, audited; the kiosks reload (it shows once a service names it)."""

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        if known_category(s, site, data.code):
            raise DomainError("category_code_taken", field="code", category=data.code)
        sort = data.sort if data.sort is not None else _last_sort(s, site) + 1
        labels = {k: v for k, v in data.labels.items() if v}
        c = Category(site_id=site.id, code=data.code, label_fr=data.label, labels=labels, sort=sort)
        s.add(c)
        s.flush()
        after = category_json(c)
        record_change(
            s, events, actor, ctx.clock(), "category.created", site.id, c.code, None, after, "services"
        )
        return after

    return ctx.transact(work)


def update_category(ctx: Context, actor: Actor, slug: str, code: str, patch: Input) -> dict[str, Any]:
    """Relabel, reorder or recode a category; its services follow a new code in the same transaction."""
    values = changes_of(patch)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        c = _category(s, site, code)
        before = category_json(c)
        if "code" in values and values["code"] != c.code:
            if known_category(s, site, values["code"]):
                raise DomainError("category_code_taken", field="code", category=values["code"])
            s.execute(
                update(Service)
                .where(Service.site_id == site.id, Service.category == c.code)
                .values(category=values["code"])
            )
            c.code = values["code"]
        if "label" in values:
            c.label_fr = values["label"]
        if "labels" in values:
            c.labels = {k: v for k, v in (values["labels"] or {}).items() if v}
        if "sort" in values:
            c.sort = values["sort"] if values["sort"] is not None else _last_sort(s, site) + 1
        s.flush()
        after = category_json(c)
        if after != before:
            record_change(
                s, events, actor, ctx.clock(), "category.updated", site.id, c.code, before, after, "services"
            )
        return after

    return ctx.transact(work)


def delete_category(ctx: Context, actor: Actor, slug: str, code: str) -> None:
    """Only a category no service of the site names goes; move its services elsewhere first."""

    def work(s: Session, events: list[Event]) -> None:
        site = managed_site(s, actor, slug)
        c = _category(s, site, code)
        uses = int(
            s.scalar(
                select(func.count())
                .select_from(Service)
                .where(Service.site_id == site.id, Service.category == c.code)
            )
            or 0
        )
        if uses:
            raise DomainError("category_in_use", category=code, services=uses)
        before = category_json(c)
        s.delete(c)
        record_change(
            s, events, actor, ctx.clock(), "category.deleted", site.id, code, before, None, "services"
        )

    ctx.transact(work)
