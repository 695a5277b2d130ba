"""Pages of the counter workstation (filled in by the workstation, expert and admin views)."""

from __future__ import annotations

from . import bp  # noqa: F401
