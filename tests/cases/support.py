"""Test support: where PostgreSQL is, throwaway schemas and databases, a sample report."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from triage.cases.ports import ReportSubmission

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
POSTGRES_URL = os.environ.get(
    "BLUELAMP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'cases.db'}"


async def admin_execute(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def run_blocking(coroutine: object) -> object:
    """Run a coroutine to completion even when called from inside a running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()  # type: ignore[arg-type]


async def postgres_unreachable_reason(url: str) -> str | None:
    try:
        await admin_execute(url, "SELECT 1")
    except Exception as exc:  # any failure to connect means "skip", with the reason
        return f"PostgreSQL not reachable at {url}: {exc}"
    return None


@asynccontextmanager
async def postgres_schema_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose search_path is a schema made for this use and dropped after it."""
    schema = f"bluelamp_test_{uuid.uuid4().hex[:12]}"
    await admin_execute(url, f'CREATE SCHEMA "{schema}"')
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        await admin_execute(url, f'DROP SCHEMA "{schema}" CASCADE')


def report(key: str = "sender-1:0", **overrides: Any) -> ReportSubmission:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "conversation_id": "sender-1",
        "channel": "webchat",
        "crime_type": "theft",
        "details": {"property_details": "red Raleigh bike", "property_value": "£350"},
        "account": "My bike was taken from the rack",
        "location": "outside the library, Station Road, ne1 4st",
        "time_window": "Tue 24 Nov 2026, about 15:00",
        "reporter_name": "Jo Bloggs",
        "reporter_contact": "Jo.Bloggs@Example.com",
        "contact_consent": True,
        "flags": ("repeat_victim",),
    }
    fields.update(overrides)
    return ReportSubmission(**fields)
