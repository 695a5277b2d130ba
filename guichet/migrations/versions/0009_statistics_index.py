"""an index of a site's tickets by business day, for the statistics

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:35:00.000000

GET /sites/{site}/stats aggregates a site's tickets over a range of business days; without this index
a one-day figure scanned every ticket of every site.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_site_day", "tickets", ["site_id", "business_day"])


def downgrade() -> None:
    op.drop_index("ix_tickets_site_day", table_name="tickets")
