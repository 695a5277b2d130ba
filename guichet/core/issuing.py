"""The issuing rules every door obeys: whether a service gives tickets now, and to whom.

Pure functions over what the services read (hours, the day's count, the actor's kind), so the kiosk
page, the REST API, the counter's walk-in and the appointment check-in answer alike: they all reach
these rules through guichet.services.tickets.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from . import opening
from .errors import DomainError
from .site_settings import LEGAL_PRIORITY

# The service's or the site's opening hours: ranges by weekday (0 = Monday), and dated exceptions
# (an empty list closes the whole day).
Weekly = Mapping[int, Sequence[opening.Range]]
Exceptions = Mapping[date, Sequence[opening.Range]]


@dataclass(frozen=True)
class Calendar:
    weekly: Weekly
    exceptions: Exceptions

    @property
    def empty(self) -> bool:
        """No hours at all: the place never closes (a test site, a 24-hour kiosk)."""
        return not (self.weekly or self.exceptions)

    @property
    def has_weekly(self) -> bool:
        return bool(self.weekly)


# Hours that never close: what a check-in uses for the service's own hours.
ALWAYS = Calendar({}, {})


class Closed(StrEnum):
    """Why a service gives no ticket now (shown on the kiosk, sent in API errors)."""

    INACTIVE = "inactive"
    SITE_CLOSED = "site_closed"
    HOURS = "hours"
    QUOTA = "quota"


@dataclass(frozen=True)
class Availability:
    """A service's state now: open, or closed for a reason until an opening (None: not known)."""

    closed: Closed | None = None
    next_opening: datetime | None = None

    @property
    def open(self) -> bool:
        return self.closed is None


def open_now(local: datetime, calendar: Calendar) -> tuple[bool, datetime | None]:
    """Whether the calendar is open at this local time, and if not, when it next opens."""
    if calendar.empty or opening.is_open(local, calendar.weekly, calendar.exceptions):
        return True, None
    return False, opening.next_opening(local, calendar.weekly, calendar.exceptions)


def _next_day_opening(local: datetime, calendar: Calendar) -> datetime | None:
    """First opening on a later day: a quota counts per business day."""
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    if calendar.empty:
        return midnight
    return opening.next_opening(midnight, calendar.weekly, calendar.exceptions)


def availability(
    local: datetime,
    *,
    active: bool,
    site_hours: Calendar,
    own_hours: Calendar,
    issued: int,
    quota: int | None,
) -> Availability:
    """Can the service issue a ticket at this local time? Deactivated, then the site's hours, then the
    service's own hours, then its daily quota (`issued` tickets so far today)."""
    if not active:
        return Availability(Closed.INACTIVE)
    site_open, site_next = open_now(local, site_hours)
    if not site_open:
        return Availability(Closed.SITE_CLOSED, site_next)
    own_open, own_next = open_now(local, own_hours)
    if not own_open:
        return Availability(Closed.HOURS, own_next)
    if quota is not None and issued >= quota:
        hours = own_hours if own_hours.has_weekly else site_hours
        return Availability(Closed.QUOTA, _next_day_opening(local, hours))
    return Availability()


def check_available(service: str, state: Availability, quota: int | None) -> None:
    """Refuse a ticket from a closed service: `quota_reached`, or `service_closed` with why and when."""
    if state.closed is None:
        return
    if state.closed is Closed.QUOTA:
        raise DomainError("quota_reached", quota=quota)
    raise DomainError(
        "service_closed",
        service=service,
        reason=state.closed.value,
        next_opening=state.next_opening.isoformat() if state.next_opening else "",
    )


# Level 1 is the walk-in reception; level 2 experts receive on appointment or after a level-1 agent
# routed the visitor to them (docs/contracts/counter.md).
WALK_IN_LEVEL = 1


def check_level(service: str, level: int, from_kiosk: bool) -> None:
    """A kiosk gives tickets for the walk-in reception only; experts are reached by appointment."""
    if from_kiosk and level != WALK_IN_LEVEL:
        raise DomainError("service_by_appointment", service=service)


def priority_of(priority: bool, reason: str | None, allowed: Collection[str]) -> tuple[bool, str | None]:
    """A priority ticket and its category: a given reason must be one the site accepts (the legal CMI
    always is), and giving one asks for priority. An agent may grant priority without naming one."""
    if reason is not None:
        if reason != LEGAL_PRIORITY and reason not in allowed:
            raise DomainError("unknown_priority_reason", reason=reason)
        return True, reason
    return priority, None
