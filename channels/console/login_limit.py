"""Failed sign-ins, limited per user name and per address (`BLUELAMP_CONSOLE_LOGIN_LIMIT`).

Counted with the `limits` library in moving windows, in Redis when it is configured (so
every gateway agrees) or in the process for the demo. Only failures count, and a limited
attempt is refused before the password is checked, so guessing stays slow and the refusal
says nothing about whether the password was right. Identifiers are hashed: no user name or
address appears in a Redis key.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from triage.staff.ports import StaffUnavailable

NAMESPACE = "console_login"


def _digest(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class LoginLimiter:
    """``limit`` in the `limits` notation, e.g. ``"5 per 15 minutes"``."""

    def __init__(self, storage: MemoryStorage | RedisStorage, limit: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self.limit: RateLimitItem = parse(limit)

    @classmethod
    def in_memory(cls, limit: str) -> LoginLimiter:
        return cls(MemoryStorage(), limit)

    @classmethod
    def on_redis(cls, client: Redis, url: str, prefix: str, limit: str) -> LoginLimiter:
        """Counts under ``<prefix>limits`` on the gateway's own client (closed with it)."""
        shared: dict[str, Any] = {"connection_pool": client.connection_pool}
        storage = RedisStorage(
            "async+" + url, implementation="redispy", key_prefix=f"{prefix}limits", **shared
        )
        return cls(storage, limit)

    def _keys(self, username: str, address: str) -> list[str]:
        return [_digest("user", username.casefold()), _digest("address", address)]

    async def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        try:
            waits = [
                await self._wait(key)
                for key in self._keys(username, address)
                if not await self._limiter.test(self.limit, NAMESPACE, key)
            ]
        except (RedisError, OSError) as exc:
            raise StaffUnavailable("sign-in counts unavailable") from exc
        return max(waits) if waits else None

    async def _wait(self, key: str) -> int:
        stats = await self._limiter.get_window_stats(self.limit, NAMESPACE, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def failed(self, username: str, address: str) -> None:
        """Count one failed attempt against both the name and the address."""
        try:
            for key in self._keys(username, address):
                await self._limiter.hit(self.limit, NAMESPACE, key)
        except (RedisError, OSError) as exc:
            raise StaffUnavailable("sign-in counts unavailable") from exc
