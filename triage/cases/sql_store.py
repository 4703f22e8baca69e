"""The local case store: the default `CaseSystem` adapter, on SQLite or PostgreSQL.

Idempotency rests on the database's unique constraints rather than on a read-then-write
check, so two racing submissions of the same report still produce one case. A submission
tries the insert first (one transaction for a new report, the common case) and looks the
key up only when the insert collides.

Connection failures and timeouts surface as `CaseSystemUnavailable`, so callers can send
the report to the outbox instead of losing it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import selectinload

from triage.cases.crime_types import crime_family
from triage.cases.models import (
    Base,
    Case,
    CaseConversationLink,
    CaseMessage,
    CaseStatusChange,
    CaseUpdate,
    ContactLog,
    HandoffRequestRecord,
    ProcessingLogRecord,
    utcnow,
)
from triage.cases.ports import (
    CaseSystem,
    CaseSystemUnavailable,
    CaseView,
    ContactRecord,
    HandoffRequest,
    Receipt,
    ReporterMessage,
    ReportSubmission,
)
from triage.cases.processing_log import (
    UNATTRIBUTED,
    Access,
    LogAction,
    LogEntry,
    ProcessingLog,
    SubjectKind,
)
from triage.cases.references import (
    RECEIPT_PREFIX,
    new_reference,
    normalise_receipt_code,
    normalise_reference,
)
from triage.cases.staff import (
    CaseConsole,
    CaseDetail,
    CaseSummary,
    CaseUpdateEntry,
    Erased,
    MessageEntry,
    StatusEntry,
)
from triage.cases.statuses import (
    CaseStatus,
    HandoffStatus,
    check_status_outcome,
    outcome_label,
    status_label,
)
from triage.cases.verification import detail_matches, extract_tokens
from triage.sqlite_wal import enable_wal

MAX_KEY_LENGTH = 255
MAX_STAFF_NAME = 100
REFERENCE_ATTEMPTS = 8
SQLITE_BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_SECONDS = 5
MESSAGES_SHOWN = 3
# Errors that mean "the database is not there right now", as opposed to "it said no".
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)


@asynccontextmanager
async def _unavailable_on_error(operation: str) -> AsyncIterator[None]:
    """Turn connection-level failures into `CaseSystemUnavailable` (retry later)."""
    try:
        yield
    except IntegrityError:
        raise
    except _UNAVAILABLE as exc:
        raise CaseSystemUnavailable(f"case store unavailable during {operation}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise CaseSystemUnavailable(f"case store connection lost during {operation}") from exc
        raise


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    enable_wal(cursor)
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
        crime_family=case.crime_family,
        outcome=case.outcome,
    )


def _staff_name(name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    return name.strip()[:MAX_STAFF_NAME]


def _staff_access(access: Access | None, name: str | None) -> Access:
    """The caller's access, else the staff name the old keyword gave, else unattributed."""
    if access is not None:
        return access
    return Access.staff(name) if _staff_name(name) else UNATTRIBUTED


def _filled(value: object) -> bool:
    return value is not None and value != "" and value != {} and value != []


def _personal(model: type[Base]) -> list[str]:
    """The attribute names of a model's columns labelled as personal data."""
    return [c.key for c in model.__table__.columns if c.info.get("personal_data")]


def _personal_fields(case: Case) -> list[str]:
    """Which personal fields of a case hold something (names only, for the log)."""
    return [f"cases.{name}" for name in _personal(Case) if _filled(getattr(case, name))]


def _log_row(entry: LogEntry) -> ProcessingLogRecord:
    return ProcessingLogRecord(
        action=entry.action.value,
        subject_kind=entry.subject_kind.value,
        subject_ref=entry.subject_ref,
        actor=entry.actor,
        justification=entry.justification,
        recipient=entry.recipient,
        fields=list(entry.fields),
        detail=entry.detail,
        created_at=entry.at,
    )


def _entry(row: ProcessingLogRecord) -> LogEntry:
    return LogEntry(
        action=LogAction(row.action),
        subject_kind=SubjectKind(row.subject_kind),
        subject_ref=row.subject_ref,
        actor=row.actor,
        at=row.created_at,
        justification=row.justification,
        recipient=row.recipient,
        fields=tuple(row.fields),
        detail=row.detail,
    )


def _log(
    session: AsyncSession,
    action: LogAction,
    reference: str,
    access: Access,
    *,
    fields: Sequence[str] = (),
    detail: str | None = None,
    recipient: str | None = None,
    at: datetime | None = None,
) -> None:
    """Add a log entry to the session's transaction: it commits, or fails, with the work."""
    session.add(
        _log_row(
            LogEntry(
                action=action,
                subject_kind=SubjectKind.CASE,
                subject_ref=reference,
                actor=access.actor,
                at=at or utcnow(),
                justification=access.justification,
                recipient=recipient,
                fields=tuple(fields),
                detail=detail[:200] if detail else None,
            )
        )
    )


def _erase(case: Case) -> list[str]:
    """Blank the case's personal data in place, driven by the personal-data labels.

    Columns are emptied (NULL where allowed); child rows whose personal columns cannot be
    NULL (messages, added information) are deleted. Returns the names of what held data.
    """
    erased: list[str] = []
    for name in _personal(Case):
        value = getattr(case, name)
        if not _filled(value):
            continue
        erased.append(f"cases.{name}")
        column = Case.__table__.columns[name]
        setattr(case, name, None if column.nullable else type(value)())
    for relation in Case.__mapper__.relationships:
        rows = getattr(case, relation.key)
        model = relation.mapper.class_
        names = _personal(model)
        table = model.__table__
        if all(table.columns[n].nullable for n in names):
            for n in names:
                if any(_filled(getattr(row, n)) for row in rows):
                    erased.append(f"{table.name}.{n}")
                for row in rows:
                    setattr(row, n, None)
        elif rows:
            erased.append(f"{table.name} ({len(rows)} rows)")
            rows.clear()
    return erased


class SqlCaseSystem(CaseSystem, CaseConsole, ProcessingLog):
    """Cases, contacts, handoff requests and the processing log in one SQL database.

    Every operation on a case writes its processing-log entry in its own transaction.
    """

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
    def from_url(cls, url: str, *, pool_size: int = 5, **kwargs: Any) -> SqlCaseSystem:
        """An adapter with its own engine; SQLite gets WAL and a busy timeout.

        PostgreSQL connections time out after a few seconds, so an unreachable server is
        reported quickly enough for the report to go to the outbox within the turn.
        """
        engine_args: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("postgresql+asyncpg"):
            engine_args["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
            engine_args["pool_size"] = pool_size
        engine = create_async_engine(url, **engine_args)
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

    async def session(self) -> AsyncSession:
        """A session on this store's database, once it is prepared (for adapters sharing it,
        such as `triage.cases.drafts.SqlDraftStore`)."""
        return await self._session()

    # --- public-facing port -------------------------------------------------------------

    async def submit(self, report: ReportSubmission, *, access: Access | None = None) -> Receipt:
        if not report.idempotency_key or len(report.idempotency_key) > MAX_KEY_LENGTH:
            raise ValueError(f"idempotency_key must be 1..{MAX_KEY_LENGTH} characters")
        collector = access or Access.public(report.conversation_id, "report made by the public")
        async with _unavailable_on_error("submit"):
            return await self._submit(report, collector)

    async def _submit(self, report: ReportSubmission, collector: Access) -> Receipt:
        for _ in range(REFERENCE_ATTEMPTS):
            reference = self._new_reference()
            try:
                async with await self._session() as session, session.begin():
                    case = self._new_case(report, reference)
                    session.add(case)
                    via = f"via {report.channel}"
                    if report.receipt_code:
                        via += f", held in the outbox as {report.receipt_code}"
                    _log(
                        session,
                        LogAction.COLLECTION,
                        reference,
                        collector,
                        fields=_personal_fields(case),
                        detail=via,
                        at=case.created_at,
                    )
                return Receipt(reference=reference, created=True)
            except IntegrityError:
                # A submission with the same key (a replay, or a racing double click) is
                # already stored, or the new reference or receipt code is taken.
                existing = await self._reference_for_key(report.idempotency_key)
                if existing is not None:
                    return Receipt(reference=existing, created=False)
                if report.receipt_code and await self._receipt_taken(report.receipt_code):
                    raise ValueError("receipt code already used by another report") from None
                if not await self._reference_exists(reference):
                    raise
        raise RuntimeError(f"no free reference after {REFERENCE_ATTEMPTS} attempts")

    async def lookup(
        self, reference: str, verify_detail: str, *, access: Access | None = None
    ) -> CaseView | None:
        """The case's public view; the verified look is logged as a consultation."""
        async with (
            _unavailable_on_error("lookup"),
            await self._session() as session,
            session.begin(),
        ):
            case = await self._verified_case(session, reference, verify_detail)
            if case is None:
                return None
            who = access or UNATTRIBUTED
            _log(
                session,
                LogAction.CONSULTATION,
                case.reference,
                who,
                fields=("status", "outcome", "case_messages"),
                detail="verified tracking",
                recipient=who.actor,
            )
            recent = await session.scalars(
                select(CaseMessage)
                .where(CaseMessage.case_id == case.id)
                .order_by(CaseMessage.id.desc())
                .limit(MESSAGES_SHOWN)
            )
            messages = tuple(ReporterMessage(m.body, m.created_at) for m in recent)[::-1]
            return CaseView(
                reference=case.reference,
                crime_type=case.crime_type,
                status=case.status,
                status_label=status_label(case.status),
                updated_at=case.updated_at,
                outcome=case.outcome,
                outcome_label=outcome_label(case.outcome),
                messages=messages,
            )

    async def add_information(
        self, reference: str, verify_detail: str, text: str, *, access: Access | None = None
    ) -> bool:
        """Attach the information; a case waiting for it goes back to the reviewing team."""
        if not text.strip():
            raise ValueError("no information to add")
        async with (
            _unavailable_on_error("add_information"),
            await self._session() as session,
            session.begin(),
        ):
            case = await self._verified_case(session, reference, verify_detail)
            if case is None:
                return False
            now = utcnow()
            session.add(CaseUpdate(case_id=case.id, information_text=text.strip(), created_at=now))
            fields = ["case_updates.information_text"]
            if case.status == CaseStatus.FURTHER_INFORMATION_NEEDED.value:
                fields.append("cases.status")
                case.status = CaseStatus.UNDER_REVIEW.value
                session.add(
                    CaseStatusChange(
                        case_id=case.id,
                        status=CaseStatus.UNDER_REVIEW.value,
                        note="the reporter added information",
                        created_at=now,
                    )
                )
            case.updated_at = now
            _log(
                session,
                LogAction.ALTERATION,
                case.reference,
                access or UNATTRIBUTED,
                fields=fields,
                detail="information added by the reporter",
                at=now,
            )
        return True

    async def record_contact(self, contact: ContactRecord) -> None:
        async with (
            _unavailable_on_error("record_contact"),
            await self._session() as session,
            session.begin(),
        ):
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
        async with (
            _unavailable_on_error("request_handoff"),
            await self._session() as session,
            session.begin(),
        ):
            session.add(record)
            await session.flush()
            return str(record.id)

    # --- staff-facing -------------------------------------------------------------------

    async def list_cases(
        self, limit: int = 50, *, status: str | None = None, family: str | None = None
    ) -> list[CaseSummary]:
        query = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Case.status == CaseStatus(status).value)
        if family is not None:
            query = query.where(Case.crime_family == family)
        async with _unavailable_on_error("list_cases"), await self._session() as session:
            return [_summary(case) for case in await session.scalars(query)]

    async def get_case(self, reference: str, *, access: Access | None = None) -> CaseDetail | None:
        condition = self._identifies(reference)
        if condition is None:
            return None
        query = (
            select(Case)
            .where(condition)
            .options(
                selectinload(Case.status_changes),
                selectinload(Case.updates),
                selectinload(Case.messages),
            )
        )
        async with (
            _unavailable_on_error("get_case"),
            await self._session() as session,
            session.begin(),
        ):
            case = await session.scalar(query)
            if case is None:
                return None
            _log(
                session,
                LogAction.CONSULTATION,
                case.reference,
                access or UNATTRIBUTED,
                fields=_personal_fields(case),
                detail="full case shown to staff",
            )
            return CaseDetail(
                summary=_summary(case),
                details=dict(case.details),
                reporter_name=case.reporter_name,
                reporter_contact=case.reporter_contact,
                contact_consent=case.contact_consent,
                history=tuple(
                    StatusEntry(
                        c.status,
                        status_label(c.status),
                        c.note,
                        c.created_at,
                        outcome=c.outcome,
                        changed_by=c.changed_by,
                    )
                    for c in case.status_changes
                ),
                updates=tuple(
                    CaseUpdateEntry(u.information_text, u.created_at) for u in case.updates
                ),
                messages=tuple(
                    MessageEntry(m.body, m.created_at, m.sent_by) for m in case.messages
                ),
                account=case.account,
                location=case.location,
                time_window=case.time_window,
                receipt_code=case.receipt_code,
            )

    async def set_status(
        self,
        reference: str,
        status: str,
        note: str | None = None,
        *,
        outcome: str | None = None,
        changed_by: str | None = None,
        access: Access | None = None,
    ) -> bool:
        new_status, new_outcome = check_status_outcome(status, outcome)
        canonical = normalise_reference(reference)
        if canonical is None:
            return False
        outcome_value = None if new_outcome is None else new_outcome.value
        async with self._case_for_change("set_status", canonical) as (session, case):
            if case is None:
                return False
            now = utcnow()
            detail = f"status {case.status} -> {new_status.value}"
            if outcome_value:
                detail += f" ({outcome_value})"
            case.status = new_status.value
            case.outcome = outcome_value
            case.updated_at = now
            session.add(
                CaseStatusChange(
                    case_id=case.id,
                    status=new_status.value,
                    outcome=outcome_value,
                    note=note.strip() if note and note.strip() else None,
                    changed_by=_staff_name(changed_by),
                    created_at=now,
                )
            )
            fields = ["cases.status", "cases.outcome"]
            if note and note.strip():
                fields.append("case_status_changes.note")
            _log(
                session,
                LogAction.ALTERATION,
                case.reference,
                _staff_access(access, changed_by),
                fields=fields,
                detail=detail,
                at=now,
            )
        return True

    @asynccontextmanager
    async def _case_for_change(
        self, operation: str, reference: str
    ) -> AsyncIterator[tuple[AsyncSession, Case | None]]:
        """A transaction and the case with this canonical reference (None if there is none);
        the change and its processing-log entry commit together on leaving."""
        async with (
            _unavailable_on_error(operation),
            await self._session() as session,
            session.begin(),
        ):
            yield session, await session.scalar(select(Case).where(Case.reference == reference))

    async def send_message(
        self,
        reference: str,
        text: str,
        *,
        sent_by: str | None = None,
        access: Access | None = None,
    ) -> bool:
        if not text.strip():
            raise ValueError("no message to send")
        canonical = normalise_reference(reference)
        if canonical is None:
            return False
        async with self._case_for_change("send_message", canonical) as (session, case):
            if case is None:
                return False
            now = utcnow()
            session.add(
                CaseMessage(
                    case_id=case.id, body=text.strip(), sent_by=_staff_name(sent_by), created_at=now
                )
            )
            case.updated_at = now
            _log(
                session,
                LogAction.ALTERATION,
                case.reference,
                _staff_access(access, sent_by),
                fields=("case_messages.body",),
                detail="message left for the reporter",
                at=now,
            )
        return True

    async def link_conversation(
        self, reference: str, conversation_id: str, *, access: Access | None = None
    ) -> bool:
        """Insert the link unless it exists; its log entry commits with it."""
        if not conversation_id.strip() or len(conversation_id) > MAX_KEY_LENGTH:
            raise ValueError(f"conversation_id must be 1..{MAX_KEY_LENGTH} characters")
        condition = self._identifies(reference)
        if condition is None:
            return False
        try:
            async with (
                _unavailable_on_error("link_conversation"),
                await self._session() as session,
                session.begin(),
            ):
                case = await session.scalar(select(Case).where(condition))
                if case is None:
                    return False
                if case.conversation_id == conversation_id:
                    return True  # reported in this very conversation
                linked = await session.scalar(
                    select(CaseConversationLink.id).where(
                        CaseConversationLink.case_id == case.id,
                        CaseConversationLink.conversation_id == conversation_id,
                    )
                )
                if linked is not None:
                    return True
                now = utcnow()
                session.add(
                    CaseConversationLink(
                        case_id=case.id, conversation_id=conversation_id, created_at=now
                    )
                )
                case.updated_at = now
                _log(
                    session,
                    LogAction.COMBINATION,
                    case.reference,
                    access or UNATTRIBUTED,
                    fields=("case_conversation_links.conversation_id",),
                    detail="conversation attached by staff",
                    at=now,
                )
        except IntegrityError:
            # Two staff attached the same conversation at once and the other insert won:
            # the link exists, which is what was asked.
            return True
        return True

    async def linked_conversations(self, reference: str) -> list[str] | None:
        """The conversations of a case: the one it was reported in, then those attached in
        the order they were; None if the case is unknown."""
        condition = self._identifies(reference)
        if condition is None:
            return None
        async with _unavailable_on_error("linked_conversations"), await self._session() as session:
            case = await session.scalar(select(Case).where(condition))
            if case is None:
                return None
            rows = await session.scalars(
                select(CaseConversationLink.conversation_id)
                .where(CaseConversationLink.case_id == case.id)
                .order_by(CaseConversationLink.id)
            )
            return [case.conversation_id, *rows]

    # --- retention and the processing log ----------------------------------------------

    async def review_cases(self, untouched_since: datetime, limit: int = 500) -> list[CaseSummary]:
        """Open cases nobody has changed since ``untouched_since``, the longest idle first."""
        query = (
            select(Case)
            .where(Case.status != CaseStatus.CLOSED.value, Case.updated_at < untouched_since)
            .order_by(Case.updated_at, Case.id)
            .limit(limit)
        )
        async with _unavailable_on_error("review_cases"), await self._session() as session:
            return [_summary(case) for case in await session.scalars(query)]

    async def purge_closed(
        self, closed_before: datetime, access: Access, *, dry_run: bool = False
    ) -> list[Erased]:
        """Erase the personal data of cases closed (and untouched) since before the cutoff.

        One transaction: each erasure and its log entry (reference and field names only)
        commit together or not at all. A dry run reports the same list and changes nothing.
        """
        query = (
            select(Case)
            .where(
                Case.status == CaseStatus.CLOSED.value,
                Case.erased_at.is_(None),
                Case.updated_at < closed_before,
            )
            .order_by(Case.updated_at, Case.id)
            .options(
                selectinload(Case.status_changes),
                selectinload(Case.updates),
                selectinload(Case.messages),
            )
        )
        async with _unavailable_on_error("purge_closed"), await self._session() as session:
            found: list[Erased] = []
            for case in await session.scalars(query):
                now = utcnow()
                fields = tuple(_erase(case))
                found.append(Erased(case.reference, fields, case.updated_at))
                case.erased_at = now
                _log(
                    session,
                    LogAction.ERASURE,
                    case.reference,
                    access,
                    fields=fields,
                    detail="retention period for closed cases passed",
                    at=now,
                )
            if dry_run:
                await session.rollback()  # the same work, undone: the list is exact
            else:
                await session.commit()
            return found

    async def record(self, entries: Sequence[LogEntry]) -> None:
        async with (
            _unavailable_on_error("record"),
            await self._session() as session,
            session.begin(),
        ):
            session.add_all([_log_row(entry) for entry in entries])

    async def log_for(self, reference: str, access: Access) -> list[LogEntry] | None:
        condition = self._identifies(reference)
        if condition is None:
            return None
        async with (
            _unavailable_on_error("log_for"),
            await self._session() as session,
            session.begin(),
        ):
            case = await session.scalar(select(Case).where(condition))
            if case is None:
                return None
            _log(
                session,
                LogAction.CONSULTATION,
                case.reference,
                access,
                fields=("processing_log",),
                detail="processing log shown to staff",
            )
            await session.flush()
            refs = [case.reference] + ([case.receipt_code] if case.receipt_code else [])
            rows = await session.scalars(
                select(ProcessingLogRecord)
                .where(or_(*(ProcessingLogRecord.subject_ref == ref for ref in refs)))
                .order_by(ProcessingLogRecord.id)
            )
            return [_entry(row) for row in rows]

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _identifies(text: str) -> Any:
        """The WHERE clause for a reference or a receipt code; None when it is neither."""
        if text.strip().upper().startswith(RECEIPT_PREFIX):
            receipt = normalise_receipt_code(text)
            return None if receipt is None else Case.receipt_code == receipt
        canonical = normalise_reference(text)
        return None if canonical is None else Case.reference == canonical

    @staticmethod
    def _new_case(report: ReportSubmission, reference: str) -> Case:
        now = utcnow()
        tokens = extract_tokens([report.reporter_contact, report.location])
        return Case(
            reference=reference,
            idempotency_key=report.idempotency_key,
            receipt_code=report.receipt_code,
            crime_type=report.crime_type,
            crime_family=crime_family(report.crime_type),
            details=dict(report.details),
            account=report.account,
            location=report.location,
            time_window=report.time_window[:200] if report.time_window else None,
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

    async def _receipt_taken(self, receipt_code: str) -> bool:
        async with await self._session() as session:
            found = await session.scalar(select(Case.id).where(Case.receipt_code == receipt_code))
            return found is not None

    async def _reference_exists(self, reference: str) -> bool:
        async with await self._session() as session:
            found = await session.scalar(select(Case.id).where(Case.reference == reference))
            return found is not None

    @staticmethod
    async def _verified_case(
        session: AsyncSession, reference: str, verify_detail: str
    ) -> Case | None:
        """The case only when the reference (or the receipt code it arrived with) exists and
        the detail matches one of its tokens.

        An unknown reference still runs the comparison (against no tokens), so both failures
        cost about the same and look the same to the caller.
        """
        condition = SqlCaseSystem._identifies(reference)
        case = None
        if condition is not None:
            case = await session.scalar(select(Case).where(condition))
        tokens = case.reporter_verify_tokens if case is not None else []
        if not detail_matches(verify_detail, tokens):
            return None
        return case
