"""Settings choose the adapters: Redis when REDIS_URL is set, in-process otherwise; decisions
go to the case store's database, migrated on first use for the demo's SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from triage_queue.support import TEST_REDIS_URL, redis_prefix

from triage.audit.sql_log import SqlDecisionLog
from triage.cases.migrate import alembic_config
from triage.decisions import Category, Channel, Contact, Decision, Priority
from triage.queue.alerts import Alert, InMemoryAlertBus
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.ports import QueueRequest
from triage.queue.redis_alerts import RedisAlertBus
from triage.queue.redis_queue import RedisOperatorQueue
from triage.routing import RouteContext, route
from triage.settings import Settings
from triage.wiring import (
    build_alert_bus,
    build_back_office,
    build_decision_log,
    build_operator_queue,
)

HEAD = ScriptDirectory.from_config(alembic_config(configure_logging=False)).get_current_head()
"""The newest case-store revision (decisions live there since 0002; later ones add to it)."""


def test_without_redis_the_demo_gets_in_process_adapters(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert isinstance(build_operator_queue(settings), InMemoryOperatorQueue)
    assert isinstance(build_alert_bus(settings), InMemoryAlertBus)


def test_redis_prefix_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLUELAMP_REDIS_PREFIX", raising=False)
    assert Settings.from_env().redis_prefix == "bluelamp:"
    monkeypatch.setenv("BLUELAMP_REDIS_PREFIX", "force-b:")
    assert Settings.from_env().redis_prefix == "force-b:"


async def test_with_redis_the_adapters_share_redis_under_the_prefix(tmp_path: Path) -> None:
    async with redis_prefix() as (client, prefix):
        settings = Settings(var_dir=tmp_path, redis_url=TEST_REDIS_URL, redis_prefix=prefix)
        queue = build_operator_queue(settings)
        bus = build_alert_bus(settings)
        assert isinstance(queue, RedisOperatorQueue) and isinstance(bus, RedisAlertBus)
        try:
            item = await queue.enqueue(
                QueueRequest("c1", Channel.WEBCHAT, Priority.P2, "urgent_risk", "s")
            )
            assert await client.exists(f"{prefix}queue:item:{item.id}") == 1
            assert bus.channel == f"{prefix}alerts"
            listener = client.pubsub()
            await listener.subscribe(f"{prefix}alerts")
            try:
                assert await bus.publish(Alert("c1", Channel.WEBCHAT, Priority.P1, "s")) == 1
            finally:
                await listener.aclose()
        finally:
            await queue.aclose()
            await bus.aclose()


async def test_default_decision_log_migrates_the_demo_sqlite_file(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    log = build_decision_log(Settings(var_dir=var_dir))
    assert isinstance(log, SqlDecisionLog)
    decision = Decision(Category.ENQUIRY, Priority.P3, 0.9)
    try:
        await log.record(Contact("m1", "hello"), decision, route(decision, RouteContext()), "v1")
        assert len(await log.recent()) == 1
        async with log.engine.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await log.aclose()
    assert (var_dir / "bluelamp.db").is_file()
    assert version == HEAD


async def test_two_decision_logs_migrating_the_same_file_at_once(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    logs = [build_decision_log(settings) for _ in range(3)]
    try:
        results = await asyncio.gather(*(log.recent() for log in logs))
        assert results == [[], [], []]
        async with logs[0].engine.connect() as connection:  # type: ignore[attr-defined]
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == HEAD
    finally:
        for log in logs:
            await log.aclose()


def test_a_server_database_is_not_migrated_by_the_service(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    log = build_decision_log(Settings(var_dir=tmp_path / "var", database_url=url))
    assert isinstance(log, SqlDecisionLog) and log.engine.dialect.name == "postgresql"
    assert not (tmp_path / "var").exists()


async def test_back_office_closes_everything(tmp_path: Path) -> None:
    office = build_back_office(Settings(var_dir=tmp_path), "v1")
    await office.aclose()
    assert isinstance(office.queue, InMemoryOperatorQueue)
