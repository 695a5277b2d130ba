"""What every administrative change does besides itself: an audit entry and a hint to the screens.

Both happen in the change's own transaction (the hint is published after commit), so the kiosk,
the displays and the counters reload their data within seconds, and the log says who did it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from . import audit
from .context import Actor, Event


def settings_changed(site_id: int, part: str) -> Event:
    """Screens and workstations reload their snapshot: a service, the hours or a message changed."""
    return Event("settings_changed", site_id, {"part": part})


def record_change(
    s: Session,
    events: list[Event],
    actor: Actor | None,
    now: datetime,
    kind: str,
    site_id: int | None,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    part: str | None = None,
) -> None:
    """Audit the change and, when `part` is given, tell the site's pages to reload it."""
    audit.record(s, actor, now, kind, site_id, target, before, after)
    if part is not None and site_id is not None:
        events.append(settings_changed(site_id, part))
