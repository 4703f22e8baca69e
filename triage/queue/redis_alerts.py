"""Operator alerts over Redis pub/sub (channel ``<prefix>alerts``), so every gateway's
consoles hear an alert whichever gateway raised it."""

from __future__ import annotations

from typing import Any

import structlog
from redis.asyncio import Redis

from triage.queue.alerts import Alert, AlertBus, Subscription
from triage.queue.redis_client import redis_client, unavailable_on_error

log = structlog.get_logger(__name__)


class _RedisSubscription(Subscription):
    def __init__(self, client: Any, channel: str) -> None:
        self._client = client
        self._channel = channel
        self._pubsub: Any = None

    async def start(self) -> None:
        if self._pubsub is not None:
            return
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            with unavailable_on_error("subscribe"):
                await pubsub.subscribe(self._channel)
        except BaseException:
            await pubsub.aclose()
            raise
        self._pubsub = pubsub

    async def _receive(self) -> Alert:
        while True:
            with unavailable_on_error("receive alert"):
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=None
                )
            if message is None or message.get("type") != "message":
                continue
            try:
                return Alert.from_json(message["data"])
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("alert_malformed", channel=self._channel, error=str(exc))

    async def aclose(self) -> None:
        if self._pubsub is not None:
            pubsub, self._pubsub = self._pubsub, None
            await pubsub.aclose()


class RedisAlertBus(AlertBus):
    """Publishes JSON alerts; each subscription holds its own pub/sub connection."""

    def __init__(
        self, client: Redis, prefix: str = "bluelamp:", *, owns_client: bool = False
    ) -> None:
        self._r: Any = client
        self._owns_client = owns_client
        self.channel = f"{prefix}alerts"

    @classmethod
    def from_url(cls, url: str, prefix: str = "bluelamp:") -> RedisAlertBus:
        return cls(redis_client(url), prefix, owns_client=True)

    async def publish(self, alert: Alert) -> int:
        with unavailable_on_error("publish alert"):
            receivers: int = await self._r.publish(self.channel, alert.to_json())
        return receivers

    def subscribe(self) -> Subscription:
        return _RedisSubscription(self._r, self.channel)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._r.aclose()
