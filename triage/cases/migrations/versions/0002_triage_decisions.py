"""Triage decisions: every decision with its reasons and route, for audit and measurement.

Text columns hold redacted text only; they are still labelled as personal data because free
text can identify someone even with details removed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:04:16.567604
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from triage.decisions: a migration must not change when code does.
CATEGORIES = "category IN ('emergency', 'crime_report', 'enquiry', 'other')"
PRIORITIES = "priority IN ('P1', 'P2', 'P3', 'P4')"


def upgrade() -> None:
    op.create_table(
        "triage_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column(
            "flags",
            sa.JSON(),
            nullable=False,
            comment="Personal data: flags with their redacted evidence",
        ),
        sa.Column(
            "reasons",
            sa.JSON(),
            nullable=False,
            comment="Personal data: why triage raised it, may quote redacted words",
        ),
        sa.Column("route_actions", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column(
            "redacted_text",
            sa.Text(),
            nullable=False,
            comment="Personal data: the message with details redacted",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(CATEGORIES, name=op.f("ck_triage_decisions_category")),
        sa.CheckConstraint(PRIORITIES, name=op.f("ck_triage_decisions_priority")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_decisions")),
    )
    with op.batch_alter_table("triage_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_decisions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_triage_decisions_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_triage_decisions_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("triage_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_decisions_created_at"))
        batch_op.drop_index(batch_op.f("ix_triage_decisions_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_triage_decisions_contact_id"))

    op.drop_table("triage_decisions")
