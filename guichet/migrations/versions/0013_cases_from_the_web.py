"""a level-2 case may have no agent who opened it (a request from the web form)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:45:00.000000

On SQLite the column change recreates `cases` (batch mode); env.py runs it with foreign keys off and
checks them afterwards, so the rows that reference cases (their services, requests, appointments,
notifications, tickets' escalations) stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("opened_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("opened_by_id", existing_type=sa.Integer(), nullable=False)
