"""Tables of the staff domain: accounts and the console's audit log (SQLAlchemy 2, typed).

They live in the case store's database and migration chain (revision 0005) but on a
metadata of their own, so the case store's `create_schema` and personal-data tooling do not
see them and the staff adapters can build just their own tables in tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Boolean, CheckConstraint, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from triage.cases.models import NAMING_CONVENTION, UTCDateTime, utcnow

MAX_USERNAME = 40
MAX_DISPLAY_NAME = 80
MAX_ACTOR = 120
MAX_CONVERSATION_ID = 255
MAX_ITEM_ID = 64
MAX_CASE_REFERENCE = 40
MAX_REASON = 300
MAX_DETAIL = 200

# Spelled out again in migration 0005; roles are a fixed pair, so the database holds the rule.
ROLE_RULE = "role IN ('operator', 'supervisor')"
# The s.62 kinds plus "access"; actions are not constrained here: the list grows with the
# console, and the adapter refuses unknown ones.
KIND_RULE = (
    "kind IN ('access', 'collection', 'alteration', 'consultation', 'disclosure', "
    "'combination', 'erasure')"
)


class StaffBase(DeclarativeBase):
    """Declarative base for the staff tables (same naming convention as the case store)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class StaffAccountRecord(StaffBase):
    """A staff login; only an argon2id hash of the password is ever stored."""

    __tablename__ = "staff_accounts"
    __table_args__ = (CheckConstraint(ROLE_RULE, name="role"),)

    username: Mapped[str] = mapped_column(String(MAX_USERNAME), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(MAX_DISPLAY_NAME))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255), comment="argon2id, PHC string format")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffAuditRecord(StaffBase):
    """One console audit entry: identifiers and a redacted reason, never message text."""

    __tablename__ = "staff_audit"
    __table_args__ = (CheckConstraint(KIND_RULE, name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(
        String(MAX_ACTOR), index=True, comment="staff user name, or cli:<os user>"
    )
    action: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(String(MAX_CONVERSATION_ID), index=True)
    item_id: Mapped[str | None] = mapped_column(String(MAX_ITEM_ID))
    case_reference: Mapped[str | None] = mapped_column(String(MAX_CASE_REFERENCE), index=True)
    reason: Mapped[str | None] = mapped_column(
        String(MAX_REASON), comment="What staff typed, redacted before storing"
    )
    detail: Mapped[str | None] = mapped_column(
        String(MAX_DETAIL), comment="Codes such as outcome=advice_given, never message text"
    )
