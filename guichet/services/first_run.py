"""The first run without the demo: on a database with no account, a one-time setup page creates the
first administrator and the first site. It asks for a code only the person at the server can read
(printed by `guichet serve` and `guichet setup`), so nobody on the network can take the empty server."""

from __future__ import annotations

import base64
import hashlib
import hmac

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.errors import DomainError, Forbidden
from ..core.roles import ADMIN
from ..models import User
from ..settings import Settings
from .accounts import hash_password
from .changes import record_change
from .context import Context, Event
from .inputs import Input
from .site_setup import SiteIn, Zone, new_site


class FirstRun(Input):
    code: str = Field(min_length=1, max_length=40, description="The code printed by `guichet setup`")
    site_name: str = Field(min_length=1, max_length=200)
    site_slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="In the site's addresses")
    timezone: Zone = "Europe/Paris"
    address: str = Field("", max_length=400)
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=256)


def setup_code(settings: Settings) -> str:
    """Derived from the secret key, so every server process agrees on it and nothing is stored."""
    digest = hmac.new(settings.secret_key.encode(), b"guichet-first-run", hashlib.sha256).digest()
    letters = base64.b32encode(digest).decode()[:12]
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def _same_code(given: str, settings: Settings) -> bool:
    clean = given.strip().upper().replace(" ", "")
    return hmac.compare_digest(clean.encode(), setup_code(settings).encode())


def needs_setup(ctx: Context) -> bool:
    """True while the database holds no account at all (the demo and `guichet user add` make one)."""
    with ctx.db.session() as s:
        return not s.scalar(select(func.count()).select_from(User))


def run_setup(ctx: Context, data: FirstRun) -> int:
    """Create the first site and its administrator in one transaction; refused once any account exists."""
    if not _same_code(data.code, ctx.settings):
        raise Forbidden("setup_code_wrong", field="code")
    password_hash = hash_password(data.password)

    def work(s: Session, events: list[Event]) -> int:
        if s.scalar(select(func.count()).select_from(User)):
            raise DomainError("setup_done")
        now = ctx.clock()
        site_in = SiteIn.model_validate(
            {
                "slug": data.site_slug,
                "name": data.site_name,
                "timezone": data.timezone,
                "address": data.address,
            }
        )
        new_site(s, events, None, now, site_in, slug_field="site_slug")
        admin = User(
            username=data.username,
            display_name=data.display_name,
            password_hash=password_hash,
            role=ADMIN,
            site_id=None,
            created_at=now,
        )
        s.add(admin)
        s.flush()
        user_after = {"username": admin.username, "role": admin.role}
        record_change(s, events, None, now, "user.created", None, admin.username, None, user_after)
        return admin.id

    return ctx.transact(work)
