"""Durable X state: poll cursors, exactly-once claims per post or event id, send markers.

Redis when configured (shared by every gateway), else a SQLite file under ``var/`` (shared by
processes on one machine). A claim is ``SET NX`` with a lease in Redis and a unique row in
SQLite: of two pollers that see the same post, exactly one gets it; a claim whose holder died
expires after its lease so the post is not lost; a finished post is marked ``done`` for
``DONE_TTL_SECONDS`` so it is never processed again. Keys hold ids only, never text.
"""

from __future__ import annotations

import abc
import asyncio
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from redis.asyncio import Redis

from triage.sqlite_wal import enable_wal

DONE = "done"
DONE_TTL_SECONDS = 90 * 24 * 3600
"""Longer than X will ever hand back an old post on a since_id or DM-events read."""

# Raise the cursor only: of two pollers, the one that read an older page must not move it back.
_MAX_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if current and (string.len(current) > string.len(ARGV[1]) or
    (string.len(current) == string.len(ARGV[1]) and current >= ARGV[1])) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def id_key(value: str) -> tuple[int, str]:
    """X ids are decimal strings of growing length: compare by length, then by text."""
    return (len(value), value)


class XState(abc.ABC):
    """Port for the X channel's durable state."""

    owner: str

    @abc.abstractmethod
    async def get_cursor(self, name: str) -> str | None: ...

    @abc.abstractmethod
    async def advance_cursor(self, name: str, value: str) -> None:
        """Set the cursor to ``value`` unless it is already at or past it."""

    @abc.abstractmethod
    async def claim(self, key: str, lease_seconds: float) -> bool:
        """True when this process now holds ``key`` (nobody held it, or a lease ran out)."""

    @abc.abstractmethod
    async def get(self, key: str) -> str | None:
        """``done``, another marker value, a lease holder, or None."""

    @abc.abstractmethod
    async def mark(
        self, key: str, value: str = DONE, ttl_seconds: float = DONE_TTL_SECONDS
    ) -> None:
        """Overwrite ``key`` (e.g. a claim becoming ``done``)."""

    @abc.abstractmethod
    async def release(self, key: str) -> None:
        """Give a claim back so another try can take it at once."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...


class RedisXState(XState):
    def __init__(self, client: Redis, prefix: str, *, owns_client: bool = False) -> None:
        self._redis = client
        self._prefix = f"{prefix}x:"
        self._owns = owns_client
        self.owner = f"lease:{uuid.uuid4().hex}"
        self._max = client.register_script(_MAX_SCRIPT)

    async def get_cursor(self, name: str) -> str | None:
        value = await self._redis.get(f"{self._prefix}cursor:{name}")
        return value.decode() if isinstance(value, bytes) else value

    async def advance_cursor(self, name: str, value: str) -> None:
        await self._max(keys=[f"{self._prefix}cursor:{name}"], args=[value])

    async def claim(self, key: str, lease_seconds: float) -> bool:
        ms = max(1, int(lease_seconds * 1000))
        return bool(await self._redis.set(f"{self._prefix}{key}", self.owner, nx=True, px=ms))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(f"{self._prefix}{key}")
        return value.decode() if isinstance(value, bytes) else value

    async def mark(
        self, key: str, value: str = DONE, ttl_seconds: float = DONE_TTL_SECONDS
    ) -> None:
        await self._redis.set(f"{self._prefix}{key}", value, px=max(1, int(ttl_seconds * 1000)))

    async def release(self, key: str) -> None:
        await self._redis.delete(f"{self._prefix}{key}")

    async def aclose(self) -> None:
        if self._owns:
            await self._redis.aclose()


class SqliteXState(XState):
    """One SQLite file; ``BEGIN IMMEDIATE`` makes each claim atomic across processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        enable_wal(self._db.cursor())
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS x_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
            " expires_at REAL NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS x_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        self._lock = threading.Lock()
        self.owner = f"lease:{uuid.uuid4().hex}"

    def _get_cursor(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM x_cursors WHERE name=?", (name,)).fetchone()
        return str(row[0]) if row else None

    def _advance(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT value FROM x_cursors WHERE name=?", (name,)
                ).fetchone()
                if row is None or id_key(str(row[0])) < id_key(value):
                    self._db.execute(
                        "INSERT OR REPLACE INTO x_cursors (name, value) VALUES (?, ?)",
                        (name, value),
                    )
            finally:
                self._db.execute("COMMIT")

    def _claim(self, key: str, lease_seconds: float) -> bool:
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM x_marks WHERE key=? AND expires_at<=?", (key, now))
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO x_marks (key, value, expires_at) VALUES (?, ?, ?)",
                    (key, self.owner, now + lease_seconds),
                )
                return cursor.rowcount == 1
            finally:
                self._db.execute("COMMIT")

    def _get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM x_marks WHERE key=? AND expires_at>?", (key, time.time())
            ).fetchone()
        return str(row[0]) if row else None

    def _mark(self, key: str, value: str, ttl_seconds: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO x_marks (key, value, expires_at) VALUES (?, ?, ?)",
                (key, value, time.time() + ttl_seconds),
            )

    def _release(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM x_marks WHERE key=?", (key,))

    async def get_cursor(self, name: str) -> str | None:
        return await asyncio.to_thread(self._get_cursor, name)

    async def advance_cursor(self, name: str, value: str) -> None:
        await asyncio.to_thread(self._advance, name, value)

    async def claim(self, key: str, lease_seconds: float) -> bool:
        return await asyncio.to_thread(self._claim, key, lease_seconds)

    async def get(self, key: str) -> str | None:
        return await asyncio.to_thread(self._get, key)

    async def mark(
        self, key: str, value: str = DONE, ttl_seconds: float = DONE_TTL_SECONDS
    ) -> None:
        await asyncio.to_thread(self._mark, key, value, ttl_seconds)

    async def release(self, key: str) -> None:
        await asyncio.to_thread(self._release, key)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._db.close)
