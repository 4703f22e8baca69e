"""The X channel inside the gateway: one cleanup context, two webhook routes.

Nothing starts without X credentials (``BLUELAMP_X_BEARER_TOKEN`` and ``BLUELAMP_X_USER_ID``),
so ``make demo`` runs exactly as before. The webhook routes answer 404 until configured.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from channels.keys import (
    back_office_key,
    redis_key,
    service_key,
    settings_key,
    triage_model_key,
    x_intake_key,
    x_webhook_key,
)
from channels.x.api import TweepyXApi
from channels.x.intake import XIntake
from channels.x.poller import XPoller
from channels.x.state import RedisXState, SqliteXState, XState
from channels.x.webhook import XWebhook
from triage.settings import Settings

log = structlog.get_logger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


def build_state(settings: Settings, app: web.Application) -> XState:
    if settings.redis_url and redis_key in app:
        return RedisXState(app[redis_key], settings.redis_prefix)
    return SqliteXState(settings.var_dir / "x_state.db")


async def x_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the X client, start the poller (unless webhook-only), close both on shutdown."""
    settings = app[settings_key]
    if not settings.x_enabled:
        yield
        return
    api = TweepyXApi(settings)
    state = build_state(settings, app)
    intake = XIntake(api, state, app.get(triage_model_key), app[back_office_key], app[service_key])
    app[x_intake_key] = intake
    if settings.x_consumer_secret:
        app[x_webhook_key] = XWebhook(intake, settings.x_consumer_secret, settings.x_user_id)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    if settings.x_poll:
        poller = XPoller(api, state, intake, settings.x_poll_seconds)
        task = asyncio.create_task(poller.run(stop), name="x-poller")
    log.info("x_channel_started", polling=settings.x_poll, webhook=x_webhook_key in app)
    try:
        yield
    finally:
        stop.set()
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout=SHUTDOWN_GRACE_SECONDS)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if x_webhook_key in app:
            await app[x_webhook_key].drain(SHUTDOWN_GRACE_SECONDS)
        await api.aclose()
        await state.aclose()


def _webhook(request: web.Request) -> XWebhook:
    hook = request.app.get(x_webhook_key)
    if hook is None:
        raise web.HTTPNotFound()
    return hook


async def x_crc(request: web.Request) -> web.Response:
    return await _webhook(request).crc(request)


async def x_receive(request: web.Request) -> web.Response:
    return await _webhook(request).receive(request)
