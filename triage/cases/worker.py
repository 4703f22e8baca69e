"""The outbox worker: delivers held reports to the case system when it is back.

Runs as its own process (``python -m triage outbox-worker``, started by `make demo`), not
inside the action server: rasa-sdk's server offers no hook for background tasks, and a
separate process can be run once per machine (spool) or several times (Redis) without
tying delivery to conversation traffic.

Delivery is at least once: a report is marked delivered only after the case system has
answered with a reference, so a crash in between means it is submitted again, and the
case system's idempotency key returns the same reference instead of a second case.
While the case system is down the worker backs off exponentially (with jitter) instead
of hammering it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from aiohttp import web

from triage.cases.outbox import Outbox, OutboxItem, OutboxUnavailable
from triage.cases.ports import CaseSystem, CaseSystemRejected, CaseSystemUnavailable
from triage.cases.service import key_digest

log = structlog.get_logger(__name__)

PURGE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Round:
    """What one pass over the due reports did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, for consecutive failed rounds."""

    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        if failures <= 0:
            return 0.0
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (failures - 1))
        return ceiling / 2 + rand() * ceiling / 2  # never less than half: a real pause


class OutboxWorker:
    """Moves reports from the outbox to the case system, exactly once per report."""

    def __init__(
        self,
        outbox: Outbox,
        cases: CaseSystem,
        *,
        batch_size: int = 20,
        submit_timeout_seconds: float = 15.0,
        poll_seconds: float = 2.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.outbox = outbox
        self.cases = cases
        self.batch_size = batch_size
        self.submit_timeout_seconds = submit_timeout_seconds
        self.poll_seconds = poll_seconds
        self.backoff = backoff or Backoff()
        self.failures = 0
        self.delivered_total = 0
        self.last_round_at: float | None = None
        self._last_purge = 0.0

    async def _deliver(self, item: OutboxItem) -> str:
        """ "delivered", "dead" or "retry" for one held report."""
        try:
            receipt = await asyncio.wait_for(
                self.cases.submit(item.report), self.submit_timeout_seconds
            )
        except (CaseSystemUnavailable, TimeoutError) as exc:
            log.info("outbox_delivery_deferred", receipt_code=item.receipt_code, error=str(exc))
            return "retry"
        except (CaseSystemRejected, ValueError) as exc:
            log.error(
                "outbox_report_refused",
                receipt_code=item.receipt_code,
                key=key_digest(item.report.idempotency_key),
                error=type(exc).__name__,
            )
            await self.outbox.dead(item, f"refused: {type(exc).__name__}: {exc}"[:500])
            return "dead"
        await self.outbox.delivered(item, receipt.reference)
        log.info(
            "outbox_report_delivered",
            receipt_code=item.receipt_code,
            reference=receipt.reference,
            created=receipt.created,
            attempts=item.attempts,
        )
        return "delivered"

    async def run_once(self) -> Round:
        """Deliver what is due; stop at the first outage and release the rest for later."""
        items = await self.outbox.claim(self.batch_size)
        delivered = dead = 0
        for index, item in enumerate(items):
            result = await self._deliver(item)
            if result == "delivered":
                delivered += 1
            elif result == "dead":
                dead += 1
            else:
                delay = self.backoff.delay(self.failures + 1)
                for waiting in items[index:]:
                    await self.outbox.retry_later(waiting, delay, "case system unavailable")
                self.delivered_total += delivered
                return Round(delivered, len(items) - index, dead)
        self.delivered_total += delivered
        return Round(delivered, 0, dead)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, backing off while anything is down."""
        log.info("outbox_worker_started")
        while not stop.is_set():
            try:
                result = await self.run_once()
                await self._maybe_purge()
            except OutboxUnavailable as exc:
                self.failures += 1
                log.warning("outbox_unavailable", error=str(exc), failures=self.failures)
                await self._pause(stop, self.backoff.delay(self.failures))
                continue
            self.last_round_at = time.time()
            if result.retried:
                self.failures += 1
                await self._pause(stop, self.backoff.delay(self.failures))
            elif result.delivered or result.dead:
                self.failures = 0  # more may be waiting: go again at once
            else:
                self.failures = 0
                await self._pause(stop, self.poll_seconds)
        log.info("outbox_worker_stopped", delivered=self.delivered_total)

    async def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge >= PURGE_EVERY_SECONDS:
            self._last_purge = now
            purged = await self.outbox.purge()
            if purged:
                log.info("outbox_purged", receipts=purged)

    def health_app(self) -> web.Application:
        """``GET /health``: alive, how many reports are held, and whether delivery is failing."""

        async def health(_request: web.Request) -> web.Response:
            try:
                counts: dict[str, int] | None = await self.outbox.counts()
            except OutboxUnavailable:
                counts = None
            return web.json_response(
                {
                    "status": "ok",
                    "outbox": counts,
                    "consecutive_failures": self.failures,
                    "delivered": self.delivered_total,
                }
            )

        app = web.Application()
        app.router.add_get("/health", health)
        return app
