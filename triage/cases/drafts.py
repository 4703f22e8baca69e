"""Unsent report drafts in the case store's database (the `DraftStore` adapter).

The action server keeps a draft as a crime-report form goes (`actions.drafts`), so that what
a person answered is not lost if they leave before sending it: one row per conversation,
replaced in one statement (``INSERT ... ON CONFLICT DO UPDATE``, on SQLite and PostgreSQL
alike) on every answer, deleted when the report is submitted (it is then a case) or the
person cancels. Staff see drafts left idle in the console (`channels.console.drafts_api`);
retention erases old ones and a subject access export includes them
(`channels.privacy.case_records`).

The answers are personal data: nothing here logs them, only conversation ids and counts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from triage.cases.models import ReportDraftRecord, utcnow
from triage.cases.ports import DraftStore, ReportDraft
from triage.cases.sql_store import MAX_KEY_LENGTH, SqlCaseSystem, _unavailable_on_error
from triage.cases.statuses import DraftStatus

MAX_CHANNEL = 40
MAX_CRIME_TYPE = 40
MAX_SLOT = 100
MAX_ANSWERS = 40
MAX_ANSWER = 4000
"""A longer answer is cut (the forms' own limits are lower); a draft never fails for it."""
MAX_LISTED = 500


def _text(value: object, name: str, limit: int, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ValueError(f"{name} must be text of 1..{limit} characters")
    return value.strip() or None


def _answers(answers: Mapping[str, str]) -> dict[str, str]:
    if len(answers) > MAX_ANSWERS:
        raise ValueError(f"a draft holds at most {MAX_ANSWERS} answers")
    kept: dict[str, str] = {}
    for slot, value in answers.items():
        name = _text(slot, "an answer's slot", MAX_SLOT)
        if name is None or value is None:
            continue
        text = str(value).strip()
        if text:
            kept[name] = text[:MAX_ANSWER]
    return kept


def _draft(row: ReportDraftRecord) -> ReportDraft:
    return ReportDraft(
        conversation_id=row.conversation_id,
        channel=row.channel,
        crime_type=row.crime_type,
        answers=dict(row.answers),
        asking=row.asking,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlDraftStore(DraftStore):
    """Drafts in the same database as the local case store, through its sessions (so the
    demo's SQLite file is migrated before first use, as the case store's is)."""

    def __init__(
        self,
        sessions: Callable[[], Awaitable[AsyncSession]],
        dialect: str,
        *,
        owner: SqlCaseSystem | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``owner``: a case store opened only for the drafts, closed with them."""
        self._sessions = sessions
        self._dialect = dialect
        self._owner = owner
        self._clock = clock

    @classmethod
    def beside(
        cls,
        store: SqlCaseSystem,
        *,
        owned: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> SqlDraftStore:
        """Drafts on ``store``'s database; ``owned``: close ``store`` with the drafts."""
        return cls(
            store.session,
            store.engine.dialect.name,
            owner=store if owned else None,
            clock=clock,
        )

    async def close(self) -> None:
        if self._owner is not None:
            await self._owner.close()

    def _insert(self) -> Any:
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        return dialect.insert(ReportDraftRecord)

    async def keep_draft(self, draft: ReportDraft) -> None:
        conversation_id = _text(draft.conversation_id, "conversation_id", MAX_KEY_LENGTH)
        values = {
            "conversation_id": conversation_id,
            "channel": _text(draft.channel, "channel", MAX_CHANNEL),
            "crime_type": _text(draft.crime_type, "crime_type", MAX_CRIME_TYPE),
            "answers": _answers(draft.answers),
            "asking": _text(draft.asking, "asking", MAX_SLOT, required=False),
        }
        now = self._clock()
        insert = self._insert().values(
            **values, status=DraftStatus.UNSENT.value, created_at=now, updated_at=now
        )
        statement = insert.on_conflict_do_update(
            index_elements=[ReportDraftRecord.conversation_id],
            set_={
                "channel": insert.excluded.channel,
                "crime_type": insert.excluded.crime_type,
                "answers": insert.excluded.answers,
                "asking": insert.excluded.asking,
                "updated_at": insert.excluded.updated_at,
            },
        )
        async with (
            _unavailable_on_error("keep_draft"),
            await self._sessions() as session,
            session.begin(),
        ):
            await session.execute(statement)

    async def discard_draft(self, conversation_id: str) -> bool:
        async with (
            _unavailable_on_error("discard_draft"),
            await self._sessions() as session,
            session.begin(),
        ):
            result = await session.execute(
                delete(ReportDraftRecord).where(
                    ReportDraftRecord.conversation_id == conversation_id
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unsent_drafts(self, idle_for: timedelta, limit: int = 100) -> list[ReportDraft]:
        if idle_for < timedelta(0):
            raise ValueError("idle_for must not be negative")
        limit = max(0, min(limit, MAX_LISTED))
        if limit == 0:
            return []
        cutoff = self._clock() - idle_for
        query = (
            select(ReportDraftRecord)
            .where(ReportDraftRecord.updated_at <= cutoff)
            .order_by(ReportDraftRecord.updated_at.desc(), ReportDraftRecord.id.desc())
            .limit(limit)
        )
        async with _unavailable_on_error("unsent_drafts"), await self._sessions() as session:
            return [_draft(row) for row in await session.scalars(query)]

    async def draft_for(self, conversation_id: str) -> ReportDraft | None:
        query = select(ReportDraftRecord).where(
            ReportDraftRecord.conversation_id == conversation_id
        )
        async with _unavailable_on_error("draft_for"), await self._sessions() as session:
            row = await session.scalar(query)
            return None if row is None else _draft(row)

    async def mark_following_up(self, conversation_id: str) -> bool:
        async with (
            _unavailable_on_error("mark_following_up"),
            await self._sessions() as session,
            session.begin(),
        ):
            result = await session.execute(
                update(ReportDraftRecord)
                .where(ReportDraftRecord.conversation_id == conversation_id)
                .values(status=DraftStatus.FOLLOWING_UP.value)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
