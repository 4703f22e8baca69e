"""Fixtures: a fresh case store on SQLite (a tmp file) and on PostgreSQL (a throwaway schema).

PostgreSQL tests are skipped, with the reason, when the server cannot be reached on a
developer's machine; under CI (CI=true) an unreachable server fails them instead.
Set BLUELAMP_TEST_POSTGRES_URL to point them elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from triage.cases.sql_store import SqlCaseSystem

from .support import (
    DATABASES,
    postgres_schema_engine,
    sqlite_url,
)


@pytest.fixture(params=DATABASES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlCaseSystem]:
    """A case store with an empty schema, on each database in turn."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            case_system = SqlCaseSystem.from_url(sqlite_url(tmp_path))
        else:
            url = request.getfixturevalue("postgres_url")
            engine = await stack.enter_async_context(postgres_schema_engine(url))
            case_system = SqlCaseSystem(engine)
        stack.push_async_callback(case_system.close)
        await case_system.create_schema()
        yield case_system
