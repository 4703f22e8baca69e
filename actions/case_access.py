"""The case system, built lazily once per process (no I/O at import time).

The action server runs in one event loop, so one adapter is shared. When the loop changes
(each test gets a fresh one) a new adapter is built, because database connections belong
to the loop that opened them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from triage.cases.ports import CaseSystem
from triage.cases.wiring import build_case_system
from triage.settings import Settings

logger = logging.getLogger(__name__)

CASE_SYSTEM_TIMEOUT_SECONDS = 10.0
T = TypeVar("T")

_system: CaseSystem | None = None
_settings: Settings | None = None
_loop: asyncio.AbstractEventLoop | None = None


def settings() -> Settings:
    """Settings read from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def case_system() -> CaseSystem:
    """The configured case system, built on first use in the running event loop."""
    global _system, _loop
    loop = asyncio.get_running_loop()
    if _system is None or _loop is not loop:
        _system = build_case_system(settings())
        _loop = loop
    return _system


async def call_case_system(call: Awaitable[T]) -> T:
    """Await a case-system call, but never longer than the engine is willing to wait."""
    return await asyncio.wait_for(call, timeout=CASE_SYSTEM_TIMEOUT_SECONDS)


async def reset_case_system() -> None:
    """Close and forget the adapter and settings (tests, or after changing the environment)."""
    global _system, _settings, _loop
    system, _system, _settings, _loop = _system, None, None, None
    if system is not None:
        try:
            await system.close()
        except Exception:  # closing a broken connection must not hide the real problem
            logger.warning("closing the case system failed", exc_info=True)
