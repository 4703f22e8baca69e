"""Shared test set-up: the project root on sys.path so `scripts` and `bench` import."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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
