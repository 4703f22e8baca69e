"""Who has a console open, in Redis, as every gateway sees it.

Keys, under ``<prefix>staff:``: ``presence`` (sorted set of user names scored by when their
console was last heard from, epoch seconds) and ``presence:info`` (hash of user name to
``{"display_name", "role"}`` JSON). `online` drops entries older than the window from both
in one script; both keys expire if nobody is heard from for a long while.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from redis.asyncio import Redis

from triage.staff.ports import OnlineStaff, Presence, Role
from triage.staff.redis_sessions import text, unavailable_on_error
from triage.staff.sessions import Clock

KEEP_SECONDS = 3600
"""At least this long before idle presence keys expire (each heartbeat renews them)."""

# KEYS: sorted set, info hash; ARGV[1] the oldest last-seen still online.
ONLINE = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for _, name in ipairs(stale) do
  redis.call('ZREM', KEYS[1], name)
  redis.call('HDEL', KEYS[2], name)
end
return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
"""


class RedisPresence(Presence):
    """`Presence` on Redis; the client is the caller's to close."""

    def __init__(
        self, redis: Redis, prefix: str, window_seconds: float, *, clock: Clock = time.time
    ) -> None:
        self.redis = redis
        self.window_seconds = window_seconds
        self._clock = clock
        self._seen_key = f"{prefix}staff:presence"
        self._info_key = f"{prefix}staff:presence:info"
        self._keep = max(KEEP_SECONDS, math.ceil(window_seconds * 2))
        self._online: Any = redis.register_script(ONLINE)

    async def heartbeat(self, username: str, display_name: str, role: Role) -> None:
        info = json.dumps({"display_name": display_name, "role": Role(role).value})
        with unavailable_on_error("presence heartbeat"):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self._seen_key, {username: self._clock()})
                pipe.hset(self._info_key, username, info)
                pipe.expire(self._seen_key, self._keep)
                pipe.expire(self._info_key, self._keep)
                await pipe.execute()

    async def leave(self, username: str) -> None:
        with unavailable_on_error("presence leave"):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrem(self._seen_key, username)
                pipe.hdel(self._info_key, username)
                await pipe.execute()

    async def online(self) -> list[OnlineStaff]:
        cutoff = repr(self._clock() - self.window_seconds)
        with unavailable_on_error("presence"):
            flat = await self._online(keys=[self._seen_key, self._info_key], args=[cutoff])
            names = [text(v) for v in flat[0::2]]
            infos = await self.redis.hmget(self._info_key, names) if names else []
        staff = []
        for name, score, raw in zip(names, flat[1::2], infos, strict=True):
            if raw is None:  # left between the two calls
                continue
            info = json.loads(text(raw))
            staff.append(OnlineStaff(name, info["display_name"], Role(info["role"]), float(score)))
        return sorted(staff, key=lambda s: s.username)

    async def aclose(self) -> None:
        """Nothing to release: the Redis client belongs to whoever made it."""
