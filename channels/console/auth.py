"""Who is asking, and may they: the session cookie, roles, CSRF and same-origin checks.

Every API handler is wrapped by `console_api`, which (in this order) refuses an unsafe
request from another origin, loads the session (`SessionStore.touch` restarts its idle
timer), checks the role, checks the ``X-CSRF-Token`` header of unsafe requests, and notes
the operator as present; then it turns the handler's failures into JSON answers.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from yarl import URL

from channels.console.http import UNAVAILABLE, UNAVAILABLE_ERRORS, ConsoleError, json_error
from channels.keys import console_key, settings_key
from channels.validation import InvalidInput
from triage.staff.ports import AuditAction, AuditEntry, StaffSession, StaffUnavailable

log = structlog.get_logger(__name__)

COOKIE = "bl_console"
COOKIE_PATH = "/console"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NOT_SIGNED_IN = "You are not signed in, or your session has ended. Please sign in again."
CROSS_ORIGIN = "This request did not come from the console's own page."
BAD_CSRF = "This request is missing its security token. Reload the console and try again."
SUPERVISORS_ONLY = "Only supervisors can do this."

ConsoleHandler = Callable[[web.Request, StaffSession], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def same_origin(request: web.Request) -> bool:
    """Strict: the Origin header (or, without one, the Referer) must name this host.

    Unlike the widget's check, a request with neither is refused, and so is ``Origin: null``
    (sandboxed frames, privacy-stripped requests).
    """
    source = request.headers.get("Origin")
    if source is None:
        source = request.headers.get("Referer")
    if not source or source == "null":
        return False
    try:
        url = URL(source)
        return url.is_absolute() and url.host_port_subcomponent == request.host
    except ValueError:
        return False


def set_session_cookie(response: web.StreamResponse, request: web.Request, value: str) -> None:
    """HttpOnly (no script reads it), SameSite=Strict, Path=/console; Secure behind TLS."""
    response.set_cookie(
        COOKIE,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.app[settings_key].console_secure_cookie,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=COOKIE_PATH)


async def current_session(request: web.Request) -> StaffSession:
    """The signed-in session, its idle timer restarted; 401 without one."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 256:
        raise ConsoleError(401, NOT_SIGNED_IN)
    session = await request.app[console_key].sessions.touch(session_id)
    if session is None:
        raise ConsoleError(401, NOT_SIGNED_IN, clear_cookie=True)
    return session


def csrf_ok(request: web.Request, session: StaffSession) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    return hmac.compare_digest(given.encode(), session.csrf_token.encode())


async def note_present(request: web.Request, session: StaffSession) -> None:
    """Presence is best effort: a failed heartbeat must not stop the operator working."""
    try:
        await request.app[console_key].presence.heartbeat(
            session.username, session.display_name, session.role
        )
    except StaffUnavailable:
        log.warning("console_presence_unavailable", actor=session.username)


async def authorise(request: web.Request, *, supervisor: bool = False) -> StaffSession:
    """Run every check `console_api` promises; raises `ConsoleError` for a refusal."""
    unsafe = request.method not in SAFE_METHODS
    if unsafe and not same_origin(request):
        raise ConsoleError(403, CROSS_ORIGIN)
    session = await current_session(request)
    if supervisor and not session.is_supervisor:
        raise ConsoleError(403, SUPERVISORS_ONLY)
    if unsafe and not csrf_ok(request, session):
        raise ConsoleError(403, BAD_CSRF)
    await note_present(request, session)
    return session


def error_response(exc: ConsoleError) -> web.Response:
    response = json_error(exc.status, exc.message, exc.headers)
    if exc.clear_cookie:
        clear_session_cookie(response)
    return response


def answer_errors(handler: Handler) -> Handler:
    """Turn refusals, bad input and outages into JSON answers (also for `login`)."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ConsoleError as exc:
            return error_response(exc)
        except InvalidInput as exc:
            return json_error(400, str(exc))
        except UNAVAILABLE_ERRORS as exc:
            log.warning(
                "console_store_unavailable",
                route=request.match_info.route.resource.canonical
                if request.match_info.route.resource
                else None,
                error=type(exc).__name__,
            )
            return json_error(503, UNAVAILABLE)

    return wrapped


def console_api(*, supervisor: bool = False) -> Callable[[ConsoleHandler], Handler]:
    """Wrap a handler ``(request, session)`` with the checks and error answers."""

    def wrap(handler: ConsoleHandler) -> Handler:
        @answer_errors
        @functools.wraps(handler)
        async def wrapped(request: web.Request) -> web.StreamResponse:
            session = await authorise(request, supervisor=supervisor)
            return await handler(request, session)

        return wrapped

    return wrap


async def record(
    request: web.Request,
    session: StaffSession,
    action: AuditAction,
    *,
    conversation_id: str | None = None,
    item_id: str | None = None,
    case_reference: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Write the audit entry; raises `StaffUnavailable` (so: 503, nothing returned)."""
    return await request.app[console_key].audit.record(
        AuditEntry(
            actor=session.username,
            action=action,
            conversation_id=conversation_id,
            item_id=item_id,
            case_reference=case_reference,
            reason=reason,
            detail=detail,
        )
    )


async def record_refusal(
    request: web.Request,
    session: StaffSession,
    action: AuditAction,
    outcome: str,
    **ids: str | None,
) -> None:
    """After an action recorded in advance turned out not to happen (someone was quicker,
    a channel refused), say so in the log; best effort, the first entry already exists."""
    try:
        await record(request, session, action, detail=f"not_done={outcome}", **ids)
    except StaffUnavailable:
        log.warning("console_audit_refusal_unrecorded", actor=session.username, action=action)


def unavailable() -> ConsoleError:
    return ConsoleError(503, UNAVAILABLE)
