"""What a person is told when their conversation is queued for a member of staff.

Either the expected wait, estimated from the queue ahead of them and the staff signed in to
the console, or (nobody signed in, outside live-chat hours, or the figures cannot be read)
that no one can join now, with what to do instead: nobody is left waiting in silence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import structlog

from channels import messages
from triage.decisions import Priority
from triage.queue.ports import OperatorQueue, QueueItem
from triage.settings import Settings
from triage.staff.ports import Presence

log = structlog.get_logger(__name__)

AVERAGE_HANDLING_SECONDS = 8 * 60
"""How long a member of staff spends on one chat, on average (contact-centre planning figure)."""

PresenceSource = Callable[[], Presence | None]
"""The console's presence store, looked up when needed (None: no console in this gateway)."""


@dataclass(frozen=True)
class WaitEstimate:
    """The figures behind a notice (for logs and tests): ids and counts only."""

    online: int
    ahead: int
    busy: int
    minutes: int


def live_chat_open(settings: Settings, now: datetime) -> bool:
    """Within the live-chat hours in the force's time zone (close hour 24 is midnight)."""
    hour = now.astimezone(ZoneInfo(settings.timezone)).hour
    opens, closes = settings.live_chat_open_hour, settings.live_chat_close_hour
    if opens == closes or (opens == 0 and closes == 24):
        return True
    if opens < closes:
        return opens <= hour < closes
    return hour >= opens or hour < closes  # open overnight


def items_ahead(waiting: list[QueueItem], conversation_id: str, priority: Priority) -> int:
    """Waiting items staff will take before this conversation: more urgent ones, and equally
    urgent ones that have waited longer (all of them while this one is not queued yet)."""
    own = next((i for i in waiting if i.conversation_id == conversation_id), None)
    rank = own.priority.rank if own is not None else priority.rank
    ahead = 0
    for item in waiting:
        if item.conversation_id == conversation_id:
            continue
        if item.priority.rank < rank or (
            item.priority.rank == rank and (own is None or item.enqueued_at <= own.enqueued_at)
        ):
            ahead += 1
    return ahead


def estimate_minutes(online: int, ahead: int, busy: int, handling_seconds: float) -> int:
    """Free staff take the first items at once; the rest wait for chats to finish, shared
    between everyone signed in. Rounded up to whole five minutes."""
    free = max(0, online - busy)
    if ahead < free:
        return 0
    seconds = (ahead - free + 1) * handling_seconds / max(online, 1)
    return max(5, 5 * math.ceil(seconds / 300))


@dataclass(frozen=True)
class Wait:
    """What can be said about the wait: ``closed``, ``nobody``, ``unknown`` or ``estimate``."""

    kind: Literal["closed", "nobody", "unknown", "estimate"]
    minutes: int = 0


class WaitNotice:
    """The notice text for one conversation just queued for staff."""

    def __init__(
        self,
        queue: OperatorQueue,
        presence: PresenceSource,
        settings: Settings,
        *,
        average_handling_seconds: float = AVERAGE_HANDLING_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._queue = queue
        self._presence = presence
        self._settings = settings
        self._handling = average_handling_seconds
        self._clock = clock

    async def estimate(self, conversation_id: str, priority: Priority) -> WaitEstimate | None:
        """None when the figures cannot be read (the queue or the presence store is down)."""
        presence = self._presence()
        try:
            online = len(await presence.online()) if presence is not None else 0
            if online == 0:
                return WaitEstimate(online=0, ahead=0, busy=0, minutes=0)
            waiting = await self._queue.list_waiting(limit=500)
            busy = len(await self._queue.list_claimed())
        except Exception as exc:  # any store: the person still gets the alternatives
            log.warning(
                "wait_estimate_unavailable",
                conversation_id=conversation_id,
                error=type(exc).__name__,
            )
            return None
        ahead = items_ahead(waiting, conversation_id, priority)
        minutes = estimate_minutes(online, ahead, busy, self._handling)
        return WaitEstimate(online=online, ahead=ahead, busy=busy, minutes=minutes)

    async def assess(self, conversation_id: str, priority: Priority) -> Wait:
        """Closed, nobody signed in, unknown (a store is down), or an estimate in minutes."""
        if not live_chat_open(self._settings, self._clock()):
            wait = Wait("closed")
        else:
            estimate = await self.estimate(conversation_id, priority)
            if estimate is None:
                wait = Wait("unknown")
            elif estimate.online == 0:
                wait = Wait("nobody")
            else:
                wait = Wait("estimate", estimate.minutes)
                log.info(
                    "wait_estimated",
                    conversation_id=conversation_id,
                    online=estimate.online,
                    ahead=estimate.ahead,
                    busy=estimate.busy,
                    minutes=estimate.minutes,
                )
        log.info("wait_notice", conversation_id=conversation_id, result=wait.kind)
        return wait

    async def text(self, conversation_id: str, priority: Priority) -> str:
        """The notice on its own, with the alternatives (after the bot's handoff message)."""
        wait = await self.assess(conversation_id, priority)
        settings = self._settings
        if wait.kind == "closed":
            return messages.closed_now(
                settings.force_name, settings.live_chat_open_hour, settings.live_chat_close_hour
            )
        if wait.kind == "unknown":
            return messages.wait_unknown()
        if wait.kind == "nobody":
            return messages.nobody_available(settings.force_name)
        return messages.wait_estimate(wait.minutes)

    async def clause(self, conversation_id: str, priority: Priority) -> str:
        """One sentence for a message that gives the alternatives already ("" if unknown)."""
        wait = await self.assess(conversation_id, priority)
        settings = self._settings
        return messages.wait_clause(
            wait.kind, wait.minutes, settings.live_chat_open_hour, settings.live_chat_close_hour
        )
