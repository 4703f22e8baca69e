"""Processing log (DPA 2018 s.62) and the erasure mark on cases (s.39 retention).

- ``processing_log``: one row per collection, alteration, consultation, disclosure,
  combination or erasure, naming the case by reference and the fields touched, never
  their contents.
- ``cases.erased_at``: when retention erased a case's personal data; the row stays, with
  its reference, type and status history, as the record that the case existed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported: a migration must not change when code does.
ACTION_RULE = (
    "action IN ('collection', 'alteration', 'consultation', 'disclosure', 'combination', 'erasure')"
)
SUBJECT_KIND_RULE = "subject_kind IN ('case', 'outbox')"
ERASED_AT_COMMENT = "When retention erased the personal data (the case row stays as a record)"


def upgrade() -> None:
    op.create_table(
        "processing_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_ref", sa.String(length=40), nullable=False),
        sa.Column(
            "actor",
            sa.String(length=120),
            nullable=False,
            comment="staff:<login>, public:<conversation digest> or system:<process>",
        ),
        sa.Column("justification", sa.String(length=500), nullable=True),
        sa.Column("recipient", sa.String(length=120), nullable=True),
        sa.Column(
            "fields", sa.JSON(), nullable=False, comment="Names of the fields touched, not values"
        ),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ACTION_RULE, name=op.f("ck_processing_log_action")),
        sa.CheckConstraint(SUBJECT_KIND_RULE, name=op.f("ck_processing_log_subject_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_log")),
    )
    with op.batch_alter_table("processing_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processing_log_subject_ref"), ["subject_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_processing_log_created_at"), ["created_at"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "erased_at", sa.DateTime(timezone=True), nullable=True, comment=ERASED_AT_COMMENT
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("processing_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_processing_log_subject_ref"))
    op.drop_table("processing_log")
