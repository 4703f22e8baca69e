"""Initial case store: cases, status history, updates, contact log, handoff requests.

Timestamps are DateTime(timezone=True); the models wrap them in UTCDateTime, which
only converts values in Python and needs nothing in the database.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:08:38.555830
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the models: a migration must not change when code does.
CASE_STATUSES = (
    "status IN ('received', 'under_review', 'crime_recorded', 'allocated', "
    "'further_information_needed', 'closed')"
)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("crime_type", sa.String(length=40), nullable=False),
        sa.Column(
            "details", sa.JSON(), nullable=False, comment="Personal data: the report's answers"
        ),
        sa.Column(
            "reporter_name",
            sa.String(length=200),
            nullable=True,
            comment="Personal data: reporter's name",
        ),
        sa.Column(
            "reporter_contact",
            sa.String(length=320),
            nullable=True,
            comment="Personal data: reporter's email or phone",
        ),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column(
            "reporter_verify_tokens",
            sa.JSON(),
            nullable=False,
            comment="Personal data: normalised emails, phones, postcodes that verify the reporter",
        ),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            CASE_STATUSES,
            name=op.f("ck_cases_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_cases_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cases_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_created_at"), ["created_at"], unique=False)

    op.create_table(
        "contact_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False, comment="Personal data: what was said"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_logs")),
    )
    with op.batch_alter_table("contact_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_logs_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column(
            "summary", sa.JSON(), nullable=False, comment="Personal data: the conversation so far"
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'closed')", name=op.f("ck_handoff_requests_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_requests")),
    )
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_requests_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handoff_requests_status"), ["status"], unique=False)

    op.create_table(
        "case_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            CASE_STATUSES,
            name=op.f("ck_case_status_changes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_status_changes_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_changes")),
    )
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_status_changes_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "case_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "information_text",
            sa.Text(),
            nullable=False,
            comment="Personal data: what the reporter added",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_updates_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_updates")),
    )
    with op.batch_alter_table("case_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_updates_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_updates_case_id"))

    op.drop_table("case_updates")
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_changes_case_id"))

    op.drop_table("case_status_changes")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_requests_status"))
        batch_op.drop_index(batch_op.f("ix_handoff_requests_conversation_id"))

    op.drop_table("handoff_requests")
    with op.batch_alter_table("contact_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_logs_conversation_id"))

    op.drop_table("contact_logs")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_created_at"))
        batch_op.drop_index(batch_op.f("ix_cases_conversation_id"))

    op.drop_table("cases")
