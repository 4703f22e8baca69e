"""Alembic environment for the case store: the models' metadata and an async engine."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from triage.cases.models import Base
from triage.settings import Settings
from triage.staff.models import StaffBase

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The staff tables share this database and migration chain, on a metadata of their own.
target_metadata = [Base.metadata, StaffBase.metadata]


def _database_url() -> str:
    """The URL given to Alembic, else the one every bluelamp process would use."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    settings = Settings.from_env()
    if not settings.database_url:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return settings.effective_database_url


def _configure(**kwargs: Any) -> None:
    # Batch mode lets later migrations alter tables on SQLite (which has little ALTER TABLE).
    context.configure(target_metadata=target_metadata, render_as_batch=True, **kwargs)


def run_migrations_offline() -> None:
    """Emit SQL without a database connection (``alembic upgrade head --sql``)."""
    _configure(url=_database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_database_url(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_with)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Use a connection handed in by the caller (tests), else open an async engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
