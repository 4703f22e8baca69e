"""Unsent report drafts: what a person answered of a crime report before leaving.

- ``report_drafts``: one row per conversation (unique ``conversation_id``), the answers so
  far (personal data), the question being asked, status and timestamps. Kept by the action
  server as the form goes, deleted on submission or cancel; retention erases old ones.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported: a migration must not change when code does.
STATUS_RULE = "status IN ('unsent', 'following_up')"


def upgrade() -> None:
    op.create_table(
        "report_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("crime_type", sa.String(length=40), nullable=False),
        sa.Column(
            "answers",
            sa.JSON(),
            nullable=False,
            comment="Personal data: the answers given so far, by slot",
        ),
        sa.Column(
            "asking",
            sa.String(length=100),
            nullable=True,
            comment="The slot the bot was asking for when the draft was last kept",
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUS_RULE, name=op.f("ck_report_drafts_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_drafts")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_report_drafts_conversation_id")),
    )
    with op.batch_alter_table("report_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_drafts_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_drafts_updated_at"))
    op.drop_table("report_drafts")
