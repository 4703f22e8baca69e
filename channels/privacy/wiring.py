"""Building the privacy tools from settings, for the command line, or from the gateway's
own stores, for the console.

A command is a process of its own: it opens its own Redis client and database engines and
closes them when done. Without ``REDIS_URL`` the conversation store and the queue live only
inside the gateway process (`make demo`), so the command cannot see them and says so; the
gateway's scheduled pass (`channels.privacy.schedule`) covers them there, and the console's
export (`gateway_subject_access`) reads them there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from channels.keys import back_office_key, console_key, database_key, store_key, x_intake_key
from channels.privacy.case_records import CaseRecords
from channels.privacy.export import SubjectAccess
from channels.privacy.retention import Periods, RetentionJob
from channels.redis_store import RedisConversationStore
from channels.store import ConversationStore
from channels.x.state import RedisXState, SqliteXState, XState
from triage.audit.sql_log import SqlDecisionLog
from triage.cases.migrate import upgrade_to_head
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.wiring import build_sql_store, sqlite_path
from triage.queue.ports import OperatorQueue
from triage.queue.redis_client import redis_client
from triage.queue.redis_queue import RedisOperatorQueue
from triage.settings import Settings
from triage.staff.ports import StaffAudit
from triage.staff.wiring import build_staff_audit, redis_prefix


async def ensure_sqlite_schema(settings: Settings) -> None:
    """Migrate the demo's SQLite file if needed (server databases are migrated by
    deployment); a second try covers another process migrating it at the same moment."""
    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        await asyncio.to_thread(upgrade_to_head, url)
    except Exception:  # alembic raises the driver's own errors
        await asyncio.sleep(0.5)
        await asyncio.to_thread(upgrade_to_head, url)


@dataclass(frozen=True)
class PrivacyTools:
    """Every store the privacy commands read or erase."""

    store: ConversationStore | None
    queue: OperatorQueue | None
    decisions: SqlDecisionLog
    audit: StaffAudit
    cases: SqlCaseSystem | None
    records: CaseRecords
    x_state: XState | None = None

    def retention(self, settings: Settings) -> RetentionJob:
        return RetentionJob(
            store=self.store,
            queue=self.queue,
            decisions=self.decisions,
            audit=self.audit,
            records=self.records,
            periods=Periods.from_settings(settings),
            x_state=self.x_state,
        )

    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(
            store=self.store,
            queue=self.queue,
            decisions=self.decisions,
            audit=self.audit,
            cases=self.cases,
            records=self.records if self.cases is not None else None,
            x_state=self.x_state,
        )


@asynccontextmanager
async def open_tools(settings: Settings) -> AsyncIterator[PrivacyTools]:
    """The tools for one command; everything is closed on leaving."""
    await ensure_sqlite_schema(settings)
    async with AsyncExitStack() as stack:
        store: ConversationStore | None = None
        queue: OperatorQueue | None = None
        x_state: XState | None = None
        if settings.redis_url:
            client = redis_client(settings.redis_url)
            stack.push_async_callback(client.aclose)
            store = RedisConversationStore(client, redis_prefix(settings))
            queue = RedisOperatorQueue(client, settings.redis_prefix)
            if settings.x_enabled:
                x_state = RedisXState(client, settings.redis_prefix)  # as the gateway's
        elif settings.x_enabled:
            x_state = SqliteXState(settings.var_dir / "x_state.db")
            stack.push_async_callback(x_state.aclose)
        decisions = SqlDecisionLog.from_url(settings.effective_database_url)
        stack.push_async_callback(decisions.aclose)
        audit = build_staff_audit(settings)
        stack.push_async_callback(audit.aclose)
        cases: SqlCaseSystem | None = None
        if settings.case_system == "local":
            cases = build_sql_store(settings)
            stack.push_async_callback(cases.close)
        records = CaseRecords(decisions.engine)
        yield PrivacyTools(store, queue, decisions, audit, cases, records, x_state)


def gateway_subject_access(app: web.Application) -> SubjectAccess:
    """The export over the gateway's own stores (those the scheduled retention pass uses),
    for the console's supervisor route; cases only with the local case store."""
    cases = app[console_key].cases
    local = cases if isinstance(cases, SqlCaseSystem) else None
    return SubjectAccess(
        store=app[store_key],
        queue=app[back_office_key].queue,
        decisions=app[back_office_key].decisions,
        audit=app[console_key].audit,
        cases=local,
        records=CaseRecords(app[database_key]) if local is not None else None,
        x_state=app[x_intake_key].state if x_intake_key in app else None,
    )
