"""visitors' satisfaction answers, one per ticket

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 05:10:00.000000

The tracking page asks "Globalement satisfait ?" and a 0-10 score once a visit is over; the answer
keeps its service and business day so the statistics outlive the ticket.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guichet.models.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 10)", name=op.f("ck_satisfaction_answers_score")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_satisfaction_answers_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_satisfaction_answers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_satisfaction_answers_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_answers")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_satisfaction_answers_ticket_id")),
    )
    op.create_index("ix_satisfaction_answers_site_day", "satisfaction_answers", ["site_id", "business_day"])


def downgrade() -> None:
    op.drop_index("ix_satisfaction_answers_site_day", table_name="satisfaction_answers")
    op.drop_table("satisfaction_answers")
