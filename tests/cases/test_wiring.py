"""The adapter the action server gets by default, built from settings alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from triage.cases.migrate import alembic_config
from triage.cases.ports import CaseSystem
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.wiring import build_case_system, sqlite_path
from triage.settings import Settings

from .support import report


async def test_default_sqlite_store_creates_var_and_migrates_on_first_use(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    case_system = build_case_system(Settings(var_dir=var_dir))
    assert isinstance(case_system, CaseSystem)
    assert var_dir.is_dir()
    try:
        receipt = await case_system.submit(report())
        assert receipt.created
        assert await case_system.lookup(receipt.reference, "ne14st") is not None
        assert isinstance(case_system, SqlCaseSystem)
        async with case_system.engine.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            busy = await connection.scalar(text("PRAGMA busy_timeout"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
    finally:
        await case_system.close()
    assert (var_dir / "bluelamp.db").is_file()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy is not None and busy >= 5000


async def test_a_second_process_reuses_the_migrated_file(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    first = build_case_system(settings)
    reference = (await first.submit(report())).reference
    await first.close()
    second = build_case_system(settings)
    try:
        assert (await second.submit(report())).reference == reference
    finally:
        await second.close()


def test_database_url_chooses_the_database(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    case_system = build_case_system(Settings(var_dir=tmp_path / "var", database_url=url))
    assert isinstance(case_system, SqlCaseSystem)
    assert case_system.engine.dialect.name == "postgresql"
    assert not (tmp_path / "var").exists()  # nothing written for a server database


def test_sqlite_path() -> None:
    assert sqlite_path("sqlite+aiosqlite:////srv/x/bluelamp.db") == Path("/srv/x/bluelamp.db")
    assert sqlite_path("sqlite+aiosqlite://") is None
    assert sqlite_path("postgresql+asyncpg://h/db") is None


def test_http_case_system_is_chosen_by_settings(tmp_path: Path) -> None:
    from triage.cases.http_adapter import HttpCaseSystem

    settings = Settings(
        var_dir=tmp_path / "var",
        case_system="http",
        case_system_url="http://127.0.0.1:8099/",
        case_system_attempts=4,
        case_system_timeout_seconds=1.5,
    )
    adapter = build_case_system(settings)
    assert isinstance(adapter, HttpCaseSystem)
    assert adapter.base_url == "http://127.0.0.1:8099"
    assert (adapter.policy.attempts, adapter.policy.timeout_seconds) == (4, 1.5)
    with pytest.raises(ValueError, match="BLUELAMP_CASE_SYSTEM_URL"):
        build_case_system(Settings(var_dir=tmp_path, case_system="http"))
    with pytest.raises(ValueError, match="BLUELAMP_CASE_SYSTEM"):
        build_case_system(Settings(var_dir=tmp_path, case_system="carrier-pigeon"))


async def test_outbox_and_limits_follow_redis_url(tmp_path: Path) -> None:
    from triage.cases.attempts import LimitsAttemptLimiter
    from triage.cases.redis_outbox import RedisStreamOutbox
    from triage.cases.spool_outbox import SpoolOutbox
    from triage.cases.wiring import build_attempt_limiter, build_outbox

    local = Settings(var_dir=tmp_path / "var")
    spool = build_outbox(local)
    assert isinstance(spool, SpoolOutbox)
    assert spool.path == tmp_path / "var" / "outbox.db"
    assert not (tmp_path / "var").exists()  # nothing opened until first use
    shared = Settings(var_dir=tmp_path, redis_url="redis://127.0.0.1:6379/0", redis_prefix="x:")
    stream = build_outbox(shared)
    assert isinstance(stream, RedisStreamOutbox) and stream.stream == "x:outbox:stream"
    limiter = build_attempt_limiter(Settings(track_limit_per_conversation="2 per minute"))
    assert isinstance(limiter, LimitsAttemptLimiter)
    assert limiter.per_conversation.amount == 2
    for closeable in (spool, stream, limiter):
        await closeable.close()


def test_settings_read_the_case_system_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_CASE_SYSTEM", "http")
    monkeypatch.setenv("BLUELAMP_CASE_SYSTEM_TIMEOUT_SECONDS", "1.25")
    monkeypatch.setenv("BLUELAMP_OUTBOX_PATH", str(tmp_path / "spool.db"))
    monkeypatch.setenv("BLUELAMP_TRACK_LIMIT_PER_REFERENCE", "3 per hour")
    settings = Settings.from_env()
    assert settings.case_system == "http"
    assert settings.case_system_timeout_seconds == 1.25
    assert settings.effective_outbox_path == tmp_path / "spool.db"
    assert settings.track_limit_per_reference == "3 per hour"
    monkeypatch.setenv("BLUELAMP_SUBMIT_BUDGET_SECONDS", "soon")
    with pytest.raises(ValueError, match="BLUELAMP_SUBMIT_BUDGET_SECONDS"):
        Settings.from_env()
