"""The audit log: who changed what, when, with the values before and after (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, String, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEntry(Base):
    """One administrative change or sensitive agent action.

    No foreign keys: an entry outlives the account, device or site it names (the names are copied),
    and the database refuses to rewrite it, like the ticket events.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    site_id: Mapped[int | None] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, device, system
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(64), index=True)  # service.created, ticket.no_show...
    target: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


AUDIT_APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
]
AUDIT_APPEND_ONLY_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
       FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
]
for _stmt in AUDIT_APPEND_ONLY_SQLITE:
    _ddl = DDL(_stmt)  # type: ignore[no-untyped-call]  # DDL.__init__ is unannotated in SQLAlchemy 2.1
    event.listen(AuditEntry.__table__, "after_create", _ddl.execute_if(dialect="sqlite"))
for _stmt in AUDIT_APPEND_ONLY_POSTGRESQL:
    _ddl = DDL(_stmt)  # type: ignore[no-untyped-call]  # DDL.__init__ is unannotated in SQLAlchemy 2.1
    event.listen(AuditEntry.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))
