"""A Redis client tuned to fail fast, and one place that turns Redis errors into ours.

redis-py retries ten times by default, which turns an outage into seconds of silence for
the person; two quick retries cover a blip, then callers get `QueueUnavailable` and fall back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from triage.queue.ports import QueueUnavailable

CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 5.0


def redis_client(url: str) -> Redis:
    """A client for ``url`` (nothing is connected until the first command)."""
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=2),
        health_check_interval=30,
    )


@contextmanager
def unavailable_on_error(operation: str) -> Iterator[None]:
    """Re-raise Redis and socket errors as `QueueUnavailable`, naming the operation."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(f"Redis unavailable during {operation}: {exc}") from exc


def text(value: str | bytes) -> str:
    """Values from a client made with or without ``decode_responses``."""
    return value.decode() if isinstance(value, bytes) else value
