"""`console_ctx`: the console's stores, opened with the gateway and closed with it.

Sessions and presence share the gateway's Redis client when Redis is configured (so every
gateway sees the same sign-ins); accounts and the audit log live in the case store's
database; the case system is the configured one, with unsent report drafts beside it.
Nothing connects until first used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from channels.console.board import BoardCache
from channels.console.login_limit import LoginLimiter
from channels.console.services import ConsoleServices
from channels.keys import back_office_key, console_key, redis_key, settings_key, store_key
from triage.cases.staff import CaseConsole
from triage.cases.wiring import build_case_system, build_draft_store
from triage.settings import Settings
from triage.staff.wiring import (
    build_account_store,
    build_presence,
    build_session_store,
    build_staff_audit,
)


def redis_prefix(settings: Settings) -> str:
    """The same prefix the gateway's conversation store uses."""
    return settings.extra.get("redis_key_prefix") or settings.redis_prefix


async def console_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build after `store_ctx` (whose Redis client it shares) and `back_office_ctx` (the
    queue); close in reverse order."""
    settings = app[settings_key]
    redis = app.get(redis_key)
    if redis is not None and settings.redis_url:
        limiter = LoginLimiter.on_redis(
            redis, settings.redis_url, redis_prefix(settings), settings.console_login_limit
        )
    else:
        limiter = LoginLimiter.in_memory(settings.console_login_limit)
    cases = build_case_system(settings)
    services = ConsoleServices(
        accounts=build_account_store(settings),
        sessions=build_session_store(settings, redis),
        presence=build_presence(settings, redis),
        audit=build_staff_audit(settings),
        cases=cases,
        case_console=cases if isinstance(cases, CaseConsole) else None,
        login_limiter=limiter,
        board=BoardCache(app[back_office_key].queue, app[store_key]),
        drafts=build_draft_store(settings, cases),
    )
    app[console_key] = services
    yield
    await services.presence.aclose()
    await services.sessions.aclose()
    await services.audit.aclose()
    await services.accounts.aclose()
    if services.drafts is not None:
        await services.drafts.close()
    await cases.close()
