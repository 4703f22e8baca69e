"""Cases: crime family, account, location, time window, receipt code, outcome; messages.

- ``cases`` gets first-class columns for the crime family, the free-text account, the
  location and the time window (filled from the old ``details`` answers), the receipt code
  of a report that waited in the outbox, and the outcome of a closed case.
- ``case_status_changes`` records the outcome and who made each change; its note is now
  labelled as personal data.
- ``case_messages`` holds messages from the force to the reporter.

Only a closed case may carry an outcome. Closing needs one, but that is enforced by the
store, so cases closed before this revision remain valid rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:12:40.118204
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported: a migration must not change when code does.
OUTCOME_RULE = (
    "outcome IS NULL OR (status = 'closed' AND outcome IN ('charged', "
    "'out_of_court_resolution', 'no_suspect_identified', 'evidential_difficulties', "
    "'victim_does_not_support_action', 'not_in_public_interest', "
    "'referred_to_another_agency', 'no_crime'))"
)
FAMILY_OF = {
    "theft": "acquisitive",
    "burglary": "acquisitive",
    "vehicle_crime": "acquisitive",
    "criminal_damage": "damage",
    "assault": "violence",
    "harassment": "violence",
    "hate_crime": "violence",
    "asb": "community",
    "drugs": "community",
    "road_offence": "road",
    "fraud": "fraud",
}
ACCOUNT_COMMENT = "Personal data: the reporter's own account of what happened"
LOCATION_COMMENT = "Personal data: where it happened, may be a home address"
NOTE_COMMENT = "Personal data: staff note, may name people"
CHANGED_BY_COMMENT = "Personal data: the member of staff who changed it"


def _json_text(dialect: str, key: str) -> str:
    if dialect == "postgresql":
        return f"(details::json ->> '{key}')"
    return f"json_extract(details, '$.{key}')"


def _backfill() -> None:
    """Fill the new columns of existing cases from their stored answers."""
    dialect = op.get_bind().dialect.name
    family = " ".join(f"WHEN '{crime}' THEN '{name}'" for crime, name in FAMILY_OF.items())
    op.execute(
        "UPDATE cases SET "
        f"crime_family = CASE crime_type {family} ELSE 'unclassified' END, "
        f"account = COALESCE({_json_text(dialect, 'incident_description')}, ''), "
        f"location = {_json_text(dialect, 'incident_where')}, "
        f"time_window = SUBSTR({_json_text(dialect, 'incident_when')}, 1, 200)"
    )


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("crime_family", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("account", sa.Text(), nullable=True, comment=ACCOUNT_COMMENT))
        batch_op.add_column(
            sa.Column("location", sa.Text(), nullable=True, comment=LOCATION_COMMENT)
        )
        batch_op.add_column(sa.Column("time_window", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))

    _backfill()

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("crime_family", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column(
            "account", existing_type=sa.Text(), nullable=False, comment=ACCOUNT_COMMENT
        )
        batch_op.create_unique_constraint(batch_op.f("uq_cases_receipt_code"), ["receipt_code"])
        batch_op.create_check_constraint(batch_op.f("ck_cases_outcome"), OUTCOME_RULE)
        batch_op.create_index(batch_op.f("ix_cases_crime_family"), ["crime_family"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)

    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column(
                "changed_by", sa.String(length=100), nullable=True, comment=CHANGED_BY_COMMENT
            )
        )
        batch_op.alter_column(
            "note", existing_type=sa.Text(), existing_nullable=True, comment=NOTE_COMMENT
        )
        batch_op.create_check_constraint(batch_op.f("ck_case_status_changes_outcome"), OUTCOME_RULE)

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.Text(),
            nullable=False,
            comment="Personal data: what the force told the reporter",
        ),
        sa.Column(
            "sent_by",
            sa.String(length=100),
            nullable=True,
            comment="Personal data: the member of staff who wrote it",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_messages_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
    )
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_messages_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_messages_case_id"))
    op.drop_table("case_messages")

    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_status_changes_outcome"), type_="check")
        batch_op.alter_column("note", existing_type=sa.Text(), existing_nullable=True, comment=None)
        batch_op.drop_column("changed_by")
        batch_op.drop_column("outcome")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_crime_family"))
        batch_op.drop_constraint(batch_op.f("ck_cases_outcome"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_cases_receipt_code"), type_="unique")
        batch_op.drop_column("outcome")
        batch_op.drop_column("time_window")
        batch_op.drop_column("location")
        batch_op.drop_column("account")
        batch_op.drop_column("crime_family")
        batch_op.drop_column("receipt_code")
