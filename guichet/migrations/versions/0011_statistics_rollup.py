"""the statistics' daily rollup, and the retention job's door through the event log's triggers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:00:00.000000

Closed business days are summed into stats_cells and stats_histograms (stats_days says which), whole
months' histograms into stats_month_histograms (stats_months), so a year of figures reads tens of
thousands of rows and survives the purge of tickets' personal data. The
event log may now lose rows older than a retention grant (retention_grants), which only the retention
job writes, inside its own transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guichet.migrations.frozen import STRICT_APPEND_ONLY_POSTGRESQL, STRICT_APPEND_ONLY_SQLITE
from guichet.models.base import UTCDateTime
from guichet.models.tickets import APPEND_ONLY_POSTGRESQL, APPEND_ONLY_SQLITE

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COUNTS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "transferred",
    "redirected",
    "waited",
    "wait_sum",
)
_MORE = ("within_target", "quoted", "error_sum", "close", "timed", "service_sum")


def _site_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
    )


def _service_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["service_id"], ["services.id"], name=op.f(f"fk_{table}_service_id_services"), ondelete="CASCADE"
    )


def _histogram(table: str, period: sa.Column) -> list[sa.schema.SchemaItem]:
    """The columns and constraints of a histogram table, its period column given."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        period,
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=1), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _site_fk(table),
        _service_fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "retention_grants",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("before", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_retention_grants")),
    )
    op.create_table(
        "stats_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("rolled_at", UTCDateTime(timezone=True), nullable=False),
        _site_fk("stats_days"),
        sa.PrimaryKeyConstraint("site_id", "business_day", name=op.f("pk_stats_days")),
    )
    op.create_table(
        "stats_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("wait_max", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _MORE),
        _site_fk("stats_cells"),
        _service_fk("stats_cells"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_stats_cells_agent_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_cells")),
    )
    op.create_index("ix_stats_cells_site_day", "stats_cells", ["site_id", "business_day"])
    op.create_table(
        "stats_histograms",
        *_histogram("stats_histograms", sa.Column("business_day", sa.Date(), nullable=False)),
    )
    op.create_index("ix_stats_histograms_site_day", "stats_histograms", ["site_id", "business_day"])
    op.create_table(
        "stats_months",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("rolled_at", UTCDateTime(timezone=True), nullable=False),
        _site_fk("stats_months"),
        sa.PrimaryKeyConstraint("site_id", "month", name=op.f("pk_stats_months")),
    )
    op.create_table(
        "stats_month_histograms",
        *_histogram("stats_month_histograms", sa.Column("month", sa.Date(), nullable=False)),
    )
    op.create_index("ix_stats_month_histograms_site_month", "stats_month_histograms", ["site_id", "month"])
    _triggers(APPEND_ONLY_SQLITE, APPEND_ONLY_POSTGRESQL)


def _triggers(sqlite: list[str], postgresql: list[str]) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ticket_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS ticket_events_no_delete")
        for stmt in sqlite:
            op.execute(stmt)
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_events_append_only ON ticket_events")
        for stmt in postgresql:
            op.execute(stmt)


def downgrade() -> None:
    _triggers(STRICT_APPEND_ONLY_SQLITE, STRICT_APPEND_ONLY_POSTGRESQL)
    op.drop_index("ix_stats_month_histograms_site_month", table_name="stats_month_histograms")
    op.drop_table("stats_month_histograms")
    op.drop_table("stats_months")
    op.drop_index("ix_stats_histograms_site_day", table_name="stats_histograms")
    op.drop_table("stats_histograms")
    op.drop_index("ix_stats_cells_site_day", table_name="stats_cells")
    op.drop_table("stats_cells")
    op.drop_table("stats_days")
    op.drop_table("retention_grants")
