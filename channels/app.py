"""`create_app(settings)`: the gateway application; every client lives in `cleanup_ctx`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import WSCloseCode, web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from channels.conversation import ConversationService
from channels.engine import EngineClient
from channels.keys import (
    background_key,
    database_key,
    engine_key,
    http_key,
    redis_key,
    service_key,
    settings_key,
    sockets_key,
    store_key,
)
from channels.limits import body_limit
from channels.memory_store import MemoryConversationStore
from channels.redis_store import RedisConversationStore
from channels.routes import setup_routes
from channels.security import add_security_headers
from triage.settings import Settings

DEFAULT_REDIS_PREFIX = "bluelamp:"


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One pooled session for the engine, the action server and health checks."""
    settings = app[settings_key]
    async with aiohttp.ClientSession() as session:
        app[http_key] = session
        app[engine_key] = EngineClient(session, settings.rasa_url, settings.rasa_timeout_seconds)
        yield


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Redis when configured (shared by gateways), else in-process for the demo."""
    settings = app[settings_key]
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url, decode_responses=True)
        prefix = settings.extra.get("redis_key_prefix", DEFAULT_REDIS_PREFIX)
        app[redis_key] = client
        app[store_key] = RedisConversationStore(client, prefix=prefix)
    else:
        app[store_key] = MemoryConversationStore()
    app[service_key] = ConversationService(app[store_key], app[engine_key], settings.force_name)
    yield
    if settings.redis_url:
        await app[redis_key].aclose()


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Only for the health check for now; connects lazily, disposed on shutdown."""
    engine = create_async_engine(app[settings_key].effective_database_url)
    app[database_key] = engine
    yield
    await engine.dispose()


async def close_sockets(app: web.Application) -> None:
    """Tell open chats the server is going away (widgets reconnect), then let answers finish."""
    sockets = app[sockets_key]
    for ws in tuple(sockets):  # closing removes sockets from the set
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
    background = app[background_key]
    if background:
        _done, late = await asyncio.wait(
            tuple(background), timeout=app[settings_key].rasa_timeout_seconds + 1
        )
        for task in late:
            task.cancel()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=body_limit(settings))
    app[settings_key] = settings
    app[sockets_key] = set()
    app[background_key] = set()
    app.cleanup_ctx.append(http_ctx)
    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(database_ctx)
    app.on_response_prepare.append(add_security_headers)
    app.on_shutdown.append(close_sockets)
    setup_routes(app)
    return app
