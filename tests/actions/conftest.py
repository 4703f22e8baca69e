"""Fixtures for the action server tests: a real SQLite case store per test.

Every test gets its own SQLite file (via DATABASE_URL) and a fresh case-system adapter,
because the adapter is cached per process and per event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from action_testing import free_port

from actions.case_access import reset_case_system
from triage.cases.sql_store import SqlCaseSystem


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file for the case store, configured through the environment."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BLUELAMP_VAR_DIR", str(tmp_path / "var"))
    return url


@pytest.fixture
def unreachable_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A PostgreSQL URL on a port where nothing listens."""
    url = f"postgresql+asyncpg://bluelamp:secret@127.0.0.1:{free_port()}/bluelamp"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BLUELAMP_VAR_DIR", str(tmp_path / "var"))
    return url


@pytest.fixture(autouse=True)
async def fresh_case_system(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[None]:
    """Forget the cached adapters and settings before and after every test.

    Each test starts from the demo defaults: local store, spool outbox and in-process
    tracking limits under its own var/ (tests that want Redis set REDIS_URL themselves).
    """
    for name in (
        "BLUELAMP_LIVE_CHAT_OPEN_HOUR",
        "BLUELAMP_LIVE_CHAT_CLOSE_HOUR",
        "REDIS_URL",
        "BLUELAMP_CASE_SYSTEM",
        "BLUELAMP_CASE_SYSTEM_URL",
        "BLUELAMP_OUTBOX_PATH",
        "BLUELAMP_TRACK_LIMIT_PER_CONVERSATION",
        "BLUELAMP_TRACK_LIMIT_PER_REFERENCE",
        "BLUELAMP_SUBMIT_BUDGET_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BLUELAMP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BLUELAMP_TIMEZONE", "Europe/London")
    await reset_case_system()
    yield
    await reset_case_system()


@pytest.fixture
async def inspector(database_url: str) -> AsyncIterator[SqlCaseSystem]:
    """A second, independent connection to the same store, to check what was written."""
    store = SqlCaseSystem.from_url(database_url)
    yield store
    await store.close()
