"""One real stack for the whole fault suite: engine, action server, gateway and outbox
worker, on a private Redis (really restarted) and a PostgreSQL database of its own reached
through a proxy (really cut). Started once: the engine alone takes most of a minute."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from scripts.stack import ROOT, Stack
from tests.cases.support import (
    POSTGRES_URL,
    admin_execute,
    postgres_unreachable_reason,
    run_blocking,
)
from tests.faults.harness import PREFIX, REDIS_SERVER, Faults, ProxyThread, RedisServer
from triage.cases.migrate import upgrade_to_head


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"fault tests need it under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    if not (ROOT / "models" / "current.tar.gz").exists():
        _unavailable("no trained model: run `make train`")
    if not Path(REDIS_SERVER).exists():
        _unavailable(f"no redis-server at {REDIS_SERVER}")
    reason = run_blocking(postgres_unreachable_reason(POSTGRES_URL))
    if reason:
        _unavailable(str(reason))

    name = f"bluelamp_faults_{uuid.uuid4().hex[:12]}"
    upstream = make_url(POSTGRES_URL)
    run_blocking(admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    var = tmp_path_factory.mktemp("faults")
    redis = RedisServer(var / "redis")
    proxy: ProxyThread | None = None
    try:
        direct = upstream.set(database=name).render_as_string(hide_password=False)
        upgrade_to_head(direct)
        redis.start()
        proxy = ProxyThread(upstream.host or "127.0.0.1", upstream.port or 5432)
        proxied = upstream.set(port=proxy.port, database=name).render_as_string(hide_password=False)
        stack = Stack.isolated(var / "var")
        stack.database_url = proxied
        stack.extra_env.update(
            {
                "REDIS_URL": redis.url,
                "BLUELAMP_REDIS_PREFIX": PREFIX,
                "BLUELAMP_OUTBOX_POLL_SECONDS": "0.5",
                "BLUELAMP_SUBMIT_BUDGET_SECONDS": "3",
                "BLUELAMP_RETENTION_INTERVAL_SECONDS": "0",
            }
        )
        with stack.running(timeout=300):
            yield Faults(stack, redis, proxy, direct)
    finally:
        if proxy is not None:
            proxy.close()
        redis.stop()
        run_blocking(admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
