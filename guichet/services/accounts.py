"""Agents and devices: password hashing, bearer tokens (stored as SHA-256), and resolving callers."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..core.errors import Invalid, NotFound
from ..core.roles import AGENT, DEVICE_KINDS, ROLES
from ..models import AccessToken, Device, Site, User
from . import read_cache
from .context import Actor, Context, Event
from .guards import site_by_slug

_hasher = PasswordHasher()
TOKEN_PREFIX = "gch_"
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    """Argon2id, deliberately slow, so a leaked table does not give the passwords away."""
    if len(password) < 8:
        raise Invalid("password_too_short", minimum=8)
    return _hasher.hash(password)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits: a fast hash is enough, and lets us look them up by index."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    ctx: Context,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    site_slug: str | None = None,
    email: str | None = None,
) -> int:
    if role not in ROLES:
        raise Invalid("unknown_role", role=role, allowed=list(ROLES))
    password_hash = hash_password(password)

    def work(s: Session, _events: list[Event]) -> int:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Invalid("username_taken", username=username)
        site_id = site_by_slug(s, site_slug).id if site_slug else None
        user = User(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=password_hash,
            role=role,
            site_id=site_id,
            created_at=ctx.clock(),
        )
        s.add(user)
        s.flush()
        return user.id

    return ctx.transact(work)


def verify_login(ctx: Context, username: str, password: str) -> Actor | None:
    """Check a password; lock the account for a while after repeated failures."""

    def work(s: Session, _events: list[Event]) -> Actor | None:
        user = s.scalar(select(User).where(User.username == username))
        now = ctx.clock()
        if user is None or not user.active:
            return None
        if user.locked_until and user.locked_until > now:
            raise Invalid("account_locked", until=user.locked_until.isoformat())
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            return None
        user.failed_logins = 0
        user.locked_until = None
        return Actor("user", user.id, user.role, user.site_id, via_session=True)

    return ctx.transact(work)


def create_token(
    ctx: Context,
    kind: str,
    *,
    username: str | None = None,
    site_slug: str | None = None,
    device_name: str | None = None,
    label: str = "",
) -> str:
    """Create a bearer token for an agent, or for a kiosk/display device (created if new)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work(s: Session, _events: list[Event]) -> str:
        now = ctx.clock()
        row = AccessToken(token_hash=hash_token(token), label=label, created_at=now)
        if kind == AGENT:
            if not username:
                raise Invalid("username_required")
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound("user_not_found", username=username)
            row.user_id = user.id
        elif kind in DEVICE_KINDS:
            if not site_slug or not device_name:
                raise Invalid("site_and_device_required")
            site = site_by_slug(s, site_slug)
            device = s.scalar(
                select(Device).where(
                    Device.site_id == site.id, Device.kind == kind, Device.name == device_name
                )
            )
            if device is None:
                device = Device(site_id=site.id, kind=kind, name=device_name, created_at=now)
                s.add(device)
                s.flush()
            row.device_id = device.id
        else:
            raise Invalid("unknown_token_kind", kind=kind)
        s.add(row)
        return token

    return ctx.transact(work)


def create_device_token(ctx: Context, device_id: int, label: str = "") -> str:
    """A new bearer token for an existing device (enrolment, token rotation)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work(s: Session, _events: list[Event]) -> str:
        s.add(
            AccessToken(
                token_hash=hash_token(token), device_id=device_id, label=label, created_at=ctx.clock()
            )
        )
        return token

    return ctx.transact(work)


def device_config(ctx: Context, device_id: int) -> dict[str, object]:
    """A device's configuration (a display's filters and languages, a kiosk's printer...)."""
    with ctx.db.session() as s:
        device = s.get(Device, device_id)
        return dict(device.config or {}) if device else {}


def resolve_token(ctx: Context, token: str, now: datetime) -> Actor | None:
    """The actor behind a bearer token, or None when unknown, revoked or its owner disabled (read from
    memory while nothing changed: read_cache.token_actor)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    with ctx.db.session() as s:
        return read_cache.token_actor(s, hash_token(token))


def revoke_tokens(
    s: Session, now: datetime, *, user_id: int | None = None, device_id: int | None = None
) -> None:
    """Every live token of the account or device stops working at once (deactivation, revocation)."""
    owner = AccessToken.user_id == user_id if user_id is not None else AccessToken.device_id == device_id
    s.execute(update(AccessToken).where(owner, AccessToken.revoked_at.is_(None)).values(revoked_at=now))


def actor_for_user(ctx: Context, user_id: int) -> Actor | None:
    """Rebuild the actor of a signed-in session, refusing a since-disabled account."""
    with ctx.db.session() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            return None
        return Actor("user", user.id, user.role, user.site_id, via_session=True)


def site_id_for_slug(ctx: Context, slug: str) -> int | None:
    with ctx.db.session() as s:
        return s.scalar(select(Site.id).where(Site.slug == slug[:64]))


def me(ctx: Context, actor: Actor) -> dict[str, object]:
    """Who is signed in, and the counter they sit at."""
    from ..models import Counter

    with ctx.db.session() as s:
        user = s.get(User, actor.id) if actor.is_user else None
        if user is None:
            raise NotFound("user_not_found", user=actor.id)
        site = s.get(Site, user.site_id) if user.site_id else None
        counter = s.scalar(select(Counter).where(Counter.agent_id == user.id).order_by(Counter.number))
        return {
            "id": user.id,
            "username": user.username,
            "name": user.display_name,
            "role": user.role,
            "site": site.slug if site else None,
            "counter": (
                {"id": counter.id, "number": counter.number, "name": counter.name, "status": counter.status}
                if counter
                else None
            ),
        }
