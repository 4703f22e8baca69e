"""Choose and build the case-system adapter from settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.engine import make_url

from triage.cases.migrate import upgrade_to_head
from triage.cases.ports import CaseSystem
from triage.cases.sql_store import SqlCaseSystem
from triage.settings import Settings


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases or in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def build_case_system(settings: Settings) -> CaseSystem:
    """The local SQL store for ``settings.effective_database_url``.

    A SQLite file (the `make demo` default under var/) is migrated to the newest revision on
    first use, so the demo needs no setup step. Other databases are migrated by deployment
    (``alembic -c triage/cases/alembic.ini upgrade head``), never by the running service.
    """
    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return SqlCaseSystem.from_url(url)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        await asyncio.to_thread(upgrade_to_head, url)

    return SqlCaseSystem.from_url(url, prepare=migrate)
