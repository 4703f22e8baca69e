"""How long a queued conversation may wait for a member of staff, and whether it has waited
too long.

Targets follow the force's live-chat expectations: a P1 (a possible emergency) needs someone
at once, a P2 within three minutes, anything else within ten. The console shows the time
waited against the target and the supervisor counts the breaches.
"""

from __future__ import annotations

from datetime import datetime

from triage.decisions import Priority
from triage.queue.ports import QueueItem

TARGET_SECONDS: dict[Priority, int] = {Priority.P1: 0, Priority.P2: 180}
DEFAULT_TARGET_SECONDS = 600
"""P3, P4 and anything added later."""


def target_seconds(priority: Priority) -> int:
    """Seconds the item may wait before someone should have it (P1 0, P2 180, else 600)."""
    return TARGET_SECONDS.get(priority, DEFAULT_TARGET_SECONDS)


def waited_seconds(item: QueueItem, now: datetime) -> int:
    """Whole seconds since the item was first queued (never negative under clock skew).

    A claimed item's wait ended when it was claimed; a released item waits again from its
    original time, as the queue keeps it.
    """
    end = item.claimed_at if item.claimed_at is not None else now
    return max(0, int((end - item.enqueued_at).total_seconds()))


def is_breached(item: QueueItem, now: datetime) -> bool:
    """Waited past its target; a P1 is breached as soon as it waits at all (a second)."""
    return waited_seconds(item, now) > target_seconds(item.priority)
