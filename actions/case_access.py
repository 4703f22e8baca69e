"""The case system and its use cases, built lazily once per process (no I/O at import time).

The action server runs in one event loop, so one set of adapters is shared. When the loop
changes (each test gets a fresh one) new adapters are built, because database and Redis
connections belong to the loop that opened them. Everything is chosen in
`triage.cases.wiring`; this module only caches it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from triage.cases.attempts import AttemptLimiter
from triage.cases.outbox import Outbox
from triage.cases.ports import CaseSystem, DraftStore
from triage.cases.service import CaseTracking, ReportIntake
from triage.cases.wiring import (
    build_attempt_limiter,
    build_case_system,
    build_draft_store,
    build_intake,
    build_outbox,
    build_tracking,
)
from triage.settings import Settings

logger = logging.getLogger(__name__)

CASE_SYSTEM_TIMEOUT_SECONDS = 10.0
T = TypeVar("T")


@dataclass
class _Wired:
    loop: asyncio.AbstractEventLoop
    cases: CaseSystem
    outbox: Outbox
    limiter: AttemptLimiter
    intake: ReportIntake
    tracking: CaseTracking
    drafts: DraftStore


_settings: Settings | None = None
_wired: _Wired | None = None


def settings() -> Settings:
    """Settings read from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def _current() -> _Wired:
    global _wired
    loop = asyncio.get_running_loop()
    if _wired is None or _wired.loop is not loop:
        config = settings()
        cases = build_case_system(config)
        outbox = build_outbox(config)
        limiter = build_attempt_limiter(config)
        _wired = _Wired(
            loop,
            cases,
            outbox,
            limiter,
            build_intake(config, cases, outbox),
            build_tracking(cases, outbox, limiter),
            build_draft_store(config, cases),
        )
    return _wired


def case_system() -> CaseSystem:
    """The configured case system, built on first use in the running event loop."""
    return _current().cases


def intake() -> ReportIntake:
    """Submitting reports: the case system, or the outbox when it is down."""
    return _current().intake


def tracking() -> CaseTracking:
    """Tracking and adding to cases, behind the rate limits."""
    return _current().tracking


def drafts() -> DraftStore:
    """Unsent report drafts (`actions.drafts`), beside the case system."""
    return _current().drafts


async def call_case_system(call: Awaitable[T]) -> T:
    """Await a case-system call, but never longer than the engine is willing to wait."""
    return await asyncio.wait_for(call, timeout=CASE_SYSTEM_TIMEOUT_SECONDS)


async def reset_case_system() -> None:
    """Close and forget the adapters and settings (tests, or after changing the environment)."""
    global _wired, _settings
    wired, _wired, _settings = _wired, None, None
    if wired is None:
        return
    for closeable in (wired.drafts, wired.cases, wired.outbox, wired.limiter):
        try:
            await closeable.close()
        except Exception:  # closing a broken connection must not hide the real problem
            logger.warning("closing %s failed", type(closeable).__name__, exc_info=True)
