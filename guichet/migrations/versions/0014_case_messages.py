"""the written exchange of a level-2 case with its citizen: grouped answers and replies

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:20:00.000000

Each grouped answer sent to the citizen, and each reply they send from the signed follow page (which
reopens an answered case), is one row. Answers given before this revision are copied in, so every
answered case's exchange starts with its answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guichet.models.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=8000), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('answer', 'reply')", name=op.f("ck_case_messages_kind")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_messages_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_case_messages_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
    )
    op.create_index(op.f("ix_case_messages_case_id"), "case_messages", ["case_id"], unique=False)
    op.execute(
        "INSERT INTO case_messages (case_id, kind, text, at, by_id) "
        "SELECT id, 'answer', answer, answered_at, answered_by_id FROM cases "
        "WHERE answer IS NOT NULL AND answered_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_messages_case_id"), table_name="case_messages")
    op.drop_table("case_messages")
