"""Rate limits on case tracking: per conversation, and per reference across conversations.

The per-conversation limit slows one person (or script) trying many references; the
per-reference limit stops a guesser spreading attempts at one person's case over many
conversations. Every attempt counts, successful or not, and is counted atomically before
the lookup, so parallel guesses cannot slip past a check that has not yet been recorded.
Both are checked before the lookup, so the "too many attempts" answer says nothing about
whether a reference exists.

Counts live in Redis when it is configured, so every action server agrees; otherwise in
the process (the demo). Moving windows come from the `limits` library; identifiers are
hashed so no conversation id or reference appears in a Redis key.
"""

from __future__ import annotations

import abc
import hashlib
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from triage.queue.redis_client import redis_client


class LimiterUnavailable(Exception):
    """The shared counts could not be reached; the caller refuses the attempt for now."""


class AttemptLimiter(abc.ABC):
    """Port: may this conversation try this reference (or receipt code) now?"""

    @abc.abstractmethod
    async def allow(self, conversation_id: str, subject: str) -> bool:
        """Count one attempt; False when either limit is used up (nothing is looked up then).

        Raises `LimiterUnavailable` when the counts cannot be reached: failing closed, so an
        outage of Redis never means unlimited guessing.
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""


def _digest(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class LimitsAttemptLimiter(AttemptLimiter):
    """Moving-window limits over a `limits` async storage (memory or Redis)."""

    def __init__(
        self,
        storage: MemoryStorage | RedisStorage,
        *,
        per_conversation: str,
        per_subject: str,
        client: Redis | None = None,
    ) -> None:
        """``per_*`` in the `limits` notation, e.g. ``"5 per 15 minutes"``."""
        self._limiter = MovingWindowRateLimiter(storage)
        self.per_conversation: RateLimitItem = parse(per_conversation)
        self.per_subject: RateLimitItem = parse(per_subject)
        self._client = client

    @classmethod
    def in_memory(cls, *, per_conversation: str, per_subject: str) -> LimitsAttemptLimiter:
        return cls(MemoryStorage(), per_conversation=per_conversation, per_subject=per_subject)

    @classmethod
    def on_redis(
        cls, url: str, prefix: str, *, per_conversation: str, per_subject: str
    ) -> LimitsAttemptLimiter:
        """Shared counts in Redis under ``<prefix>limits``; nothing connects until first use."""
        client = redis_client(url)
        # `limits` accepts a pool (typed loosely there), so its counts share our fail-fast
        # client's timeouts and are closed with it.
        shared: dict[str, Any] = {"connection_pool": client.connection_pool}
        storage = RedisStorage(
            "async+" + url, implementation="redispy", key_prefix=f"{prefix}limits", **shared
        )
        return cls(
            storage, per_conversation=per_conversation, per_subject=per_subject, client=client
        )

    async def allow(self, conversation_id: str, subject: str) -> bool:
        try:
            if not await self._limiter.hit(
                self.per_conversation, "track", _digest("conversation", conversation_id)
            ):
                return False
            return await self._limiter.hit(
                self.per_subject, "track", _digest("subject", subject.upper())
            )
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable("attempt counts unavailable") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
