"""Operator alerts: the port, the message, and the in-process bus for the demo.

Alerts are fire-and-forget (pub/sub): a console that is not listening misses them, which is
why every P1 is also put in the operator queue. Summaries must already be redacted.
"""

from __future__ import annotations

import abc
import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

import structlog

from triage.decisions import Channel, Flag, Priority
from triage.queue.ports import flags_from_json, utcnow

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Alert:
    """Something an operator must see now.

    ``link`` (the source post) and ``author`` (its public handle only, never a name, phone
    number or email address) let the console show where to look without parsing the summary;
    both None for web chat.
    """

    conversation_id: str
    channel: Channel
    priority: Priority
    summary: str
    flags: tuple[Flag, ...] = ()
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime = field(default_factory=utcnow)
    link: str | None = None
    author: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "conversation_id": self.conversation_id,
                "channel": self.channel.value,
                "priority": self.priority.value,
                "flags": [flag.as_dict() for flag in self.flags],
                "summary": self.summary,
                "created_at": self.created_at.isoformat(),
                "link": self.link,
                "author": self.author,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Alert:
        """Raises ValueError (or KeyError) for a payload that is not an alert.

        ``link`` and ``author`` may be absent (alerts from a gateway older than them).
        """
        data: dict[str, Any] = json.loads(raw)
        return cls(
            id=str(data["id"]),
            conversation_id=str(data["conversation_id"]),
            channel=Channel(data["channel"]),
            priority=Priority(data["priority"]),
            flags=flags_from_json(data["flags"]),
            summary=str(data["summary"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            link=_optional_text(data.get("link")),
            author=_optional_text(data.get("author")),
        )


def _optional_text(value: Any) -> str | None:
    return str(value) if value else None


class Subscription(AsyncIterator[Alert], abc.ABC):
    """Alerts as they are published. Use ``async with bus.subscribe() as alerts:`` so the
    subscription is in place before anything else happens; plain ``async for`` subscribes
    on the first iteration."""

    async def __anext__(self) -> Alert:
        await self.start()
        return await self._receive()

    async def __aenter__(self) -> Subscription:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    @abc.abstractmethod
    async def start(self) -> None:
        """Subscribe (once); alerts published from now on are received."""

    @abc.abstractmethod
    async def _receive(self) -> Alert:
        """The next alert, waiting as long as it takes."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Unsubscribe and release the connection."""


class AlertBus(abc.ABC):
    """Port: publish alerts to every listening console. Outages raise `QueueUnavailable`."""

    @abc.abstractmethod
    async def publish(self, alert: Alert) -> int:
        """Send at once; returns how many subscribers received it (0 is not an error)."""

    @abc.abstractmethod
    def subscribe(self) -> Subscription:
        """A new subscription (not yet started)."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release connections."""


MAX_BACKLOG = 1000


class _MemorySubscription(Subscription):
    def __init__(self, bus: InMemoryAlertBus) -> None:
        self._bus = bus
        self._inbox: asyncio.Queue[Alert] = asyncio.Queue(maxsize=MAX_BACKLOG)
        self._started = False

    async def start(self) -> None:
        if not self._started:
            self._bus._subscribers.add(self)
            self._started = True

    def deliver(self, alert: Alert) -> None:
        if self._inbox.full():  # a stalled console must not hold the whole process's memory
            self._inbox.get_nowait()
            log.warning("alert_dropped_for_slow_subscriber", alert_id=alert.id)
        self._inbox.put_nowait(alert)

    async def _receive(self) -> Alert:
        return await self._inbox.get()

    async def aclose(self) -> None:
        self._bus._subscribers.discard(self)


class InMemoryAlertBus(AlertBus):
    """Alerts within one process (the demo)."""

    def __init__(self) -> None:
        self._subscribers: set[_MemorySubscription] = set()

    async def publish(self, alert: Alert) -> int:
        receivers = list(self._subscribers)
        for subscriber in receivers:
            subscriber.deliver(alert)
        return len(receivers)

    def subscribe(self) -> Subscription:
        return _MemorySubscription(self)

    async def aclose(self) -> None:
        self._subscribers.clear()
