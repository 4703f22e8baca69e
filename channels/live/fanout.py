"""Local fan-out shared by both live buses: each subscriber gets its own queue in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import structlog

from channels.live.ports import LiveEvent

log = structlog.get_logger(__name__)

MAX_PENDING = 1000
"""Events held for one slow subscriber before the oldest are dropped (the store has them)."""

ALL = None
"""The key of subscribers to every conversation."""


def event_to_json(event: LiveEvent) -> dict[str, Any]:
    return {
        "conversation_id": event.conversation_id,
        "kind": event.kind,
        "data": event.data,
        "origin": event.origin,
    }


def event_from_json(raw: Any) -> LiveEvent:
    """Raises ValueError for anything that is not a live event."""
    if not isinstance(raw, dict):
        raise ValueError("a live event is a JSON object")
    cid, kind, data, origin = (raw.get(k) for k in ("conversation_id", "kind", "data", "origin"))
    if not isinstance(cid, str) or kind not in ("message", "typing", "mode", "closed"):
        raise ValueError("a live event needs a conversation id and a known kind")
    if not isinstance(data, dict) or not (origin is None or isinstance(origin, str)):
        raise ValueError("a live event's data is an object and its origin a string")
    return LiveEvent(conversation_id=cid, kind=kind, data=data, origin=origin)


class Subscriber:
    """One open subscription: an ordered queue that never blocks the publisher."""

    def __init__(self, conversation_id: str | None) -> None:
        self.conversation_id = conversation_id
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue()

    def put(self, event: LiveEvent) -> None:
        if self._queue.qsize() >= MAX_PENDING:
            self._queue.get_nowait()
            log.warning("live_subscriber_lagging", conversation_id=event.conversation_id)
        self._queue.put_nowait(event)

    def events(self) -> AsyncIterator[LiveEvent]:
        return _Events(self._queue)


class _Events(AsyncIterator[LiveEvent]):
    """Not an async generator: a read cancelled by a timeout leaves the iterator usable."""

    def __init__(self, queue: asyncio.Queue[LiveEvent]) -> None:
        self._queue = queue

    async def __anext__(self) -> LiveEvent:
        return await self._queue.get()


class Fanout:
    """Subscribers by conversation id (or `ALL`), delivered to in publish order."""

    def __init__(self) -> None:
        self._subscribers: dict[str | None, set[Subscriber]] = {}

    def add(self, subscriber: Subscriber) -> bool:
        """True when it is the first subscriber for its key (the bus may subscribe upstream)."""
        group = self._subscribers.setdefault(subscriber.conversation_id, set())
        group.add(subscriber)
        return len(group) == 1

    def remove(self, subscriber: Subscriber) -> bool:
        """True when it was the last subscriber for its key."""
        group = self._subscribers.get(subscriber.conversation_id)
        if group is None:
            return False
        group.discard(subscriber)
        if group:
            return False
        del self._subscribers[subscriber.conversation_id]
        return True

    def keys(self) -> list[str | None]:
        return list(self._subscribers)

    def deliver(self, event: LiveEvent) -> None:
        """To the event's conversation's subscribers and to those watching everything."""
        self.deliver_to(event.conversation_id, event)
        self.deliver_to(ALL, event)

    def deliver_to(self, key: str | None, event: LiveEvent) -> None:
        for subscriber in tuple(self._subscribers.get(key, ())):
            subscriber.put(event)
