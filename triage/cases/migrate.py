"""Run the case store's Alembic migrations from Python (demo start-up, tests, make targets).

Command line equivalent: ``alembic -c triage/cases/alembic.ini upgrade head``; without
``sqlalchemy.url`` set, both use ``Settings.from_env().effective_database_url``.
Usage: ``python -m triage.cases.migrate [URL]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str | None = None, *, configure_logging: bool = True) -> Config:
    """Alembic config for this package; ``url`` overrides the settings' database URL."""
    config = Config(str(ALEMBIC_INI))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = configure_logging
    return config


def upgrade_to_head(url: str | None = None, *, configure_logging: bool = False) -> None:
    """Bring the database to the newest revision (blocking; call via a thread from async)."""
    command.upgrade(alembic_config(url, configure_logging=configure_logging), "head")


if __name__ == "__main__":
    upgrade_to_head(sys.argv[1] if len(sys.argv) > 1 else None, configure_logging=True)
