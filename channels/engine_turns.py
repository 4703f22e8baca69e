"""One engine call at a time per conversation, across every gateway (Redis).

With several engines behind a load balancer, Rasa 3.6's Redis lock store is meant to make
the engines take one conversation's messages one after the other. It does not quite: it
issues tickets with a read, then a write (RasaHQ/rasa#9213; a fix, #11256, was reverted),
so two messages of one conversation that reach two engines within the same few
milliseconds can both be served at once, and the tracker store then keeps only one of the
two turns. `tests/cluster` sends such pairs and lost a message without this lock.

The gateways are the engine's only clients, so they take the turn here first: ``SET NX PX``
on ``<prefix>engine-turn:<conversation id>`` before each call that writes the tracker
(a message, pause, resume), released by a compare-and-delete script; the key expires by
itself if a gateway dies holding it. Order between two messages sent at the same moment is
whichever gets the turn first; one socket's messages keep their order (its worker sends one
at a time). If Redis cannot be reached the call goes ahead unlocked: the person is answered,
as by one engine alone.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.engine import BotMessage, EngineClient, EngineUnavailable
from channels.keys import engine_key, http_key, redis_key, settings_key

log = structlog.get_logger(__name__)

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
FIRST_WAIT_SECONDS = 0.01
LONGEST_WAIT_SECONDS = 0.1
HOLD_MARGIN_SECONDS = 5.0
"""The key outlives the engine's timeout by this much, then expires on its own."""


class EngineTurns:
    """Per-conversation turns in Redis, shared by every gateway."""

    def __init__(self, client: Redis, prefix: str, hold_seconds: float) -> None:
        self._r: Any = client  # redis-py's stubs mix sync and async return types
        self._prefix = prefix
        self._hold_ms = int(hold_seconds * 1000)
        self._release = client.register_script(RELEASE)

    def key(self, conversation_id: str) -> str:
        return f"{self._prefix}engine-turn:{conversation_id}"

    @asynccontextmanager
    async def turn(self, conversation_id: str, wait_seconds: float) -> AsyncIterator[None]:
        """Hold the conversation's turn; EngineUnavailable if it stays taken too long."""
        key, token = self.key(conversation_id), uuid.uuid4().hex
        try:
            taken = await self._take(key, token, wait_seconds)
        except (RedisError, OSError) as exc:
            log.warning(
                "engine_turn_unlocked", conversation_id=conversation_id, error=type(exc).__name__
            )
            yield
            return
        if not taken:
            log.warning("engine_turn_busy", conversation_id=conversation_id)
            raise EngineUnavailable("the conversation's previous message is still being answered")
        try:
            yield
        finally:
            try:
                await self._release(keys=[key], args=[token])
            except (RedisError, OSError) as exc:  # it expires by itself
                log.warning("engine_turn_release_failed", error=type(exc).__name__)

    async def _take(self, key: str, token: str, wait_seconds: float) -> bool:
        deadline = time.monotonic() + wait_seconds
        pause = FIRST_WAIT_SECONDS
        while True:
            if await self._r.set(key, token, nx=True, px=self._hold_ms):
                return True
            if time.monotonic() + pause > deadline:
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_WAIT_SECONDS)


class TurnTakingEngineClient(EngineClient):
    """The engine client whose tracker-writing calls wait for the conversation's turn."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        token: str,
        turns: EngineTurns,
    ) -> None:
        super().__init__(session, base_url, timeout, token)
        self._turns = turns
        self._wait = timeout

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        async with self._turns.turn(sender, self._wait):
            return await super().send(sender, message, metadata)

    async def pause(self, conversation_id: str) -> None:
        async with self._turns.turn(conversation_id, self._wait):
            await super().pause(conversation_id)

    async def resume(self, conversation_id: str) -> None:
        async with self._turns.turn(conversation_id, self._wait):
            await super().resume(conversation_id)


async def engine_turns_ctx(app: web.Application) -> AsyncIterator[None]:
    """With Redis (several gateways), replace the engine client by the turn-taking one.

    Runs after the HTTP session and the store's Redis client exist, before the services
    that use the engine are wired."""
    settings = app[settings_key]
    if settings.redis_url:
        prefix = settings.extra.get("redis_key_prefix") or settings.redis_prefix
        hold = settings.rasa_timeout_seconds + HOLD_MARGIN_SECONDS
        app[engine_key] = TurnTakingEngineClient(
            app[http_key],
            settings.rasa_url,
            settings.rasa_timeout_seconds,
            settings.rasa_token,
            EngineTurns(app[redis_key], prefix, hold),
        )
    yield
