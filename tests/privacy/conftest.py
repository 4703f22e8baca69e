"""Fixtures: the privacy tools over a real Redis (a prefix per test) and one SQL database
(SQLite in a tmp file, or a throwaway PostgreSQL schema) holding cases, decisions and the
staff audit log, as in a deployment.

Redis and PostgreSQL tests skip with the reason when the server is unreachable on a
developer's machine, and fail under CI=true (see the support modules they come from).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from channels.privacy.case_records import CaseRecords
from channels.redis_store import RedisConversationStore
from tests.cases.support import (
    DATABASES,
    postgres_schema_engine,
)
from tests.triage_queue.support import Clock, redis_prefix
from triage.audit.sql_log import SqlDecisionLog
from triage.cases.models import Base
from triage.cases.sql_store import SqlCaseSystem
from triage.queue.redis_queue import RedisOperatorQueue
from triage.staff.models import StaffBase
from triage.staff.sql_audit import SqlStaffAudit
from triage.staff.sql_support import create_engine

from .support import NOW, World


@pytest.fixture(params=DATABASES)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """Every store on one database and one Redis prefix, with a clock the test moves."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bluelamp.db'}")
        else:
            url = request.getfixturevalue("postgres_url")
            engine = await stack.enter_async_context(postgres_schema_engine(url))
        stack.push_async_callback(engine.dispose)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(StaffBase.metadata.create_all)
        client, prefix = await stack.enter_async_context(redis_prefix())
        clock = Clock(NOW)
        yield World(
            engine=engine,
            redis=client,
            prefix=prefix,
            clock=clock,
            store=RedisConversationStore(client, prefix, clock=clock),
            queue=RedisOperatorQueue(client, prefix, clock=clock),
            decisions=SqlDecisionLog(engine),
            audit=SqlStaffAudit(engine),
            cases=SqlCaseSystem(engine),
            records=CaseRecords(engine),
        )
