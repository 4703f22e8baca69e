"""In-process operator queue for `make demo` and tests: the same rules as the Redis one.

Every method runs without awaiting, so on one event loop each is atomic, as the Redis
scripts are.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from triage.queue.ports import (
    OperatorQueue,
    QueueItem,
    QueueRequest,
    merge_flags,
    more_urgent,
    utcnow,
)


def item_id(sequence: int) -> str:
    """Ids sort in the order items were first queued (the tie-break for equal times)."""
    return f"q{sequence:012d}"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class InMemoryOperatorQueue(OperatorQueue):
    """Items in a dict; lost when the process stops (use Redis for anything real)."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._items: dict[str, QueueItem] = {}
        self._by_conversation: dict[str, str] = {}
        self._sequence = itertools.count(1)

    @staticmethod
    def _order(item: QueueItem) -> tuple[int, int, str]:
        return (item.priority.rank, epoch_ms(item.enqueued_at), item.id)

    async def enqueue(self, request: QueueRequest) -> QueueItem:
        existing_id = self._by_conversation.get(request.conversation_id)
        if existing_id is None:
            item = QueueItem(
                id=item_id(next(self._sequence)),
                conversation_id=request.conversation_id,
                channel=request.channel,
                priority=request.priority,
                reason=request.reason,
                summary=request.summary,
                flags=merge_flags((), request.flags),
                enqueued_at=self._clock(),
                link=request.link or None,
                author=request.author or None,
            )
            self._by_conversation[request.conversation_id] = item.id
        else:
            old = self._items[existing_id]
            raised = more_urgent(request.priority, old.priority) is not old.priority
            item = replace(
                old,
                priority=request.priority if raised else old.priority,
                reason=request.reason if raised else old.reason,
                summary=request.summary if raised and request.summary else old.summary,
                flags=merge_flags(old.flags, request.flags),
                link=old.link or request.link or None,
                author=old.author or request.author or None,
            )
        self._items[item.id] = item
        return item

    async def claim_next(self, operator_id: str) -> QueueItem | None:
        waiting = [item for item in self._items.values() if item.waiting]
        if not waiting:
            return None
        return self._claim(min(waiting, key=self._order), operator_id)

    async def claim(self, item_id: str, operator_id: str) -> QueueItem | None:
        item = self._items.get(item_id)
        if item is None or not item.waiting:
            return None
        return self._claim(item, operator_id)

    def _claim(self, item: QueueItem, operator_id: str) -> QueueItem:
        claimed = replace(item, claimed_by=operator_id, claimed_at=self._clock())
        self._items[item.id] = claimed
        return claimed

    async def release(self, item_id: str, operator_id: str) -> QueueItem | None:
        item = self._items.get(item_id)
        if item is None or item.claimed_by != operator_id:
            return None
        released = item.released()
        self._items[item_id] = released
        return released

    async def reassign(self, item_id: str, to_operator: str) -> QueueItem | None:
        item = self._items.get(item_id)
        if item is None:
            return None
        return self._claim(item, to_operator)

    async def complete(self, item_id: str, operator_id: str) -> bool:
        item = self._items.get(item_id)
        if item is None or item.claimed_by != operator_id:
            return False
        del self._items[item_id]
        del self._by_conversation[item.conversation_id]
        return True

    async def list_waiting(self, limit: int = 100) -> list[QueueItem]:
        waiting = sorted((i for i in self._items.values() if i.waiting), key=self._order)
        return waiting[: max(limit, 0)]

    async def list_claimed(self) -> list[QueueItem]:
        claimed = [item for item in self._items.values() if not item.waiting]
        return sorted(claimed, key=lambda i: (epoch_ms(i.claimed_at or i.enqueued_at), i.id))

    async def get(self, item_id: str) -> QueueItem | None:
        return self._items.get(item_id)

    async def item_for(self, conversation_id: str) -> QueueItem | None:
        item_id = self._by_conversation.get(conversation_id)
        return None if item_id is None else self._items.get(item_id)

    async def list_enqueued_before(self, before: datetime, limit: int = 500) -> list[QueueItem]:
        old = [item for item in self._items.values() if item.enqueued_at < before]
        old.sort(key=lambda i: (epoch_ms(i.enqueued_at), i.id))
        return old[: max(limit, 0)]

    async def remove(self, item_id: str) -> QueueItem | None:
        item = self._items.pop(item_id, None)
        if item is not None and self._by_conversation.get(item.conversation_id) == item_id:
            del self._by_conversation[item.conversation_id]
        return item

    async def aclose(self) -> None:
        return None
