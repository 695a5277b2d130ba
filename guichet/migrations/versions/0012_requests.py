"""requests from every channel, and the channel of cases and tickets

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00.000000

A level-1 agent records a request that came by phone, e-mail, post, a social network, the web form
or the desk without a ticket: solved at once (an outcome) or escalated to a level-2 case. Cases and
tickets say their channel (desk for those already there). The SLA clock's warnings: when each was
sent on the case, and the notification (outbox) naming the case.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from guichet.models.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="desk", nullable=False))
        batch_op.add_column(sa.Column("warned_near_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("warned_overdue_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_case_id_cases"), "cases", ["case_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_notifications_case_id"), ["case_id"], unique=False)
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="desk", nullable=False))
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('phone', 'email', 'post', 'social', 'desk', 'web')", name=op.f("ck_requests_channel")
        ),
        sa.CheckConstraint("(outcome IS NULL) <> (case_id IS NULL)", name=op.f("ck_requests_outcome_or_case")),
        sa.CheckConstraint(
            "consent OR (contact_name IS NULL AND contact_email IS NULL AND contact_phone IS NULL)",
            name=op.f("ck_requests_contact_consent"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_requests_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_requests_recorded_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_requests_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("case_id", name=op.f("uq_requests_case_id")),
    )
    op.create_index("ix_requests_site_day", "requests", ["site_id", "business_day"])
    op.create_table(
        "request_services",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_request_services_request_id_requests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_request_services_service_id_services")
        ),
        sa.PrimaryKeyConstraint("request_id", "service_id", name=op.f("pk_request_services")),
    )


def downgrade() -> None:
    op.drop_table("request_services")
    op.drop_index("ix_requests_site_day", table_name="requests")
    op.drop_table("requests")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_case_id"))
        batch_op.drop_constraint(batch_op.f("fk_notifications_case_id_cases"), type_="foreignkey")
        batch_op.drop_column("case_id")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("warned_overdue_at")
        batch_op.drop_column("warned_near_at")
        batch_op.drop_column("channel")
