"""`GET /health`: the state of everything the gateway depends on.

The engine decides the status code (without it nobody gets answers); the others are
reported so operators see a degraded service before people do. `triage` is the classifier
behind the emergency fast path (loaded at start-up or not); `queue` is the operator queue's
backend (Redis when configured; the in-process queue is always reachable).
"""

from __future__ import annotations

import asyncio

import aiohttp
import structlog
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from yarl import URL

from channels.keys import (
    back_office_key,
    database_key,
    engine_key,
    http_key,
    redis_key,
    settings_key,
    triage_model_key,
)
from channels.limits import HEALTH_TIMEOUT_SECONDS
from triage.queue.ports import OperatorQueue

log = structlog.get_logger(__name__)

OK, DOWN, NOT_CONFIGURED = "ok", "down", "not_configured"


def _state(ok: bool) -> str:
    return OK if ok else DOWN


def action_health_url(action_server_url: str) -> str:
    """The action server's `/health` on the same host as its `/webhook`."""
    return str(URL(action_server_url).with_path("/health").with_query(None))


async def _http_ok(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
        async with session.get(url, timeout=timeout) as resp:
            return resp.status == 200
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.info("health_check_failed", check="action_server", error=type(exc).__name__)
        return False


async def _redis_ok(client: Redis) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            return bool(await client.ping())
    except Exception as exc:  # any driver or network error means "down"
        log.info("health_check_failed", check="redis", error=type(exc).__name__)
        return False


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any driver or network error means "down"
        log.info("health_check_failed", check="database", error=type(exc).__name__)
        return False


async def _queue_ok(queue: OperatorQueue) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            await queue.list_waiting(limit=1)
        return True
    except Exception as exc:  # QueueUnavailable, or a timeout
        log.info("health_check_failed", check="queue", error=type(exc).__name__)
        return False


async def health(request: web.Request) -> web.Response:
    app = request.app
    settings = app[settings_key]
    redis = app.get(redis_key)
    engine_up, action_up, db_up, redis_up, queue_up = await asyncio.gather(
        app[engine_key].is_up(HEALTH_TIMEOUT_SECONDS),
        _http_ok(app[http_key], action_health_url(settings.action_server_url)),
        _database_ok(app[database_key]),
        _redis_ok(redis) if redis is not None else asyncio.sleep(0, None),
        _queue_ok(app[back_office_key].queue),
    )
    checks = {
        "engine": _state(engine_up),
        "action_server": _state(action_up),
        "redis": NOT_CONFIGURED if redis is None else _state(bool(redis_up)),
        "database": _state(db_up),
        "triage": _state(triage_model_key in app),
        "queue": _state(queue_up),
    }
    if not engine_up:
        status = "down"
    elif DOWN in checks.values():
        status = "degraded"
    else:
        status = "ok"
    return web.json_response(
        {"status": status, "checks": checks},
        status=200 if engine_up else 503,
        headers={"Cache-Control": "no-store"},
    )
