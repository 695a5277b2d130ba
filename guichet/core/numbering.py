"""Ticket numbers: one letter per service and a daily sequence, e.g. A007."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import DomainError

PREFIX_RE = re.compile(r"[A-Z]")


def format_number(prefix: str, sequence: int) -> str:
    """Label shown and printed: the service letter and at least three digits (A007, A1000)."""
    if not PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"prefix must be one capital letter, not {prefix!r}")
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix}{sequence:03d}"


def business_day(now: datetime, timezone: str) -> date:
    """The day a ticket belongs to is the site's local calendar day, not the server's or UTC's."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(timezone)).date()


def check_quota(sequence: int, daily_quota: int | None) -> None:
    """A service with a daily quota stops issuing once the day's sequence passes it."""
    if daily_quota is not None and sequence > daily_quota:
        raise DomainError("quota_reached", quota=daily_quota)
