"""`create_app(settings)`: the gateway application; every client lives in `cleanup_ctx`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import structlog
from aiohttp import WSCloseCode, web
from sqlalchemy.ext.asyncio import create_async_engine

from channels.console.headers import add_console_headers
from channels.console.wiring import console_ctx
from channels.conversation import ConversationService
from channels.engine import EngineClient
from channels.engine_turns import engine_turns_ctx
from channels.handover import Handover
from channels.ip_limits import ip_limit, ip_limits_ctx
from channels.json_errors import json_errors
from channels.keys import (
    back_office_key,
    background_key,
    console_key,
    database_key,
    engine_key,
    handover_key,
    http_key,
    live_key,
    redis_key,
    service_key,
    settings_key,
    sockets_key,
    store_key,
    triage_model_key,
    x_intake_key,
)
from channels.limits import body_limit
from channels.live.memory import MemoryLiveBus
from channels.live.ports import LiveBus
from channels.live.redis_bus import RedisLiveBus
from channels.memory_store import MemoryConversationStore
from channels.privacy.schedule import retention_ctx
from channels.redis_store import RedisConversationStore
from channels.routes import setup_routes
from channels.security import add_security_headers
from channels.triage_gate import NO_MODEL, TriageGate, TriageModel, load_triage_model
from channels.waiting import WaitNotice
from channels.x.wiring import x_ctx
from triage.queue.redis_client import redis_client
from triage.settings import Settings
from triage.staff.ports import Presence
from triage.wiring import build_back_office

log = structlog.get_logger(__name__)

ModelLoader = Callable[[], TriageModel]
BACK_OFFICE_GRACE_SECONDS = 5.0
"""How long shutdown waits for alerts, queue items and audit records still being written."""
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One pooled session for the engine, the action server and health checks."""
    settings = app[settings_key]
    async with aiohttp.ClientSession() as session:
        app[http_key] = session
        app[engine_key] = EngineClient(
            session, settings.rasa_url, settings.rasa_timeout_seconds, settings.rasa_token
        )
        yield


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Redis when configured (shared by gateways), else in-process for the demo.

    The client fails fast (two quick retries), so an outage turns into a clear answer for the
    person rather than seconds of silence.
    """
    settings = app[settings_key]
    if settings.redis_url:
        client = redis_client(settings.redis_url)
        prefix = settings.extra.get("redis_key_prefix") or settings.redis_prefix
        app[redis_key] = client
        app[store_key] = RedisConversationStore(client, prefix=prefix)
    else:
        app[store_key] = MemoryConversationStore()
    yield
    if settings.redis_url:
        await app[redis_key].aclose()


async def live_ctx(app: web.Application) -> AsyncIterator[None]:
    """The live bus: Redis pub/sub on the store's client when configured, else in-process."""
    settings = app[settings_key]
    bus: LiveBus
    if settings.redis_url:
        prefix = settings.extra.get("redis_key_prefix") or settings.redis_prefix
        bus = RedisLiveBus(app[redis_key], prefix)
    else:
        bus = MemoryLiveBus()
    app[live_key] = bus
    yield
    await bus.aclose()


def triage_model_ctx(load: ModelLoader) -> CleanupContext:
    """Load the classifier once, off the event loop, before the first message is taken.

    If it cannot be loaded the gateway still serves (the bot has its own emergency rules)
    and `/health` reports triage down, rather than leaving the public with no chat at all.
    """

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        try:
            model = await asyncio.to_thread(load)
        except Exception:
            log.exception("triage_model_unavailable")
        else:
            app[triage_model_key] = model
            log.info("triage_model_loaded", version=model.version)
        yield

    return ctx


async def back_office_ctx(app: web.Application) -> AsyncIterator[None]:
    """Operator queue, alert bus and decision log; nothing connects until first used."""
    model = app.get(triage_model_key)
    office = build_back_office(app[settings_key], model.version if model else NO_MODEL)
    app[back_office_key] = office
    yield
    await office.aclose()


async def service_ctx(app: web.Application) -> AsyncIterator[None]:
    """Wire the conversation service; on shutdown let back-office work in flight finish."""
    settings = app[settings_key]
    gate = TriageGate(app.get(triage_model_key), app[back_office_key])

    def presence() -> Presence | None:
        """The console's (set up after this); without a console nobody can be signed in."""
        console = app.get(console_key)
        return console.presence if console is not None else None

    waiting = WaitNotice(app[back_office_key].queue, presence, settings)
    app[service_key] = ConversationService(
        app[store_key],
        app[engine_key],
        gate,
        settings.force_name,
        live=app[live_key],
        waiting=waiting,
    )
    app[handover_key] = Handover(
        app[store_key],
        app[engine_key],
        app[live_key],
        settings.force_name,
        x_dm=lambda: app.get(x_intake_key),
    )
    yield
    await gate.drain(timeout=BACK_OFFICE_GRACE_SECONDS)


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


def create_app(
    settings: Settings, *, load_model: ModelLoader = load_triage_model
) -> web.Application:
    """The gateway; ``load_model`` is replaceable so tests load the classifier only once."""
    app = web.Application(client_max_size=body_limit(settings), middlewares=[json_errors, ip_limit])
    app[settings_key] = settings
    app[sockets_key] = set()
    app[background_key] = set()
    app.cleanup_ctx.append(http_ctx)
    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(engine_turns_ctx)  # shares the store's Redis client
    app.cleanup_ctx.append(ip_limits_ctx)  # shares the store's Redis client
    app.cleanup_ctx.append(live_ctx)
    app.cleanup_ctx.append(triage_model_ctx(load_model))
    app.cleanup_ctx.append(back_office_ctx)
    app.cleanup_ctx.append(service_ctx)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(console_ctx)  # after store, back office and service
    app.cleanup_ctx.append(x_ctx)  # does nothing without X credentials
    app.cleanup_ctx.append(retention_ctx)  # after store, back office, database and console
    app.on_response_prepare.append(add_security_headers)
    app.on_response_prepare.append(add_console_headers)  # refines the line above for /console
    app.on_shutdown.append(close_sockets)
    setup_routes(app)
    return app
