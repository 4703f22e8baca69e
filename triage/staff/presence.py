"""Who has a console open, kept in this process (`make demo`, tests).

A console counts as online while it was heard from within ``window_seconds``; older
entries are dropped when `online` is asked, so a closed laptop drops out without a goodbye.
"""

from __future__ import annotations

import time

from triage.staff.ports import OnlineStaff, Presence, Role
from triage.staff.sessions import Clock


def fresh(last_seen: float, now: float, window: float) -> bool:
    """Heard from within the window (inclusive)."""
    return now - last_seen <= window


class MemoryPresence(Presence):
    """Presence in a dict: for one gateway process."""

    def __init__(self, window_seconds: float, *, clock: Clock = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._seen: dict[str, OnlineStaff] = {}

    async def heartbeat(self, username: str, display_name: str, role: Role) -> None:
        self._seen[username] = OnlineStaff(username, display_name, Role(role), self._clock())

    async def leave(self, username: str) -> None:
        self._seen.pop(username, None)

    async def online(self) -> list[OnlineStaff]:
        now = self._clock()
        stale = [
            n for n, s in self._seen.items() if not fresh(s.last_seen, now, self.window_seconds)
        ]
        for name in stale:
            del self._seen[name]
        return sorted(self._seen.values(), key=lambda s: s.username)

    async def aclose(self) -> None:
        self._seen.clear()
