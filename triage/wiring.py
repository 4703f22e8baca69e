"""The one place that chooses triage's adapters from settings.

Redis when ``settings.redis_url`` is set (shared by every gateway, survives restarts),
in-process otherwise (`make demo`). Decisions go to the case store's database. Nothing here
connects: every client connects on first use, and every object has ``aclose()`` for aiohttp's
``cleanup_ctx``.
"""

from __future__ import annotations

import asyncio
import threading

import structlog

from triage.audit.buffered import BufferedSqlDecisionLog
from triage.audit.ports import DecisionLog
from triage.cases.migrate import upgrade_to_head
from triage.cases.wiring import sqlite_path
from triage.queue.alerts import AlertBus, InMemoryAlertBus
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.ports import OperatorQueue
from triage.queue.redis_alerts import RedisAlertBus
from triage.queue.redis_queue import RedisOperatorQueue
from triage.routing.dispatch import BackOffice
from triage.settings import Settings

log = structlog.get_logger(__name__)

_MIGRATION_LOCK = threading.Lock()


def build_operator_queue(settings: Settings) -> OperatorQueue:
    if settings.redis_url:
        return RedisOperatorQueue.from_url(settings.redis_url, settings.redis_prefix)
    return InMemoryOperatorQueue()


def build_alert_bus(settings: Settings) -> AlertBus:
    if settings.redis_url:
        return RedisAlertBus.from_url(settings.redis_url, settings.redis_prefix)
    return InMemoryAlertBus()


def _migrate_sqlite(url: str) -> None:
    """Upgrade the demo's SQLite file; a second try covers another process migrating it at
    the same moment (the loser fails on a table the winner just created, then finds it done)."""
    with _MIGRATION_LOCK:
        try:
            upgrade_to_head(url)
        except Exception as exc:  # alembic raises the driver's own error types
            log.warning("sqlite_migration_retry", error=type(exc).__name__)
            upgrade_to_head(url)


def build_decision_log(settings: Settings) -> DecisionLog:
    """The SQL decision log on ``settings.effective_database_url``, buffered: decisions are
    written in batches by a background task, off the request path, and flushed on ``aclose()``.

    As for the case store, the demo's SQLite file is migrated on first use; server databases
    are migrated by deployment (``alembic -c triage/cases/alembic.ini upgrade head``).
    """
    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return BufferedSqlDecisionLog.from_url(url)
    path.parent.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        await asyncio.to_thread(_migrate_sqlite, url)

    return BufferedSqlDecisionLog.from_url(url, prepare=migrate)


def build_back_office(settings: Settings, model_version: str) -> BackOffice:
    """Queue, alerts and decision log together, closed together by ``aclose()``."""
    return BackOffice(
        build_operator_queue(settings),
        build_alert_bus(settings),
        build_decision_log(settings),
        model_version,
    )
