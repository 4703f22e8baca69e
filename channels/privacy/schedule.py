"""The scheduled retention pass, run by the gateway.

Why the gateway and not the outbox worker (which runs in every deployment too): the
conversation store is `channels.store`, and triage must not import channels; and in
`make demo` the conversations and the queue live only inside the gateway process, so only
the gateway can erase them at all.

Several gateways may run at once, so before a pass each tries ``SET <prefix>privacy:
retention:lock <owner> NX EX <interval>`` in Redis: one gateway wins, the others skip. The
lock is left to expire rather than released, so the fleet runs about one pass per interval
however many gateways there are (and a gateway that dies mid-pass blocks nobody for longer
than that). Without Redis there is one gateway and no lock. The first pass comes shortly
after start-up (`FIRST_PASS_SECONDS`), so a gateway restarted more often than the interval
still runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from redis.asyncio import Redis

from channels.keys import (
    back_office_key,
    console_key,
    database_key,
    redis_key,
    settings_key,
    store_key,
    x_intake_key,
)
from channels.privacy.case_records import CaseRecords
from channels.privacy.retention import Periods, RetentionJob, RetentionReport
from channels.privacy.wiring import ensure_sqlite_schema
from triage.staff.wiring import redis_prefix

log = structlog.get_logger(__name__)

FIRST_PASS_SECONDS = 60.0
SHUTDOWN_GRACE_SECONDS = 5.0


class RetentionSchedule:
    """Runs `RetentionJob` every ``interval_seconds``, on one gateway of several."""

    def __init__(
        self,
        job: RetentionJob,
        interval_seconds: float,
        *,
        redis: Redis | None = None,
        prefix: str = "bluelamp:",
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("the retention interval must be positive")
        self.job = job
        self.interval_seconds = interval_seconds
        self._redis: Any = redis
        self.lock_key = f"{prefix}privacy:retention:lock"
        self.owner = uuid.uuid4().hex
        self._prepare = prepare

    async def tick(self) -> RetentionReport | None:
        """One pass if this gateway takes the lock (or there is no Redis); None if another
        gateway holds it."""
        if self._redis is not None:
            ttl = max(1, int(self.interval_seconds))
            taken = await self._redis.set(self.lock_key, self.owner, nx=True, ex=ttl)
            if not taken:
                log.debug("retention_pass_elsewhere")
                return None
        if self._prepare is not None:
            await self._prepare()
            self._prepare = None
        return await self.job.run()

    async def run(self, stop: asyncio.Event, first_delay: float = FIRST_PASS_SECONDS) -> None:
        """Pass after pass until ``stop`` is set; a failed pass is logged (by error type,
        never content) and the next one tries again."""
        delay = first_delay
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            if stop.is_set():
                return
            delay = self.interval_seconds
            try:
                await self.tick()
            except Exception as exc:
                log.warning("retention_pass_failed", error=type(exc).__name__)


async def retention_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the schedule with the gateway (after the store, back office, database, console
    and X contexts, whose objects it uses) and stop it on shutdown."""
    settings = app[settings_key]
    if settings.retention_interval_seconds <= 0:
        yield
        return
    job = RetentionJob(
        store=app[store_key],
        queue=app[back_office_key].queue,
        decisions=app[back_office_key].decisions,
        audit=app[console_key].audit,
        records=CaseRecords(app[database_key]),
        periods=Periods.from_settings(settings),
        x_state=app[x_intake_key].state if x_intake_key in app else None,
    )

    async def prepare() -> None:
        await ensure_sqlite_schema(settings)  # the demo's file, if nothing has migrated it yet

    schedule = RetentionSchedule(
        job,
        settings.retention_interval_seconds,
        redis=app.get(redis_key),
        prefix=redis_prefix(settings),
        prepare=prepare,
    )
    stop = asyncio.Event()
    first = min(FIRST_PASS_SECONDS, settings.retention_interval_seconds)
    task = asyncio.create_task(schedule.run(stop, first), name="privacy-retention")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
