"""In-process live bus: the `make demo` default, for one gateway process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from channels.live.fanout import Fanout, Subscriber, event_from_json, event_to_json
from channels.live.ports import LiveBus, LiveEvent


class MemoryLiveBus(LiveBus):
    """Delivers at once to every open subscription in this process."""

    def __init__(self) -> None:
        self._fanout = Fanout()

    async def publish(self, event: LiveEvent) -> None:
        # Round-trip through JSON, as Redis does, so no subscriber shares the publisher's dict.
        self._fanout.deliver(event_from_json(event_to_json(event)))

    @asynccontextmanager
    async def subscribe(
        self, conversation_id: str | None
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        subscriber = Subscriber(conversation_id)
        self._fanout.add(subscriber)
        try:
            yield subscriber.events()
        finally:
            self._fanout.remove(subscriber)

    async def aclose(self) -> None:
        return None
