"""Reads that almost never change, kept in memory: a site with its services and hours, and who a
bearer token is. Every request needs them; they change a few times a day.

Never stale, on any process: every transaction that changes a cached table bumps the one-row counter
`cache_epoch` in that same transaction (the session hooks below see ORM changes and bulk statements
alike, whatever the door: a page, the API, the command line, another server process). A cached read
first reads that counter in the reader's own transaction, one primary-key row instead of the site's,
services', hours' and token's rows; a different value drops everything. A token revoked, an account
or a device deactivated, a service closed is therefore refused by the very next request everywhere.

A reader stores what it loaded only if the cache still stands at the epoch it read, so a slow reader
never files old rows under a newer epoch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, selectinload

from ..core.errors import NotFound
from ..core.issuing import Calendar
from ..core.site_settings import SiteSettings
from ..models import AccessToken, Device, OpeningException, OpeningHours, Partner, Service, Site, User
from .context import Actor
from .service_hours import calendar_of, with_closed_days
from .site_rules import closed_days, settings_of

# Cached tables, and for the tables changed often for other reasons, the only columns that matter
# (a login counts failures on `users`, a printer check writes on `devices`: neither drops the cache).
WATCHED: dict[type, frozenset[str] | None] = {
    Site: None,
    Service: None,
    OpeningHours: None,
    OpeningException: None,
    Partner: None,
    AccessToken: frozenset({"revoked_at", "user_id", "device_id", "token_hash"}),
    User: frozenset({"active", "role", "site_id"}),
    Device: frozenset({"active", "kind", "site_id"}),
}
WATCHED_TABLES = frozenset(model.__table__.name for model in WATCHED)  # type: ignore[attr-defined]
MAX_TOKENS = 10_000  # tokens remembered per process (a flood of distinct tokens only empties it)
_BUMPED = "guichet.epoch_bumped"
_EPOCH = "guichet.epoch"


@dataclass(frozen=True)
class ServiceView:
    """What issuing, listings and screens read of a service (the row's own names)."""

    id: int
    site_id: int
    code: str
    prefix: str
    label_fr: str
    labels: dict[str, Any]
    level: int
    category: str
    active: bool
    daily_quota: int | None
    target_wait_min: int
    default_service_time_s: int | None
    partner_code: str | None
    partner_name: str | None

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.label_fr


@dataclass(frozen=True)
class SiteView:
    """A site as issuing and the screens read it: settings parsed, hours as core calendars."""

    id: int
    slug: str
    name: str
    address: str
    timezone: str
    config: SiteSettings
    services: tuple[ServiceView, ...]
    weekly: Calendar  # the site's own hours, without public holidays
    own_hours: dict[int, Calendar]  # each service's own hours (empty calendar: follows the site's)
    _closed: dict[int, frozenset[date]] = field(default_factory=dict, compare=False, repr=False)

    def service(self, code: str) -> ServiceView | None:
        return next((sv for sv in self.services if sv.code == code), None)

    def service_by_id(self, service_id: int) -> ServiceView | None:
        return next((sv for sv in self.services if sv.id == service_id), None)

    def calendar(self, year: int) -> Calendar:
        """The site's hours with that year's (and the next's) public holidays it does not work closed,
        as service_hours.calendar_of gives them."""
        days = self._closed.get(year)
        if days is None:
            days = self._closed[year] = closed_days(self.config, (year, year + 1))
        return with_closed_days(self.weekly, days)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.epoch: int | None = None
        self.sites: dict[str, SiteView] = {}
        self.slugs: dict[int, str] = {}
        self.tokens: dict[str, Actor] = {}

    def at(self, epoch: int) -> None:
        """Drop everything unless it was read at this epoch."""
        if epoch != self.epoch:
            with self.lock:
                if epoch != self.epoch:
                    self.epoch, self.sites, self.slugs, self.tokens = epoch, {}, {}, {}

    def keep_site(self, epoch: int, view: SiteView) -> None:
        with self.lock:
            if epoch == self.epoch:
                self.sites[view.slug] = view
                self.slugs[view.id] = view.slug

    def keep_token(self, epoch: int, token_hash: str, actor: Actor) -> None:
        with self.lock:
            if epoch == self.epoch:
                if len(self.tokens) >= MAX_TOKENS:
                    self.tokens = {}
                self.tokens[token_hash] = actor


_cache = _Cache()


def epoch_of(s: Session) -> int:
    """The counter, read in the caller's transaction (0 on a schema without its row)."""
    value = s.connection().exec_driver_sql("SELECT value FROM cache_epoch WHERE id = 1").scalar()
    return int(value or 0)


def _fresh(s: Session) -> int | None:
    """The epoch the cache stands at for this transaction; None when this transaction changed cached
    rows itself (it then reads them from the database and keeps nothing: it may still roll back)."""
    if s.info.get(_BUMPED):
        return None
    epoch = s.info.get(_EPOCH)
    if epoch is None:  # once per transaction
        epoch = s.info[_EPOCH] = epoch_of(s)
    _cache.at(epoch)
    return epoch


# --- reads ------------------------------------------------------------------------------------------


def site(s: Session, slug: str) -> SiteView:
    """The site named by its slug, from memory when nothing changed since it was read."""
    return _site(s, _fresh(s), slug)


def site_by_id(s: Session, site_id: int) -> SiteView | None:
    epoch = _fresh(s)
    slug = _cache.slugs.get(site_id) if epoch is not None else None
    if slug is None:
        slug = s.scalar(select(Site.slug).where(Site.id == site_id))
    return _site(s, epoch, slug) if slug is not None else None


def _site(s: Session, epoch: int | None, slug: str) -> SiteView:
    view = _cache.sites.get(slug) if epoch is not None else None
    if view is None:
        row = s.scalar(
            select(Site)
            .where(Site.slug == slug)
            .options(
                selectinload(Site.services).selectinload(Service.partner),
                selectinload(Site.hours),
                selectinload(Site.exceptions),
            )
        )
        if row is None:
            raise NotFound("site_not_found", site=slug)
        view = _view_of(row)
        if epoch is not None:
            _cache.keep_site(epoch, view)
    return view


def _view_of(row: Site) -> SiteView:
    services = tuple(
        ServiceView(
            id=sv.id,
            site_id=sv.site_id,
            code=sv.code,
            prefix=sv.prefix,
            label_fr=sv.label_fr,
            labels=dict(sv.labels or {}),
            level=sv.level,
            category=sv.category,
            active=sv.active,
            daily_quota=sv.daily_quota,
            target_wait_min=sv.target_wait_min,
            default_service_time_s=sv.default_service_time_s,
            partner_code=sv.partner.code if sv.partner else None,
            partner_name=sv.partner.name if sv.partner else None,
        )
        for sv in row.services
    )
    return SiteView(
        id=row.id,
        slug=row.slug,
        name=row.name,
        address=row.address,
        timezone=row.timezone,
        config=settings_of(row),
        services=services,
        weekly=calendar_of(row),
        own_hours={sv.id: calendar_of(row, sv.id) for sv in services},
    )


def token_actor(s: Session, token_hash: str) -> Actor | None:
    """The actor behind a live token of an active account or device, or None (not remembered:
    creating a token needs no invalidation, and unknown tokens cannot fill the memory)."""
    epoch = _fresh(s)
    known = _cache.tokens.get(token_hash) if epoch is not None else None
    if known is not None:
        return known
    row = s.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash))
    if row is None or row.revoked_at is not None:
        return None
    actor = None
    if row.user is not None and row.user.active:
        actor = Actor("user", row.user.id, row.user.role, row.user.site_id)
    elif row.device is not None and row.device.active:
        actor = Actor("device", row.device.id, row.device.kind, row.device.site_id)
    if actor is not None and epoch is not None:
        _cache.keep_token(epoch, token_hash, actor)
    return actor


# --- invalidation -----------------------------------------------------------------------------------


def bump(s: Session) -> None:
    """Mark the cached reads out of date, as part of the session's transaction (once per transaction)."""
    if s.info.get(_BUMPED):
        return
    s.info[_BUMPED] = True
    s.connection().exec_driver_sql("UPDATE cache_epoch SET value = value + 1 WHERE id = 1")


def _changes_cached(s: Session) -> bool:
    for obj in chain(s.new, s.deleted):
        if type(obj) in WATCHED:
            return True
    for obj in s.dirty:
        if type(obj) not in WATCHED:
            continue
        columns = WATCHED[type(obj)]
        if columns is None:
            if s.is_modified(obj, include_collections=False):
                return True
            continue
        attrs = inspect(obj).attrs
        if any(attrs[c].history.has_changes() for c in columns):
            return True
    return False


def _statement_tables(state: ORMExecuteState) -> Iterable[str]:
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    return (name,) if isinstance(name, str) else ()


@event.listens_for(Session, "before_flush")
def _on_flush(s: Session, _context: object, _instances: object) -> None:
    if not s.info.get(_BUMPED) and _changes_cached(s):
        bump(s)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    changes = state.is_update or state.is_delete or state.is_insert
    if changes and WATCHED_TABLES.intersection(_statement_tables(state)):
        bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _on_end(s: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: a new one reads and bumps again
        s.info.pop(_BUMPED, None)
        s.info.pop(_EPOCH, None)
