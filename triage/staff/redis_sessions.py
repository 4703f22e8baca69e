"""Console sessions in Redis, shared by every gateway.

Keys, under ``<prefix>staff:``:
``session:<sha256 of the session id>`` (hash: username, display_name, role, csrf_token,
created_at, last_seen), expiring after the idle time (renewed by `touch`, never past the
absolute lifetime); ``user-sessions:<username>`` (set of those digests), so every session of
one account can be ended at once.

Only digests of session ids are stored, so a Redis dump or ``MONITOR`` does not reveal a
cookie that could be replayed. Touch and delete-for-user are Lua scripts, so a session
ended by one gateway cannot be revived by another's concurrent touch. The session key is
built inside the scripts, so on Redis Cluster the prefix must carry a hash tag.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from triage.staff.ports import Role, SessionStore, StaffAccount, StaffSession, StaffUnavailable
from triage.staff.sessions import Clock, new_token, plausible_id

FIELDS = ("username", "display_name", "role", "csrf_token", "created_at", "last_seen")

# KEYS[1] session key; ARGV: now, idle seconds, max seconds, user-set key prefix, digest.
TOUCH = """
local s = redis.call('HMGET', KEYS[1], 'username', 'display_name', 'role', 'csrf_token',
  'created_at', 'last_seen')
if not s[1] or not s[5] or not s[6] then
  redis.call('DEL', KEYS[1])
  return false
end
local now = tonumber(ARGV[1])
local idle = tonumber(ARGV[2])
local most = tonumber(ARGV[3])
local age = now - tonumber(s[5])
if now - tonumber(s[6]) >= idle or age >= most then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', ARGV[4] .. s[1], ARGV[5])
  return false
end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(math.min(idle, most - age) * 1000)))
s[6] = ARGV[1]
return s
"""

# KEYS[1] the user's set; ARGV[1] session key prefix.
DELETE_FOR = """
local count = 0
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  count = count + redis.call('DEL', ARGV[1] .. digest)
end
redis.call('DEL', KEYS[1])
return count
"""


def text(value: str | bytes) -> str:
    """Values from a client made with or without ``decode_responses``."""
    return value.decode() if isinstance(value, bytes) else value


def digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@contextmanager
def unavailable_on_error(operation: str) -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError) as exc:
        raise StaffUnavailable(f"Redis unavailable during {operation}: {exc}") from exc


class RedisSessionStore(SessionStore):
    """`SessionStore` on Redis; the client is the caller's to close."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        idle_seconds: float,
        max_seconds: float,
        *,
        clock: Clock = time.time,
    ) -> None:
        self.redis = redis
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self._clock = clock
        self._session_prefix = f"{prefix}staff:session:"
        self._user_prefix = f"{prefix}staff:user-sessions:"
        self._touch: Any = redis.register_script(TOUCH)
        self._delete_for: Any = redis.register_script(DELETE_FOR)

    def _key(self, session_id: str) -> str:
        return self._session_prefix + digest(session_id)

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
        key = self._key(session.id)
        user_key = self._user_prefix + account.username
        ttl_ms = max(1, math.ceil(min(self.idle_seconds, self.max_seconds) * 1000))
        with unavailable_on_error("create session"):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(
                    key,
                    mapping={
                        "username": session.username,
                        "display_name": session.display_name,
                        "role": session.role.value,
                        "csrf_token": session.csrf_token,
                        "created_at": repr(now),
                        "last_seen": repr(now),
                    },
                )
                pipe.pexpire(key, ttl_ms)
                pipe.sadd(user_key, digest(session.id))
                pipe.expire(user_key, max(1, math.ceil(self.max_seconds)))
                await pipe.execute()
        return session

    async def touch(self, session_id: str) -> StaffSession | None:
        if not plausible_id(session_id):
            return None
        args = [
            repr(self._clock()),
            repr(float(self.idle_seconds)),
            repr(float(self.max_seconds)),
            self._user_prefix,
            digest(session_id),
        ]
        with unavailable_on_error("touch session"):
            found = await self._touch(keys=[self._key(session_id)], args=args)
        if not found:
            return None
        values = dict(zip(FIELDS, (text(v) for v in found), strict=True))
        return StaffSession(
            id=session_id,
            username=values["username"],
            display_name=values["display_name"],
            role=Role(values["role"]),
            csrf_token=values["csrf_token"],
            created_at=float(values["created_at"]),
            last_seen=float(values["last_seen"]),
        )

    async def delete(self, session_id: str) -> None:
        if not plausible_id(session_id):
            return
        key = self._key(session_id)
        with unavailable_on_error("delete session"):
            username = await self.redis.hget(key, "username")
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                if username is not None:
                    pipe.srem(self._user_prefix + text(username), digest(session_id))
                await pipe.execute()

    async def delete_for(self, username: str) -> int:
        with unavailable_on_error("end sessions"):
            ended = await self._delete_for(
                keys=[self._user_prefix + username], args=[self._session_prefix]
            )
        return int(ended)

    async def aclose(self) -> None:
        """Nothing to release: the Redis client belongs to whoever made it."""
