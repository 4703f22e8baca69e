"""Console sessions kept in this process (`make demo`, tests); Redis shares them in production.

A session ends after ``idle_seconds`` without a request, or ``max_seconds`` after sign-in
however busy (one shift). Both limits are checked against the injectable clock on every
`touch`, so they hold exactly and tests need not wait.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace

from triage.staff.ports import SessionStore, StaffAccount, StaffSession

Clock = Callable[[], float]
"""Epoch seconds."""

MAX_SESSION_ID = 128
"""Longer cookie values are not ours; they are refused before any look-up."""


def new_token() -> str:
    """256 random bits, URL-safe: a session id or a CSRF token."""
    return secrets.token_urlsafe(32)


def plausible_id(session_id: str) -> bool:
    return 0 < len(session_id) <= MAX_SESSION_ID


def expired(created_at: float, last_seen: float, now: float, idle: float, most: float) -> bool:
    """Idle for ``idle`` seconds, or ``most`` seconds old, ends a session."""
    return now - last_seen >= idle or now - created_at >= most


class MemorySessionStore(SessionStore):
    """Sessions in a dict: lost on restart, and not shared between gateways."""

    def __init__(
        self, idle_seconds: float, max_seconds: float, *, clock: Clock = time.time
    ) -> None:
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self._clock = clock
        self._sessions: dict[str, StaffSession] = {}

    async def create(self, account: StaffAccount) -> StaffSession:
        now = self._clock()
        session = StaffSession(
            id=new_token(),
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            csrf_token=new_token(),
            created_at=now,
            last_seen=now,
        )
        self._sessions[session.id] = session
        return session

    async def touch(self, session_id: str) -> StaffSession | None:
        session = self._sessions.get(session_id) if plausible_id(session_id) else None
        if session is None:
            return None
        now = self._clock()
        if expired(session.created_at, session.last_seen, now, self.idle_seconds, self.max_seconds):
            del self._sessions[session_id]
            return None
        session = replace(session, last_seen=now)
        self._sessions[session_id] = session
        return session

    async def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def delete_for(self, username: str) -> int:
        ended = [sid for sid, s in self._sessions.items() if s.username == username]
        for sid in ended:
            del self._sessions[sid]
        return len(ended)

    async def aclose(self) -> None:
        self._sessions.clear()
