"""`POST /console/api/login`, `POST /console/api/logout`, `GET /console/api/me`."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from channels.console.auth import (
    COOKIE,
    CROSS_ORIGIN,
    answer_errors,
    clear_session_cookie,
    console_api,
    record,
    same_origin,
    set_session_cookie,
)
from channels.console.http import ConsoleError, read_object
from channels.keys import console_key, settings_key
from triage.staff.passwords import MAX_PASSWORD, normalise_username
from triage.staff.ports import AuditAction, AuditEntry, StaffSession, StaffUnavailable

log = structlog.get_logger(__name__)

MAX_USERNAME_INPUT = 100
UNKNOWN_ACTOR = "unknown"
"""The actor of a failed sign-in under a name no account has (the name itself is not kept:
it may be a password typed into the wrong box)."""
NOT_ACCEPTED = (
    "Those sign-in details were not accepted. Check them and try again, or ask a supervisor "
    "if your account may have been disabled."
)


def user_json(session: StaffSession) -> dict[str, str]:
    return {
        "username": session.username,
        "display_name": session.display_name,
        "role": session.role.value,
    }


def session_json(request: web.Request, session: StaffSession) -> dict[str, Any]:
    return {
        "user": user_json(session),
        "csrf": session.csrf_token,
        "idle_seconds": request.app[settings_key].console_idle_seconds,
    }


def _credentials(body: dict[str, Any]) -> tuple[str, str]:
    username = body.get("username")
    password = body.get("password")
    if not isinstance(username, str) or not username.strip():
        raise ConsoleError(400, "Enter your user name.")
    if len(username) > MAX_USERNAME_INPUT:
        raise ConsoleError(400, f"A user name is at most {MAX_USERNAME_INPUT} characters.")
    if not isinstance(password, str) or not password:
        raise ConsoleError(400, "Enter your password.")
    if len(password) > MAX_PASSWORD:
        raise ConsoleError(400, f"A password is at most {MAX_PASSWORD} characters.")
    return normalise_username(username), password


def _minutes(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@answer_errors
async def login(request: web.Request) -> web.StreamResponse:
    """Check the password (argon2id), limit failures, start a fresh session."""
    if not same_origin(request):
        raise ConsoleError(403, CROSS_ORIGIN)
    name, password = _credentials(await read_object(request))
    services = request.app[console_key]
    address = request.remote or "unknown"
    wait = await services.login_limiter.retry_after(name, address)
    if wait is not None:
        log.info("console_sign_in_limited", retry_after=wait)
        raise ConsoleError(
            429,
            f"Too many failed sign-ins. Please try again in {_minutes(wait)}.",
            headers={"Retry-After": str(wait)},
        )
    account = await services.accounts.authenticate(name, password)
    if account is None:
        await services.login_limiter.failed(name, address)
        known = await services.accounts.get(name)
        if known is None:
            actor, detail = UNKNOWN_ACTOR, "unknown_user"
        else:
            actor, detail = known.username, "bad_password" if known.active else "disabled"
        await services.audit.record(
            AuditEntry(actor=actor, action=AuditAction.SIGN_IN_FAILED, detail=detail)
        )
        log.info("console_sign_in_failed", known=known is not None)
        raise ConsoleError(401, NOT_ACCEPTED)
    await services.audit.record(AuditEntry(actor=account.username, action=AuditAction.SIGN_IN))
    previous = request.cookies.get(COOKIE)
    if previous and len(previous) <= 256:
        await services.sessions.delete(previous)  # never carry an old session id forward
    session = await services.sessions.create(account)
    try:
        await services.presence.heartbeat(session.username, session.display_name, session.role)
    except StaffUnavailable:
        log.warning("console_presence_unavailable", actor=session.username)
    log.info("console_signed_in", actor=session.username, role=session.role.value)
    response = web.json_response(session_json(request, session))
    set_session_cookie(response, request, session.id)
    return response


@console_api()
async def logout(request: web.Request, session: StaffSession) -> web.StreamResponse:
    services = request.app[console_key]
    await record(request, session, AuditAction.SIGN_OUT)
    await services.sessions.delete(session.id)
    try:
        await services.presence.leave(session.username)
    except StaffUnavailable:
        log.warning("console_presence_unavailable", actor=session.username)
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


@console_api()
async def me(request: web.Request, session: StaffSession) -> web.StreamResponse:
    return web.json_response(session_json(request, session))
