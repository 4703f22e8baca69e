"""Tables of the local case store (SQLAlchemy 2.x declarative, typed).

Columns holding personal data carry ``info={"personal_data": True}`` and a database comment
saying so, so retention and subject-access tooling can find them with
:func:`personal_data_columns` rather than from memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from triage.cases.processing_log import LogAction, SubjectKind
from triage.cases.statuses import CaseOutcome, CaseStatus, DraftStatus, HandoffStatus
from triage.decisions import Category, Priority

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PERSONAL = {"personal_data": True}


def utcnow() -> datetime:
    """Timezone-aware now; naive datetimes are refused on the way into the database."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware.

    SQLite has no time zones and hands back naive values; PostgreSQL returns aware ones.
    Callers get the same kind of value from both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _in(column: str, values: list[str]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        dict[str, str]: JSON(),
        list[str]: JSON(),
    }


_OUTCOMES = [o.value for o in CaseOutcome]
# Only a closed case has an outcome (spelled out again in migration 0003). That closing
# needs one is the store's rule, not the database's: cases closed before outcomes were
# recorded stay valid.
_OUTCOME_RULE = f"outcome IS NULL OR (status = 'closed' AND {_in('outcome', _OUTCOMES)})"


class Case(Base):
    """A crime report submitted by the public; the report is the case from its arrival.

    The form's free-text account, the place and the time window have columns of their own
    (staff search and sort by them); the rest of the form's answers are in ``details``.
    """

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("status", [s.value for s in CaseStatus]), name="status"),
        CheckConstraint(_OUTCOME_RULE, name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    receipt_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    crime_type: Mapped[str] = mapped_column(String(40))
    crime_family: Mapped[str] = mapped_column(String(40), index=True)
    details: Mapped[dict[str, str]] = mapped_column(
        info=PERSONAL, comment="Personal data: the report's answers"
    )
    account: Mapped[str] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: the reporter's own account of what happened"
    )
    location: Mapped[str | None] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: where it happened, may be a home address"
    )
    time_window: Mapped[str | None] = mapped_column(String(200))
    reporter_name: Mapped[str | None] = mapped_column(
        String(200), info=PERSONAL, comment="Personal data: reporter's name"
    )
    reporter_contact: Mapped[str | None] = mapped_column(
        String(320), info=PERSONAL, comment="Personal data: reporter's email or phone"
    )
    contact_consent: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    priority: Mapped[str] = mapped_column(String(4))
    flags: Mapped[list[str]]
    reporter_verify_tokens: Mapped[list[str]] = mapped_column(
        info=PERSONAL,
        comment="Personal data: normalised emails, phones, postcodes that verify the reporter",
    )
    status: Mapped[str] = mapped_column(String(40), default=CaseStatus.RECEIVED.value, index=True)
    outcome: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(
        comment="When retention erased the personal data (the case row stays as a record)"
    )

    status_changes: Mapped[list[CaseStatusChange]] = relationship(
        back_populates="case", order_by="CaseStatusChange.id", cascade="all, delete-orphan"
    )
    updates: Mapped[list[CaseUpdate]] = relationship(
        back_populates="case", order_by="CaseUpdate.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan"
    )


class CaseStatusChange(Base):
    """One step in a case's status history (the first is always ``received``).

    Who made the change is kept for the alteration log the Data Protection Act 2018 (s.62)
    asks for.
    """

    __tablename__ = "case_status_changes"
    __table_args__ = (
        CheckConstraint(_in("status", [s.value for s in CaseStatus]), name="status"),
        CheckConstraint(_OUTCOME_RULE, name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: staff note, may name people"
    )
    changed_by: Mapped[str | None] = mapped_column(
        String(100), info=PERSONAL, comment="Personal data: the member of staff who changed it"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="status_changes")


class CaseMessage(Base):
    """A message from the force to the reporter, shown when they track the case."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: what the force told the reporter"
    )
    sent_by: Mapped[str | None] = mapped_column(
        String(100), info=PERSONAL, comment="Personal data: the member of staff who wrote it"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class CaseUpdate(Base):
    """Information the reporter added after submitting."""

    __tablename__ = "case_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    information_text: Mapped[str] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: what the reporter added"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="updates")


class CaseConversationLink(Base):
    """A conversation that staff attached to an existing case (e.g. the reporter came back).

    The conversation a case was reported in is ``cases.conversation_id``; these are the
    others. Identifiers only: who linked it and why is in the processing log.
    """

    __tablename__ = "case_conversation_links"
    # The unique constraint's index also serves lookups by case.
    __table_args__ = (UniqueConstraint("case_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactLog(Base):
    """A contact that did not become a case (e.g. a fraud redirect), kept for the record."""

    __tablename__ = "contact_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60))
    summary: Mapped[dict[str, str]] = mapped_column(
        info=PERSONAL, comment="Personal data: what was said"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoffRequestRecord(Base):
    """A request for a human operator to join a conversation; the console works the queue."""

    __tablename__ = "handoff_requests"
    __table_args__ = (
        CheckConstraint(_in("status", [s.value for s in HandoffStatus]), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(4))
    intent: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[dict[str, str]] = mapped_column(
        info=PERSONAL, comment="Personal data: the conversation so far"
    )
    status: Mapped[str] = mapped_column(String(20), default=HandoffStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportDraftRecord(Base):
    """What a person had answered of a crime report they have not sent (yet), one per
    conversation: kept by the action server as the form goes, deleted when the report is
    submitted (it is then a case) or the person cancels; staff see the idle ones in the
    console (`triage.cases.drafts`)."""

    __tablename__ = "report_drafts"
    __table_args__ = (
        CheckConstraint(_in("status", [s.value for s in DraftStatus]), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    crime_type: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, str]] = mapped_column(
        info=PERSONAL, comment="Personal data: the answers given so far, by slot"
    )
    asking: Mapped[str | None] = mapped_column(
        String(100), comment="The slot the bot was asking for when the draft was last kept"
    )
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.UNSENT.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TriageDecisionRecord(Base):
    """One triage decision and what was done about it, for audit and measuring the classifier.

    Kept in the case store's metadata (not beside `triage.audit`) so Alembic, the migration
    tests and `personal_data_columns` always see every table. Text is redacted before it is
    stored, but free text can still identify someone, so it is labelled as personal data.
    """

    __tablename__ = "triage_decisions"
    __table_args__ = (
        CheckConstraint(_in("category", [c.value for c in Category]), name="category"),
        CheckConstraint(_in("priority", [p.value for p in Priority]), name="priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(255), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(4))
    confidence: Mapped[float] = mapped_column(Float)
    flags: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, info=PERSONAL, comment="Personal data: flags with their redacted evidence"
    )
    reasons: Mapped[list[str]] = mapped_column(
        info=PERSONAL, comment="Personal data: why triage raised it, may quote redacted words"
    )
    route_actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(100))
    redacted_text: Mapped[str] = mapped_column(
        Text, info=PERSONAL, comment="Personal data: the message with details redacted"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProcessingLogRecord(Base):
    """One entry of the s.62 processing log (see `triage.cases.processing_log`).

    Names the case by reference (or an outbox entry by receipt code) rather than by a
    foreign key, so entries outlive the rows they describe; never holds the case's
    personal data, so nothing here is labelled as such or erased with the case.
    """

    __tablename__ = "processing_log"
    __table_args__ = (
        CheckConstraint(_in("action", [a.value for a in LogAction]), name="action"),
        CheckConstraint(_in("subject_kind", [k.value for k in SubjectKind]), name="subject_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_ref: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(
        String(120), comment="staff:<login>, public:<conversation digest> or system:<process>"
    )
    justification: Mapped[str | None] = mapped_column(String(500))
    recipient: Mapped[str | None] = mapped_column(String(120))
    fields: Mapped[list[str]] = mapped_column(comment="Names of the fields touched, not values")
    detail: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def personal_data_columns() -> list[Column[Any]]:
    """Every column marked as personal data, for retention and subject-access work."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get("personal_data")
    ]
