"""Sliding-window rate limit for one WebSocket connection."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` events in any `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: deque[float] = deque()

    def hit(self) -> float | None:
        """Record an event; None if allowed, else seconds until one would be."""
        now = self._clock()
        while self._events and now - self._events[0] >= self._window:
            self._events.popleft()
        if len(self._events) >= self._limit:
            return self._window - (now - self._events[0])
        self._events.append(now)
        return None
