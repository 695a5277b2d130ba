"""Managers' accounts: agents, experts and managers created, changed, deactivated, and a one-time link
with which the person sets their own password (nobody else ever sees or chooses it)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Forbidden, Invalid, NotFound
from ..core.roles import ADMIN
from ..models import PasswordReset, Site, User
from .accounts import hash_password, hash_token, revoke_tokens
from .changes import record_change
from .context import Actor, Context, Event
from .guards import check_site, managed_site, require_manager
from .inputs import Input, changes_of, optional_copy
from .staffing import replace_user_services, services_of_users

RESET_TTL = timedelta(hours=72)
# A password its owner chooses through the link: longer than the installation's minimum for scripts.
MIN_CHOSEN_PASSWORD = 12


class UserIn(Input):
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$", description="Sign-in name, lower case")
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Literal["agent", "expert", "manager", "admin"] = "agent"
    services: list[str] = Field(default_factory=list, max_length=100, description="Empty: every service")
    active: bool = True


UserPatch = optional_copy("UserPatch", UserIn)


def user_json(u: User, services: list[str], site_slug: str | None) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "email": u.email,
        "role": u.role,
        "site": site_slug,
        "services": services,
        "active": u.active,
    }


def _json(s: Session, u: User) -> dict[str, Any]:
    site = s.get(Site, u.site_id) if u.site_id is not None else None
    return user_json(u, services_of_users(s, [u.id])[u.id], site.slug if site else None)


def _check_role(actor: Actor, role: str) -> None:
    """Only admins make admins: a manager cannot give anyone more than a site's reach."""
    if role == ADMIN and actor.role != ADMIN:
        raise Forbidden("role", role=role)


def _user(s: Session, actor: Actor, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", user=user_id)
    if user.site_id is None and actor.site_id is not None:
        raise Forbidden("other_site")  # an every-site account is the admins' business
    if user.site_id is not None:
        check_site(actor, user.site_id)
    return user


def _reset_link(s: Session, ctx: Context, user: User) -> dict[str, Any]:
    """Replace any earlier link; the code is shown once, only its hash is kept."""
    code = secrets.token_urlsafe(24)
    now = ctx.clock()
    s.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    s.add(
        PasswordReset(user_id=user.id, code_hash=hash_token(code), expires_at=now + RESET_TTL, created_at=now)
    )
    return {
        "url": f"{ctx.settings.public_url}/compte/mot-de-passe/{code}",
        "expires_at": (now + RESET_TTL).isoformat(),
    }


def list_users(ctx: Context, actor: Actor, slug: str) -> list[dict[str, Any]]:
    """The site's own accounts, deactivated ones included (every-site admins are listed apart)."""
    with ctx.db.session() as s:
        site = managed_site(s, actor, slug)
        users = s.scalars(select(User).where(User.site_id == site.id).order_by(User.display_name)).all()
        services = services_of_users(s, [u.id for u in users])
        return [user_json(u, services[u.id], site.slug) for u in users]


def create_user(ctx: Context, actor: Actor, slug: str, data: UserIn) -> dict[str, Any]:
    """A new account of the site, without a password: the answer carries its one-time link."""
    _check_role(actor, data.role)
    unusable = hash_password(secrets.token_urlsafe(32))  # nobody knows it: the link sets the real one

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        site = managed_site(s, actor, slug)
        if s.scalar(select(User.id).where(User.username == data.username)) is not None:
            raise DomainError("username_taken", field="username", username=data.username)
        now = ctx.clock()
        user = User(
            username=data.username,
            display_name=data.display_name,
            email=data.email,
            password_hash=unusable,
            role=data.role,
            site_id=site.id,
            active=data.active,
            created_at=now,
        )
        s.add(user)
        s.flush()
        replace_user_services(s, user.id, site.id, data.services)
        s.flush()
        after = _json(s, user)
        record_change(s, events, actor, now, "user.created", site.id, user.username, None, after)
        return {**after, "password_link": _reset_link(s, ctx, user)}

    return ctx.transact(work)


def update_user(ctx: Context, actor: Actor, user_id: int, patch: Input) -> dict[str, Any]:
    """Change an account; deactivating it revokes its tokens and ends its sessions at once."""
    require_manager(actor)
    values = changes_of(patch)
    if values.get("role"):
        _check_role(actor, values["role"])

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        user = _user(s, actor, user_id)
        _check_role(actor, user.role)
        now = ctx.clock()
        before = _json(s, user)
        if values.get("username") and values["username"] != user.username:
            if s.scalar(select(User.id).where(User.username == values["username"])) is not None:
                raise DomainError("username_taken", field="username", username=values["username"])
            user.username = values["username"]
        for name in ("display_name", "role"):
            if values.get(name):
                setattr(user, name, values[name])
        if "email" in values:
            user.email = values["email"]
        if values.get("services") is not None:
            if user.site_id is None:
                raise DomainError("user_without_site", field="services")
            replace_user_services(s, user.id, user.site_id, values["services"])
        if values.get("active") is not None:
            if not values["active"] and user.id == actor.id:
                raise DomainError("cannot_deactivate_self", field="active")
            user.active = values["active"]
            if not user.active:
                revoke_tokens(s, now, user_id=user.id)
        s.flush()
        after = _json(s, user)
        if after != before:
            record_change(s, events, actor, now, "user.updated", user.site_id, user.username, before, after)
        return after

    return ctx.transact(work)


def password_link(ctx: Context, actor: Actor, user_id: int) -> dict[str, Any]:
    """A fresh one-time link for a forgotten password (the old one stops working)."""
    require_manager(actor)

    def work(s: Session, events: list[Event]) -> dict[str, Any]:
        user = _user(s, actor, user_id)
        _check_role(actor, user.role)
        link = _reset_link(s, ctx, user)
        record_change(
            s, events, actor, ctx.clock(), "user.password_link", user.site_id, user.username, None, None
        )
        return link

    return ctx.transact(work)


def reset_target(ctx: Context, code: str) -> str | None:
    """The username a still-valid link is for, to greet them before they choose a password."""
    with ctx.db.session() as s:
        row = s.scalar(select(PasswordReset).where(PasswordReset.code_hash == hash_token(code)))
        if row is None or row.used_at is not None or row.expires_at <= ctx.clock():
            return None
        user = s.get(User, row.user_id)
        return user.username if user is not None and user.active else None


def set_password(ctx: Context, code: str, password: str) -> str:
    """Use the link once: the account's password becomes the one its owner chose (12 characters at least)."""
    if len(password) < MIN_CHOSEN_PASSWORD:
        raise Invalid("password_too_short", minimum=MIN_CHOSEN_PASSWORD)
    password_hash = hash_password(password)

    def work(s: Session, events: list[Event]) -> str:
        row = s.scalar(
            select(PasswordReset).where(PasswordReset.code_hash == hash_token(code)).with_for_update()
        )
        if row is None or row.used_at is not None or row.expires_at <= ctx.clock():
            raise NotFound("password_link_invalid")
        user = s.get(User, row.user_id)
        if user is None or not user.active:
            raise NotFound("password_link_invalid")
        row.used_at = ctx.clock()
        user.password_hash, user.failed_logins, user.locked_until = password_hash, 0, None
        record_change(
            s, events, None, ctx.clock(), "user.password_set", user.site_id, user.username, None, None
        )
        return user.username

    return ctx.transact(work)
