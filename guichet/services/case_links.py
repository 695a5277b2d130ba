"""The citizen's signed link to follow a level-2 case: `/demande/suivi/<id>/<HMAC-SHA256(secret,
"case:<id>")[:32]>` (booking.links' construction): nothing stored, unguessable (128 bits); rotating
the secret key revokes every link."""

from __future__ import annotations

from .booking.links import digest_matches, keyed_digest
from .context import Context


def signature(ctx: Context, case_id: int) -> str:
    return keyed_digest(ctx, f"case:{case_id}")


def follow_path(ctx: Context, case_id: int) -> str:
    return f"/demande/suivi/{case_id}/{signature(ctx, case_id)}"


def follow_url(ctx: Context, case_id: int) -> str:
    return ctx.settings.public_url + follow_path(ctx, case_id)


def signed(ctx: Context, case_id: int, sig: str | None) -> bool:
    return digest_matches(sig, signature(ctx, case_id))
