"""The citizen's signed manage link, and how long an appointment can still be changed through it.

The link is `/rdv/gerer/<code>/<HMAC-SHA256(secret, code)[:32]>`: no token to store, unguessable
(128 bits). Experts' private calendar feeds use the same construction per user (`feeds.py`). Rotating
the secret key revokes them all: there is no per-link revocation.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from ...core.errors import DomainError, Forbidden
from ...models import Appointment
from ..context import Context


def keyed_digest(ctx: Context, message: str) -> str:
    """HMAC-SHA256 of `message` with the secret key, cut to 128 bits: unguessable, short enough for a URL."""
    key = ctx.settings.secret_key.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def digest_matches(given: str | None, expected: str) -> bool:
    """Compare in constant time (a timing difference must not reveal a signature's first characters)."""
    return bool(given) and hmac.compare_digest(str(given)[:64], expected)


def signature(ctx: Context, code: str) -> str:
    """The unguessable part of a manage link (HMAC-SHA256 of the code with the secret key, 128 bits)."""
    return keyed_digest(ctx, f"manage:{code}")


def manage_url(ctx: Context, code: str) -> str:
    return f"{ctx.settings.public_url}/rdv/gerer/{code}/{signature(ctx, code)}"


def check_signature(ctx: Context, code: str, sig: str | None) -> None:
    """The link's signature is the citizen's key to their appointment: without it, 403."""
    if not digest_matches(sig, signature(ctx, code)):
        raise Forbidden("bad_signature")


def change_until(ctx: Context, a: Appointment) -> datetime:
    """Changes through the link close GUICHET_BOOKING_CHANGE_LIMIT_H hours before the start, so the
    service knows its day in advance."""
    return a.starts_at - timedelta(hours=ctx.settings.booking_change_limit_h)


def check_changeable(ctx: Context, a: Appointment) -> None:
    """A citizen may cancel, move or join the waitlist only for a booked appointment before the limit."""
    if a.status != "booked":
        raise DomainError("appointment_not_active")
    if ctx.clock() >= change_until(ctx, a):
        raise DomainError("change_too_late", hours=ctx.settings.booking_change_limit_h)
