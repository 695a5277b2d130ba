"""The statistics' daily rollup: once a business day is over, its tickets are summed into cells (one
per service, hour of arrival, agent and priority) and its waits and service times into histograms, so
a year of figures reads tens of thousands of rows instead of a million, and the figures outlive the
tickets' personal data (retention empties notes and agents). docs/architecture.md, "Statistics"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StatsDay(Base):
    """A site's business day whose tickets are rolled up: from then on its figures are read from the
    cells and histograms only."""

    __tablename__ = "stats_days"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    business_day: Mapped[date] = mapped_column(primary_key=True)
    rolled_at: Mapped[datetime]


class StatsCell(Base):
    """Additive sums of one day's tickets sharing a service, hour of arrival (site time), agent and
    priority. Waits count the first issue of tickets called (not served at once at the counter)."""

    __tablename__ = "stats_cells"
    __table_args__ = (Index("ix_stats_cells_site_day", "site_id", "business_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    business_day: Mapped[date]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    hour: Mapped[int]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    priority: Mapped[bool]
    issued: Mapped[int]
    served: Mapped[int]
    no_show: Mapped[int]
    cancelled: Mapped[int]
    transferred: Mapped[int]
    redirected: Mapped[int]
    waited: Mapped[int]
    wait_sum: Mapped[int]
    wait_max: Mapped[int | None]
    within_target: Mapped[int]
    quoted: Mapped[int]
    error_sum: Mapped[int]
    close: Mapped[int]
    timed: Mapped[int]
    service_sum: Mapped[int]


class _Buckets:
    """A histogram's rows: how many durations of a service fell in each bucket."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(1))  # 'w' waits, 's' service times
    bucket: Mapped[int]  # its upper bound in seconds
    n: Mapped[int]


class StatsHistogram(_Buckets, Base):
    """How many of a day's waits (metric 'w') or service times ('s') of a service fell in each bucket
    (its upper bound in seconds: 1 min steps to an hour, 5 min to three hours, 15 min beyond)."""

    __tablename__ = "stats_histograms"
    __table_args__ = (Index("ix_stats_histograms_site_day", "site_id", "business_day"),)

    business_day: Mapped[date]


class StatsMonth(Base):
    """A site's month whose days are all rolled up and whose histograms are summed into
    stats_month_histograms: a period covering the whole month reads those instead of its days'."""

    __tablename__ = "stats_months"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # its first day
    rolled_at: Mapped[datetime]


class StatsMonthHistogram(_Buckets, Base):
    """A month's StatsHistogram rows summed per service, metric and bucket."""

    __tablename__ = "stats_month_histograms"
    __table_args__ = (Index("ix_stats_month_histograms_site_month", "site_id", "month"),)

    month: Mapped[date]  # its first day


class RetentionGrant(Base):
    """The one door through the event log's append-only triggers: the retention job writes a row,
    deletes the rows older than its `before`, and removes the row in the same transaction, so no
    other connection ever sees it."""

    __tablename__ = "retention_grants"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    before: Mapped[datetime]
