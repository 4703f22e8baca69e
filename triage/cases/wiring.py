"""The one place that chooses and builds the case system's adapters from settings.

- case system: the local SQL store (``BLUELAMP_CASE_SYSTEM=local``, default) or the HTTP
  adapter for an external records system (``http``, with ``BLUELAMP_CASE_SYSTEM_URL``);
- outbox: a Redis stream when ``REDIS_URL`` is set, else a SQLite spool under ``var/``;
- tracking limits: counted in Redis when ``REDIS_URL`` is set, else in the process;
- unsent report drafts: always in the local database (``DATABASE_URL``).

Nothing here connects; every adapter connects on first use and has ``close()``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.engine import make_url

from triage.cases.attempts import AttemptLimiter, LimitsAttemptLimiter
from triage.cases.drafts import SqlDraftStore
from triage.cases.http_adapter import HttpCaseSystem, RetryPolicy
from triage.cases.migrate import upgrade_to_head
from triage.cases.outbox import Outbox
from triage.cases.ports import CaseSystem, DraftStore
from triage.cases.redis_outbox import RedisStreamOutbox
from triage.cases.retention import Retention
from triage.cases.service import CaseTracking, ReportIntake
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.worker import Backoff, OutboxWorker
from triage.settings import Settings

CASE_SYSTEMS = ("local", "http")


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases or in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def build_case_system(settings: Settings) -> CaseSystem:
    """The configured case system: the external one over HTTP, or the local SQL store."""
    if settings.case_system not in CASE_SYSTEMS:
        raise ValueError(f"BLUELAMP_CASE_SYSTEM must be one of {CASE_SYSTEMS}")
    if settings.case_system == "http":
        if not settings.case_system_url:
            raise ValueError("BLUELAMP_CASE_SYSTEM=http needs BLUELAMP_CASE_SYSTEM_URL")
        policy = RetryPolicy(
            attempts=max(settings.case_system_attempts, 1),
            timeout_seconds=settings.case_system_timeout_seconds,
        )
        return HttpCaseSystem(
            settings.case_system_url, token=settings.case_system_token, policy=policy
        )
    return build_sql_store(settings)


def build_sql_store(settings: Settings) -> SqlCaseSystem:
    """The local SQL store for ``settings.effective_database_url`` (also the staff console's).

    A SQLite file (the `make demo` default under var/) is migrated to the newest revision on
    first use, so the demo needs no setup step. Other databases are migrated by deployment
    (``alembic -c triage/cases/alembic.ini upgrade head``), never by the running service.
    """
    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return SqlCaseSystem.from_url(url)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        try:
            await asyncio.to_thread(upgrade_to_head, url)
        except Exception:  # alembic raises the driver's errors; see the comment below
            # Another demo process (action server, worker, gateway) was migrating the same
            # file at the same moment; by now it has finished, and this run finds it done.
            await asyncio.sleep(0.5)
            await asyncio.to_thread(upgrade_to_head, url)

    return SqlCaseSystem.from_url(url, prepare=migrate)


def build_draft_store(settings: Settings, cases: CaseSystem) -> DraftStore:
    """Unsent report drafts, in the local database whichever case system is configured:
    beside the local store (sharing its connections), else on a store of their own."""
    if isinstance(cases, SqlCaseSystem):
        return SqlDraftStore.beside(cases)
    return SqlDraftStore.beside(build_sql_store(settings), owned=True)


def build_outbox(settings: Settings) -> Outbox:
    """A Redis stream shared by every process, or the local spool file."""
    if settings.redis_url:
        return RedisStreamOutbox.from_url(settings.redis_url, settings.redis_prefix)
    return SpoolOutbox(settings.effective_outbox_path)


def build_attempt_limiter(settings: Settings) -> AttemptLimiter:
    """Tracking limits shared through Redis, or counted in this process (demo)."""
    limits = {
        "per_conversation": settings.track_limit_per_conversation,
        "per_subject": settings.track_limit_per_reference,
    }
    if settings.redis_url:
        return LimitsAttemptLimiter.on_redis(settings.redis_url, settings.redis_prefix, **limits)
    return LimitsAttemptLimiter.in_memory(**limits)


def build_intake(settings: Settings, cases: CaseSystem, outbox: Outbox) -> ReportIntake:
    return ReportIntake(cases, outbox, budget_seconds=settings.submit_budget_seconds)


def build_tracking(cases: CaseSystem, outbox: Outbox, limiter: AttemptLimiter) -> CaseTracking:
    return CaseTracking(cases, outbox, limiter)


def build_worker(settings: Settings, cases: CaseSystem, outbox: Outbox) -> OutboxWorker:
    return OutboxWorker(outbox, cases, poll_seconds=settings.outbox_poll_seconds, backoff=Backoff())


def build_retention(settings: Settings, store: SqlCaseSystem, outbox: Outbox) -> Retention:
    """Retention over the local store (and its processing log) and the outbox."""
    return Retention(
        store,
        store,
        outbox,
        closed_days=settings.retention_closed_days,
        review_days=settings.review_days,
    )
