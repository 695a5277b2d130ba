"""the cache epoch: one counter every change to cached reads bumps

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:10:00.000000

Sites, services, hours, partners and tokens are read on every request but change a few times a day.
Each server process keeps them in memory and reads this one row instead, in the request's own
transaction; every transaction that changes them bumps it (guichet.services.read_cache), so no
process ever serves a revoked token or a deactivated service from memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "cache_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_epoch")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("cache_epoch")
