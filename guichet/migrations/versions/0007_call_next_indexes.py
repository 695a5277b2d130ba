"""indexes of the waiting tickets for call-next

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:40:00.000000

Call-next read every waiting ticket of the day and ranked them in Python, so its cost grew with the
queue. It now reads the head of each service's queue of plain walk-ins and the few tickets routed
otherwise, each through a partial index on the waiting tickets; the queue's length per service (the
screens' figures after every change) is counted from an index of the waiting tickets alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SPECIAL = (
    "priority OR placed_first OR appointment_at IS NOT NULL "
    "OR target_counter_id IS NOT NULL OR target_agent_id IS NOT NULL"
)
WALK_INS = f"state = 'waiting' AND NOT ({SPECIAL})"
OTHERS = f"state = 'waiting' AND ({SPECIAL})"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_waiting",
        "tickets",
        ["site_id", "business_day", "service_id"],
        sqlite_where=sa.text("state = 'waiting'"),
        postgresql_where=sa.text("state = 'waiting'"),
    )
    op.create_index(
        "ix_tickets_waiting_walk_ins",
        "tickets",
        ["service_id", "business_day", "arrived_at", "id"],
        sqlite_where=sa.text(WALK_INS),
        postgresql_where=sa.text(WALK_INS),
    )
    op.create_index(
        "ix_tickets_waiting_special",
        "tickets",
        ["site_id", "business_day"],
        sqlite_where=sa.text(OTHERS),
        postgresql_where=sa.text(OTHERS),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_waiting_special", table_name="tickets")
    op.drop_index("ix_tickets_waiting_walk_ins", table_name="tickets")
    op.drop_index("ix_tickets_waiting", table_name="tickets")
