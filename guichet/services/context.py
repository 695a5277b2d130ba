"""What a use case needs from the outside world, passed in explicitly (never read from Flask)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..db import Database
from ..settings import Settings

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """Something screens should hear about; published only once its transaction has committed."""

    name: str
    site_id: int
    payload: dict[str, Any]
    tracking_token: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting: an agent (user) or an enrolled device, as authenticated by the web layer."""

    kind: str  # "user" or "device"
    id: int
    role: str  # user role, or the device kind ("kiosk", "display")
    site_id: int | None  # None: every site
    via_session: bool = False

    @property
    def user_id(self) -> int | None:
        return self.id if self.kind == "user" else None

    @property
    def device_id(self) -> int | None:
        return self.id if self.kind == "device" else None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"


@dataclass
class Context:
    db: Database
    settings: Settings
    publish: Callable[[list[Event]], None] = lambda events: None
    clock: Callable[[], datetime] = field(default=utcnow)

    def transact(self, work: Callable[[Session, list[Event]], T]) -> T:
        """Run `work` in one write transaction; hand its events to the hub only after commit."""
        holder: list[list[Event]] = []

        def attempt(session: Session) -> T:
            outbox: list[Event] = []
            holder[:] = [outbox]
            return work(session, outbox)

        result = self.db.write(attempt)
        if holder and holder[0]:
            self.publish(holder[0])
        return result

    def within(self, session: Session, outbox: list[Event]) -> Context:
        """The same context, its use cases running inside an open transaction: several use cases
        then commit (or roll back) together, as a configuration import does."""
        return _Joined(self.db, self.settings, self.publish, self.clock, session=session, outbox=outbox)


@dataclass
class _Joined(Context):
    session: Session | None = None
    outbox: list[Event] = field(default_factory=list)

    def transact(self, work: Callable[[Session, list[Event]], T]) -> T:
        assert self.session is not None
        return work(self.session, self.outbox)


# The command line acts as an administrator of every site; the audit log names it "system".
SYSTEM = Actor(kind="system", id=0, role="admin", site_id=None)
