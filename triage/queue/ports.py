"""The operator queue port: conversations waiting for a member of staff.

One open item per conversation (waiting or claimed); the queue is ordered by priority
(P1 first), then by how long the item has waited. Adapters: `RedisOperatorQueue` (shared by
every gateway, survives restarts) and `InMemoryOperatorQueue` (the demo).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from triage.decisions import Channel, Flag, Priority, RiskFlag


def utcnow() -> datetime:
    return datetime.now(UTC)


class QueueUnavailable(Exception):
    """The queue's store cannot be reached; callers fall back (e.g. tell the person to call 101).

    Raised by every adapter operation in place of the client library's own errors.
    """


@dataclass(frozen=True)
class QueueRequest:
    """Ask for a member of staff; ``summary`` must already be redacted.

    ``link`` is where the operator can see the source (e.g. the public post) and ``author``
    the public handle that wrote it: fields of their own so the console can show them as a
    link and a name without parsing the summary. ``author`` is a public handle only, never a
    name, phone number or email address. Both are None for web chat.
    """

    conversation_id: str
    channel: Channel
    priority: Priority
    reason: str
    summary: str = ""
    flags: tuple[Flag, ...] = ()
    link: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """A conversation in the queue, waiting (``claimed_by`` None) or with a member of staff."""

    id: str
    conversation_id: str
    channel: Channel
    priority: Priority
    reason: str
    summary: str
    flags: tuple[Flag, ...]
    enqueued_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    link: str | None = None
    """The source post (or other page) for the operator; see `QueueRequest`."""
    author: str | None = None
    """The source's public handle; see `QueueRequest`."""

    @property
    def waiting(self) -> bool:
        return self.claimed_by is None

    def released(self) -> QueueItem:
        return replace(self, claimed_by=None, claimed_at=None)

    def as_json(self) -> dict[str, Any]:
        """The wire form for the console."""
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "channel": self.channel.value,
            "priority": self.priority.value,
            "reason": self.reason,
            "summary": self.summary,
            "flags": [flag.as_dict() for flag in self.flags],
            "enqueued_at": self.enqueued_at.isoformat(),
            "claimed_by": self.claimed_by,
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
            "link": self.link,
            "author": self.author,
        }


def merge_flags(old: tuple[Flag, ...], new: tuple[Flag, ...]) -> tuple[Flag, ...]:
    """Every flag once, the ones seen first first."""
    return tuple(dict.fromkeys((*old, *new)))


def flags_from_json(raw: list[dict[str, str]]) -> tuple[Flag, ...]:
    return tuple(Flag(RiskFlag(item["flag"]), item["evidence"]) for item in raw)


def more_urgent(a: Priority, b: Priority) -> Priority:
    return a if a.rank <= b.rank else b


class OperatorQueue(abc.ABC):
    """Port to the operator queue. Every method raises `QueueUnavailable` on an outage."""

    @abc.abstractmethod
    async def enqueue(self, request: QueueRequest) -> QueueItem:
        """Add the conversation, or update its open item: a more urgent priority raises it
        (with the new reason and summary), flags are merged, the waiting time is kept, and a
        link or author the item lacks is filled in (one it has is kept)."""

    @abc.abstractmethod
    async def claim_next(self, operator_id: str) -> QueueItem | None:
        """Take the most urgent, longest-waiting item; None when nothing is waiting."""

    @abc.abstractmethod
    async def claim(self, item_id: str, operator_id: str) -> QueueItem | None:
        """Take this item; None when it is not waiting (claimed by someone, or gone)."""

    @abc.abstractmethod
    async def release(self, item_id: str, operator_id: str) -> QueueItem | None:
        """Hand a claimed item back to the queue with its original waiting time.

        None (and no change) unless ``operator_id`` holds the item.
        """

    @abc.abstractmethod
    async def reassign(self, item_id: str, to_operator: str) -> QueueItem | None:
        """Give the item to ``to_operator`` (a supervisor's decision), waiting or claimed.

        A waiting item becomes claimed by ``to_operator``; a claimed one changes holder. The
        waiting time is kept and the claim time restarts. None when the item is gone.
        """

    @abc.abstractmethod
    async def complete(self, item_id: str, operator_id: str) -> bool:
        """Close the item (the conversation may be queued again later); False unless
        ``operator_id`` holds it."""

    @abc.abstractmethod
    async def list_waiting(self, limit: int = 100) -> list[QueueItem]:
        """Waiting items in queue order."""

    @abc.abstractmethod
    async def list_claimed(self) -> list[QueueItem]:
        """Claimed items, longest-held first."""

    @abc.abstractmethod
    async def get(self, item_id: str) -> QueueItem | None:
        """The open item, or None."""

    # --- retention and subject access (channels.privacy) --------------------------------
    # Closing an item already deletes it, so what retention removes are items left open
    # (waiting or claimed) long past any use, and the open item of an erased conversation.

    @abc.abstractmethod
    async def item_for(self, conversation_id: str) -> QueueItem | None:
        """The conversation's open item, or None."""

    @abc.abstractmethod
    async def list_enqueued_before(self, before: datetime, limit: int = 500) -> list[QueueItem]:
        """Open items (waiting or claimed) first queued before ``before``, oldest first."""

    @abc.abstractmethod
    async def remove(self, item_id: str) -> QueueItem | None:
        """Delete the open item whoever holds it (retention, not an operator's close); the
        item removed, or None when it was already gone."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release connections."""
