"""The live bus port: what happens in a conversation, pushed to whoever is watching it.

A person's widget may be connected to one gateway while the operator's console is on
another, so every event goes through the bus (Redis pub/sub shared by the gateways, or
in-process for the demo). The bus is for speed only: everything that matters is stored in
the conversation store first, and a reconnecting widget or console reloads from there.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["message", "typing", "mode", "closed"]


@dataclass(frozen=True)
class LiveEvent:
    """One thing that happened in a conversation.

    ``message``: ``data`` is a stored `TranscriptEntry.to_json()` (person, bot, system or
    operator). ``typing``: ``{"author": "operator" | "person", "active": bool}``. ``mode``:
    ``{"mode": "human" | "bot", "by": username | None}``. ``closed``: ``{"outcome": str}``.
    """

    conversation_id: str
    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)
    origin: str | None = None
    """Which socket published it (so it is not echoed back to the sender), if any."""


class LiveBus(abc.ABC):
    """Publish conversation events; subscribe to one conversation's or to all of them."""

    @abc.abstractmethod
    async def publish(self, event: LiveEvent) -> None:
        """Best effort: raises nothing for an outage (it is logged); the store has the truth."""

    @abc.abstractmethod
    def subscribe(
        self, conversation_id: str | None
    ) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        """Events for one conversation (or every conversation for None) while the context is
        open, in the order they were published."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...
