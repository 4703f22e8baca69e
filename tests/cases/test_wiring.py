"""The adapter the action server gets by default, built from settings alone."""

from __future__ import annotations

from pathlib import Path

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
