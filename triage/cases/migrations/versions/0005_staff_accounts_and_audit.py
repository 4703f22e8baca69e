"""Staff accounts and the operator console's audit log.

- ``staff_accounts``: one row per member of contact-centre staff, keyed by login, with an
  argon2id password hash (never the password), role and whether the account is active.
- ``staff_audit``: who viewed, disclosed or changed what in the console, and when; names
  conversations, queue items and cases by identifier only, with a redacted reason.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported: a migration must not change when code does.
ROLE_RULE = "role IN ('operator', 'supervisor')"
KIND_RULE = (
    "kind IN ('access', 'collection', 'alteration', 'consultation', 'disclosure', "
    "'combination', 'erasure')"
)


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column(
            "password_hash",
            sa.String(length=255),
            nullable=False,
            comment="argon2id, PHC string format",
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ROLE_RULE, name=op.f("ck_staff_accounts_role")),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff_accounts")),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor",
            sa.String(length=120),
            nullable=False,
            comment="staff user name, or cli:<os user>",
        ),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("case_reference", sa.String(length=40), nullable=True),
        sa.Column(
            "reason",
            sa.String(length=300),
            nullable=True,
            comment="What staff typed, redacted before storing",
        ),
        sa.Column(
            "detail",
            sa.String(length=200),
            nullable=True,
            comment="Codes such as outcome=advice_given, never message text",
        ),
        sa.CheckConstraint(KIND_RULE, name=op.f("ck_staff_audit_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_audit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_audit_actor"), ["actor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_staff_audit_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_audit_case_reference"), ["case_reference"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_audit_case_reference"))
        batch_op.drop_index(batch_op.f("ix_staff_audit_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_staff_audit_actor"))
        batch_op.drop_index(batch_op.f("ix_staff_audit_at"))
    op.drop_table("staff_audit")
    op.drop_table("staff_accounts")
