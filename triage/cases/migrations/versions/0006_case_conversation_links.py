"""Conversations attached to existing cases by staff (the operator console's "attach").

- ``case_conversation_links``: one row per (case, conversation), identifiers only; who
  attached it and why is in the processing log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_conversation_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_conversation_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_conversation_links")),
        sa.UniqueConstraint(
            "case_id", "conversation_id", name=op.f("uq_case_conversation_links_case_id")
        ),
    )
    with op.batch_alter_table("case_conversation_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_conversation_links_conversation_id"),
            ["conversation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_conversation_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_conversation_links_conversation_id"))
    op.drop_table("case_conversation_links")
