"""What the case store's database holds about a conversation outside its cases.

Contact records (``contact_logs``: contacts that did not become a case, e.g. a fraud
redirect), the action server's handoff requests (``handoff_requests``) and unsent report
drafts (``report_drafts``, aged by their last change) are kept per conversation and
labelled as personal data in `triage.cases.models`, but no case rule covers them: retention
here erases them by age, and a subject access export reads them. Cases
themselves keep their own rules (`triage.cases.retention`) and are read only through the
case store's staff API; this module only finds which cases belong to a conversation or a
reporter (references, never contents).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from triage.cases.models import (
    Base,
    Case,
    CaseConversationLink,
    ContactLog,
    HandoffRequestRecord,
    ReportDraftRecord,
)
from triage.cases.verification import extract_tokens

CONTACT_RECORDS = "contact_logs"
HANDOFF_REQUESTS = "handoff_requests"
REPORT_DRAFTS = "report_drafts"
_MODELS: dict[str, type[ContactLog] | type[HandoffRequestRecord] | type[ReportDraftRecord]] = {
    CONTACT_RECORDS: ContactLog,
    HANDOFF_REQUESTS: HandoffRequestRecord,
    REPORT_DRAFTS: ReportDraftRecord,
}
SCAN_BATCH = 500


@dataclass(frozen=True)
class RowRef:
    """One row by id, with its conversation and age: what retention needs (no contents)."""

    table: str
    id: int
    conversation_id: str | None
    created_at: datetime


def reporter_tokens(contact: str) -> list[str]:
    """The normalised emails and phone numbers in ``contact`` (postcodes are left out: a
    postcode is shared by many people and does not identify a reporter)."""
    return [t for t in extract_tokens([contact]) if "@" in t or t.startswith("+")]


def _row_json(row: Base) -> dict[str, Any]:
    table = row.__table__
    data = {column.key: getattr(row, column.key) for column in table.columns}
    data["table"] = table.name  # type: ignore[attr-defined]
    return data


class CaseRecords:
    """Reads (and, for retention, deletes) rows of the case store's database by conversation."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def case_references_for_conversation(self, conversation_id: str) -> list[str]:
        """Cases reported in the conversation, then those it was attached to by staff."""
        async with self._sessions() as session:
            reported = await session.scalars(
                select(Case.reference)
                .where(Case.conversation_id == conversation_id)
                .order_by(Case.id)
            )
            linked = await session.scalars(
                select(Case.reference)
                .join(CaseConversationLink, CaseConversationLink.case_id == Case.id)
                .where(CaseConversationLink.conversation_id == conversation_id)
                .order_by(CaseConversationLink.id)
            )
            return list(dict.fromkeys([*reported, *linked]))

    async def case_references_for_reporter(self, contact: str) -> list[str]:
        """Cases whose reporter contact holds the same email or phone number as ``contact``
        (normalised: ``Jo@Example.com`` is ``jo@example.com``, ``07700 900123`` is
        ``+447700900123``). Raises ValueError when ``contact`` holds neither.

        Reads the contact column of every case still holding one, in batches, and compares
        in Python: the same normalisation as tracking uses, on both databases alike.
        """
        wanted = set(reporter_tokens(contact))
        if not wanted:
            raise ValueError("give the reporter's email address or phone number")
        found: list[str] = []
        last_id = 0
        async with self._sessions() as session:
            while True:
                rows = (
                    await session.execute(
                        select(Case.id, Case.reference, Case.reporter_contact)
                        .where(Case.id > last_id, Case.reporter_contact.is_not(None))
                        .order_by(Case.id)
                        .limit(SCAN_BATCH)
                    )
                ).all()
                if not rows:
                    return found
                for case_id, reference, reporter_contact in rows:
                    last_id = case_id
                    if wanted & set(reporter_tokens(reporter_contact or "")):
                        found.append(reference)

    async def rows_for(self, table: str, conversation_id: str) -> list[dict[str, Any]]:
        """Every row of ``table`` for the conversation, oldest first, as plain values."""
        model = _MODELS[table]
        async with self._sessions() as session:
            rows = await session.scalars(
                select(model).where(model.conversation_id == conversation_id).order_by(model.id)
            )
            return [_row_json(row) for row in rows]

    async def rows_before(self, table: str, before: datetime, limit: int = 1000) -> list[RowRef]:
        """Rows of ``table`` created (a draft: last changed) before ``before``, oldest first
        (ids only)."""
        if limit <= 0:
            return []
        model = _MODELS[table]
        age = model.updated_at if model is ReportDraftRecord else model.created_at
        async with self._sessions() as session:
            result = await session.execute(
                select(model.id, model.conversation_id, age)
                .where(age < before)
                .order_by(age, model.id)
                .limit(limit)
            )
            return [RowRef(table, i, c, at) for i, c, at in result.all()]

    async def erase(self, table: str, ids: Sequence[int]) -> int:
        """Delete these rows of ``table``; how many there were."""
        if not ids:
            return 0
        model = _MODELS[table]
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(model).where(model.id.in_(list(ids))))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
