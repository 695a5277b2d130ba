"""The one-row counter that tells every process its cached reads are out of date."""

from __future__ import annotations

from sqlalchemy import DDL, BigInteger, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CacheEpoch(Base):
    """Bumped by every transaction that changes a site, its services or hours, a partner, an account,
    a device or a token (guichet.services.read_cache), in that same transaction."""

    __tablename__ = "cache_epoch"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


# Schemas made from the models (tests) start with the row, as the migration does.
_first_row = DDL("INSERT INTO cache_epoch (id, value) VALUES (1, 0)")  # type: ignore[no-untyped-call]
event.listen(CacheEpoch.__table__, "after_create", _first_row)
