"""The local case store: the default `CaseSystem` adapter, on SQLite or PostgreSQL.

Idempotency rests on the database's unique constraints rather than on a read-then-write
check, so two racing submissions of the same report still produce one case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import selectinload

from triage.cases.models import (
    Base,
    Case,
    CaseStatusChange,
    CaseUpdate,
    ContactLog,
    HandoffRequestRecord,
    utcnow,
)
from triage.cases.ports import (
    CaseSystem,
    CaseView,
    ContactRecord,
    HandoffRequest,
    Receipt,
    ReportSubmission,
)
from triage.cases.references import new_reference, normalise_reference
from triage.cases.staff import CaseConsole, CaseDetail, CaseSummary, CaseUpdateEntry, StatusEntry
from triage.cases.statuses import CaseStatus, HandoffStatus, status_label
from triage.cases.verification import detail_matches, extract_tokens

MAX_KEY_LENGTH = 255
REFERENCE_ATTEMPTS = 8
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(
        reference=case.reference,
        crime_type=case.crime_type,
        status=case.status,
        status_label=status_label(case.status),
        priority=case.priority,
        flags=tuple(case.flags),
        channel=case.channel,
        conversation_id=case.conversation_id,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


class SqlCaseSystem(CaseSystem, CaseConsole):
    """Cases, contacts and handoff requests in a SQL database via SQLAlchemy asyncio."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        reference_factory: Callable[[], str] = new_reference,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``prepare`` runs once before first use (e.g. migrating the demo's SQLite file)."""
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._new_reference = reference_factory
        self._prepare = prepare
        self._prepared = prepare is None
        self._prepare_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> SqlCaseSystem:
        """An adapter with its own engine; SQLite gets WAL and a busy timeout."""
        engine = create_async_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return cls(engine, **kwargs)

    async def create_schema(self) -> None:
        """Create all tables directly (tests and demo); real deployments use Alembic."""
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self.engine.dispose()

    async def _session(self) -> AsyncSession:
        if not self._prepared:
            async with self._prepare_lock:
                if not self._prepared and self._prepare is not None:
                    await self._prepare()
                    self._prepared = True
        return self._sessions()

    # --- public-facing port -------------------------------------------------------------

    async def submit(self, report: ReportSubmission) -> Receipt:
        if not report.idempotency_key or len(report.idempotency_key) > MAX_KEY_LENGTH:
            raise ValueError(f"idempotency_key must be 1..{MAX_KEY_LENGTH} characters")
        existing = await self._reference_for_key(report.idempotency_key)
        if existing is not None:
            return Receipt(reference=existing, created=False)
        for _ in range(REFERENCE_ATTEMPTS):
            reference = self._new_reference()
            try:
                async with await self._session() as session, session.begin():
                    session.add(self._new_case(report, reference))
                return Receipt(reference=reference, created=True)
            except IntegrityError:
                # Either a racing submission with the same key won, or the reference is taken.
                existing = await self._reference_for_key(report.idempotency_key)
                if existing is not None:
                    return Receipt(reference=existing, created=False)
                if not await self._reference_exists(reference):
                    raise
        raise RuntimeError(f"no free reference after {REFERENCE_ATTEMPTS} attempts")

    async def lookup(self, reference: str, verify_detail: str) -> CaseView | None:
        async with await self._session() as session:
            case = await self._verified_case(session, reference, verify_detail)
            if case is None:
                return None
            return CaseView(
                reference=case.reference,
                crime_type=case.crime_type,
                status=case.status,
                status_label=status_label(case.status),
                updated_at=case.updated_at,
            )

    async def add_information(self, reference: str, verify_detail: str, text: str) -> bool:
        if not text.strip():
            raise ValueError("no information to add")
        async with await self._session() as session, session.begin():
            case = await self._verified_case(session, reference, verify_detail)
            if case is None:
                return False
            now = utcnow()
            session.add(CaseUpdate(case_id=case.id, information_text=text.strip(), created_at=now))
            case.updated_at = now
        return True

    async def record_contact(self, contact: ContactRecord) -> None:
        async with await self._session() as session, session.begin():
            session.add(
                ContactLog(
                    conversation_id=contact.conversation_id,
                    channel=contact.channel,
                    kind=contact.kind,
                    summary=dict(contact.summary),
                )
            )

    async def request_handoff(self, request: HandoffRequest) -> str:
        record = HandoffRequestRecord(
            conversation_id=request.conversation_id,
            channel=request.channel,
            reason=request.reason,
            priority=request.priority,
            intent=request.intent,
            summary=dict(request.summary),
            status=HandoffStatus.OPEN.value,
        )
        async with await self._session() as session, session.begin():
            session.add(record)
            await session.flush()
            return str(record.id)

    # --- staff-facing -------------------------------------------------------------------

    async def list_cases(self, limit: int = 50) -> list[CaseSummary]:
        query = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        async with await self._session() as session:
            return [_summary(case) for case in await session.scalars(query)]

    async def get_case(self, reference: str) -> CaseDetail | None:
        canonical = normalise_reference(reference)
        if canonical is None:
            return None
        query = (
            select(Case)
            .where(Case.reference == canonical)
            .options(selectinload(Case.status_changes), selectinload(Case.updates))
        )
        async with await self._session() as session:
            case = await session.scalar(query)
            if case is None:
                return None
            return CaseDetail(
                summary=_summary(case),
                details=dict(case.details),
                reporter_name=case.reporter_name,
                reporter_contact=case.reporter_contact,
                contact_consent=case.contact_consent,
                history=tuple(
                    StatusEntry(c.status, status_label(c.status), c.note, c.created_at)
                    for c in case.status_changes
                ),
                updates=tuple(
                    CaseUpdateEntry(u.information_text, u.created_at) for u in case.updates
                ),
            )

    async def set_status(self, reference: str, status: str, note: str | None = None) -> bool:
        new_status = CaseStatus(status)  # ValueError for an unknown status
        canonical = normalise_reference(reference)
        if canonical is None:
            return False
        async with await self._session() as session, session.begin():
            case = await session.scalar(select(Case).where(Case.reference == canonical))
            if case is None:
                return False
            now = utcnow()
            case.status = new_status.value
            case.updated_at = now
            session.add(
                CaseStatusChange(
                    case_id=case.id, status=new_status.value, note=note, created_at=now
                )
            )
        return True

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _new_case(report: ReportSubmission, reference: str) -> Case:
        now = utcnow()
        tokens = extract_tokens([report.reporter_contact, report.details.get("incident_where")])
        return Case(
            reference=reference,
            idempotency_key=report.idempotency_key,
            crime_type=report.crime_type,
            details=dict(report.details),
            reporter_name=report.reporter_name,
            reporter_contact=report.reporter_contact,
            contact_consent=report.contact_consent,
            channel=report.channel,
            conversation_id=report.conversation_id,
            priority=report.priority,
            flags=list(report.flags),
            reporter_verify_tokens=tokens,
            status=CaseStatus.RECEIVED.value,
            created_at=now,
            updated_at=now,
            status_changes=[CaseStatusChange(status=CaseStatus.RECEIVED.value, created_at=now)],
        )

    async def _reference_for_key(self, key: str) -> str | None:
        async with await self._session() as session:
            found: str | None = await session.scalar(
                select(Case.reference).where(Case.idempotency_key == key)
            )
            return found

    async def _reference_exists(self, reference: str) -> bool:
        async with await self._session() as session:
            found = await session.scalar(select(Case.id).where(Case.reference == reference))
            return found is not None

    @staticmethod
    async def _verified_case(
        session: AsyncSession, reference: str, verify_detail: str
    ) -> Case | None:
        """The case only when the reference exists and the detail matches one of its tokens.

        An unknown reference still runs the comparison (against no tokens), so both failures
        cost about the same and look the same to the caller.
        """
        canonical = normalise_reference(reference)
        case = None
        if canonical is not None:
            case = await session.scalar(select(Case).where(Case.reference == canonical))
        tokens = case.reporter_verify_tokens if case is not None else []
        if not detail_matches(verify_detail, tokens):
            return None
        return case
