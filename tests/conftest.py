"""Shared test set-up: the project root on sys.path so `scripts` and `bench` import."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.cases.support import DATABASES  # noqa: E402  (needs the root on sys.path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL server's URL; a skip where it is unreachable, a failure under CI
    (where PostgreSQL is part of the machine, so a skip would hide missing coverage)."""
    from tests.cases.support import POSTGRES_URL, postgres_unreachable_reason, run_blocking

    reason = run_blocking(postgres_unreachable_reason(POSTGRES_URL))
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(str(reason))
    return POSTGRES_URL


@pytest.fixture
def sqlite_file_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """A database created for this test and dropped after it (migration tests)."""
    from sqlalchemy.engine import make_url

    from tests.cases.support import admin_execute, run_blocking

    name = f"bluelamp_migrations_{uuid.uuid4().hex[:12]}"
    run_blocking(admin_execute(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_blocking(admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DATABASES)
def fresh_database(request: pytest.FixtureRequest) -> str:
    """An empty database of each kind in turn, for migrations to build from nothing."""
    name = "sqlite_file_url" if request.param == "sqlite" else "postgres_database_url"
    url: str = request.getfixturevalue(name)
    return url
