"""Live bus over Redis pub/sub, shared by every gateway.

Channels: ``<prefix>live:<conversation id>``. Each process holds one pub/sub connection for
all its subscribers (a widget socket or a console), subscribed to the channels someone here
watches, plus the pattern ``<prefix>live:*`` while a console watches every conversation;
events are fanned out to the local subscribers from that one connection. If Redis goes away
the reader reconnects with backoff and subscribes again; events published meanwhile are lost,
which is fine: the store has every message and reconnecting clients reload from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.live.fanout import ALL, Fanout, Subscriber, event_from_json, event_to_json
from channels.live.ports import LiveBus, LiveEvent

log = structlog.get_logger(__name__)

READ_SECONDS = 1.0
"""How long one read waits for a message before looking again (and noticing shutdown)."""
CONFIRM_SECONDS = 5.0
"""How long a new subscription waits for Redis to confirm it before going on regardless."""
BACKOFF_MIN_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 5.0
_GLOB = re.compile(r"([*?\[\]\\])")


class RedisLiveBus(LiveBus):
    """Publishes JSON events; one pub/sub connection per process, local fan-out."""

    def __init__(self, client: Redis, prefix: str = "bluelamp:", *, owns_client: bool = False):
        self._r: Any = client  # redis-py's command stubs mix sync and async return types
        self._owns_client = owns_client
        self._prefix = f"{prefix}live:"
        self._pattern = _GLOB.sub(r"\\\1", self._prefix) + "*"
        self._fanout = Fanout()
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wanted = asyncio.Event()
        self._pending: dict[str, asyncio.Future[None]] = {}

    def channel(self, conversation_id: str) -> str:
        return f"{self._prefix}{conversation_id}"

    def _upstream(self, key: str | None) -> str:
        return self._pattern if key is ALL else self.channel(key)

    async def publish(self, event: LiveEvent) -> None:
        payload = json.dumps(event_to_json(event), separators=(",", ":"), ensure_ascii=False)
        try:
            await self._r.publish(self.channel(event.conversation_id), payload)
        except (RedisError, OSError) as exc:
            log.warning(
                "live_publish_failed",
                conversation_id=event.conversation_id,
                kind=event.kind,
                error=type(exc).__name__,
            )

    @asynccontextmanager
    async def subscribe(
        self, conversation_id: str | None
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        subscriber = Subscriber(conversation_id)
        try:
            await self._add(subscriber)  # inside: cancelled while waiting, it is still removed
            yield subscriber.events()
        finally:
            await asyncio.shield(self._remove(subscriber))

    async def _add(self, subscriber: Subscriber) -> None:
        """Subscribe upstream if nobody here watched this yet, and wait for Redis to confirm,
        so that whatever is published after this returns is received."""
        key = subscriber.conversation_id
        name = self._upstream(key)
        async with self._lock:
            first = self._fanout.add(subscriber)
            waiter = self._pending.get(name)
            if first and waiter is None:
                waiter = asyncio.get_running_loop().create_future()
                self._pending[name] = waiter
                if self._pubsub is not None:
                    await self._command(
                        self._pubsub.psubscribe if key is ALL else self._pubsub.subscribe, name
                    )
            self._wanted.set()
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._run(), name="live-bus-reader")
        if waiter is not None:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), CONFIRM_SECONDS)
            except TimeoutError:
                log.warning("live_subscribe_unconfirmed", conversation_id=key)

    async def _remove(self, subscriber: Subscriber) -> None:
        key = subscriber.conversation_id
        async with self._lock:
            if not self._fanout.remove(subscriber):
                return
            name = self._upstream(key)
            self._pending.pop(name, None)
            if not self._fanout.keys():
                self._wanted.clear()
            if self._pubsub is not None:
                await self._command(
                    self._pubsub.punsubscribe if key is ALL else self._pubsub.unsubscribe, name
                )

    async def _command(self, method: Any, name: str) -> None:
        """Best effort: on failure the reader reconnects and subscribes to everything again."""
        try:
            await method(name)
        except (RedisError, OSError, RuntimeError) as exc:
            log.warning("live_subscription_failed", error=type(exc).__name__)

    async def _open(self) -> None:
        async with self._lock:
            pubsub = self._r.pubsub()
            keys = self._fanout.keys()
            channels = [self.channel(key) for key in keys if key is not ALL]
            try:
                if channels:
                    await pubsub.subscribe(*channels)
                if ALL in keys:
                    await pubsub.psubscribe(self._pattern)
            except BaseException:
                await pubsub.aclose()
                raise
            self._pubsub = pubsub

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError):
                await pubsub.aclose()

    async def _run(self) -> None:
        backoff = BACKOFF_MIN_SECONDS
        while True:
            await self._wanted.wait()
            try:
                if self._pubsub is None:
                    await self._open()
                message = await self._pubsub.get_message(timeout=READ_SECONDS)
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("live_receive_failed", error=type(exc).__name__)
                await self._drop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                continue
            backoff = BACKOFF_MIN_SECONDS
            if message is not None:
                self._on_message(message)

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in ("subscribe", "psubscribe"):
            waiter = self._pending.pop(str(message.get("channel")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return
        if kind not in ("message", "pmessage"):
            return
        channel = str(message.get("channel"))
        try:
            event = event_from_json(json.loads(message["data"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("live_event_malformed", error=str(exc))
            return
        if not channel.startswith(self._prefix):
            return
        # A channel subscriber and a pattern subscriber each get Redis's copy for them only.
        key = ALL if kind == "pmessage" else channel[len(self._prefix) :]
        self._fanout.deliver_to(key, event)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._drop()
        if self._owns_client:
            await self._r.aclose()
