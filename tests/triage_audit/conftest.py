"""Fixtures: the decision log on SQLite (a tmp file), PostgreSQL (a throwaway schema) and in
memory. PostgreSQL skips, with the reason, when unreachable locally and fails under CI=true."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cases.support import (
    postgres_schema_engine,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from triage.audit.buffered import BufferedSqlDecisionLog
from triage.audit.memory import InMemoryDecisionLog
from triage.audit.ports import DecisionLog
from triage.audit.sql_log import SqlDecisionLog

LOGS = [
    "memory",
    "sqlite",
    "buffered-sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("buffered-postgresql", marks=pytest.mark.postgres),
]
SQL = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=LOGS)
async def decision_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DecisionLog]:
    if request.param == "memory":
        yield InMemoryDecisionLog()
        return
    kind = BufferedSqlDecisionLog if request.param.startswith("buffered-") else SqlDecisionLog
    if request.param.endswith("sqlite"):
        log = kind.from_url(f"sqlite+aiosqlite:///{tmp_path / 'decisions.db'}")
        await log.create_schema()
        yield log
        await log.aclose()
        return
    url = request.getfixturevalue("postgres_url")
    async with postgres_schema_engine(url) as engine:
        log = kind(engine)
        await log.create_schema()
        yield log
        await log.aclose()


@pytest.fixture(params=SQL)
async def sql_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An empty database (no tables yet): SQLite in a tmp file or a throwaway PostgreSQL
    schema."""
    if request.param == "sqlite":
        engine = SqlDecisionLog.from_url(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}").engine
        yield engine
        await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    async with postgres_schema_engine(url) as engine:
        yield engine
