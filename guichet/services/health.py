"""Whether this installation can serve: its database answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from .context import Context


def check(ctx: Context) -> dict[str, Any]:
    """One round trip to the database (an error propagates: the caller is told it is down)."""
    with ctx.db.session() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok", "database": ctx.db.dialect}
