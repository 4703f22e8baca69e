"""The queue as the console shows it: items with their wait targets and mode, and figures.

Read fresh for every HTTP request; the console socket shares one cached read per gateway
per second (`BoardCache`), so many open consoles cost one poll, not one each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channels.store import ConversationStore
from triage.decisions import Priority
from triage.queue.ports import OperatorQueue, QueueItem
from triage.queue.targets import is_breached, target_seconds, waited_seconds

MAX_WAITING = 200
"""More than this many waiting is a figure, not a list anyone can read."""


@dataclass(frozen=True)
class Board:
    """One read of the queue and the mode of each queued conversation."""

    waiting: tuple[QueueItem, ...]
    claimed: tuple[QueueItem, ...]
    modes: Mapping[str, str] = field(default_factory=dict)

    def held_by(self, username: str) -> list[QueueItem]:
        return [item for item in self.claimed if item.claimed_by == username]

    def open_item(self, conversation_id: str) -> QueueItem | None:
        """The conversation's open item, claimed or waiting."""
        for item in (*self.claimed, *self.waiting):
            if item.conversation_id == conversation_id:
                return item
        return None

    def signature(self) -> tuple[Any, ...]:
        """Equal for two reads that would show the same queue (times aside)."""
        return (self.waiting, self.claimed, tuple(sorted(self.modes.items())))


async def read_board(queue: OperatorQueue, store: ConversationStore) -> Board:
    waiting, claimed = await asyncio.gather(queue.list_waiting(MAX_WAITING), queue.list_claimed())
    conversations = sorted({item.conversation_id for item in (*waiting, *claimed)})
    modes = await asyncio.gather(*(store.get_mode(cid) for cid in conversations))
    return Board(tuple(waiting), tuple(claimed), dict(zip(conversations, modes, strict=True)))


def item_json(item: QueueItem, now: datetime, mode: str = "bot") -> dict[str, Any]:
    """`QueueItem.as_json()` plus the target, the wait so far, breached, and the mode."""
    return {
        **item.as_json(),
        "target_seconds": target_seconds(item.priority),
        "waited_seconds": waited_seconds(item, now),
        "breached": is_breached(item, now),
        "mode": mode,
    }


def items_json(board: Board, items: list[QueueItem], now: datetime) -> list[dict[str, Any]]:
    return [item_json(item, now, board.modes.get(item.conversation_id, "bot")) for item in items]


def figures(board: Board, now: datetime) -> dict[str, Any]:
    """Waiting and claimed counts, the longest wait, breaches and the waiting by priority."""
    by_priority = {p.value: 0 for p in Priority}
    for item in board.waiting:
        by_priority[item.priority.value] += 1
    return {
        "waiting": len(board.waiting),
        "claimed": len(board.claimed),
        "oldest_seconds": max((waited_seconds(i, now) for i in board.waiting), default=0),
        "breached": sum(1 for item in board.waiting if is_breached(item, now)),
        "by_priority": by_priority,
    }


def queue_json(board: Board, username: str, now: datetime) -> dict[str, Any]:
    """The `GET /console/api/queue` answer (and the socket's ``queue`` frame, with a type)."""
    return {
        "waiting": items_json(board, list(board.waiting), now),
        "mine": items_json(board, board.held_by(username), now),
        "figures": figures(board, now),
        "now": now.isoformat(),
    }


class BoardCache:
    """The latest board, read again when older than ``max_age`` seconds; one read at a time."""

    def __init__(
        self,
        queue: OperatorQueue,
        store: ConversationStore,
        *,
        max_age: float = 1.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._queue = queue
        self._store = store
        self._max_age = max_age
        self._clock = clock or time.monotonic
        self._board: Board | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def read(self) -> Board:
        async with self._lock:
            now = self._clock()
            if self._board is None or now - self._read_at >= self._max_age:
                self._board = await read_board(self._queue, self._store)
                self._read_at = self._clock()
            return self._board

    def invalidate(self) -> None:
        """After a change made here, the next read goes to the queue."""
        self._board = None
