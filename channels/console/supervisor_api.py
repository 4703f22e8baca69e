"""Supervisors: who is signed in and how loaded, the queue's figures, the audit log, and
subject access exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from channels.console.access import MAX_REASON
from channels.console.auth import console_api, record, unavailable
from channels.console.board import figures, read_board
from channels.console.http import ConsoleError, read_object
from channels.keys import back_office_key, console_key, store_key
from channels.privacy.export import NothingHeld, counts, to_json
from channels.privacy.wiring import gateway_subject_access
from channels.validation import InvalidInput, check_conversation_id
from triage.queue.ports import utcnow
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, StaffSession

log = structlog.get_logger(__name__)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_FILTER = 120
MAX_CONTACT = 320
"""The longest reporter contact accepted (an email address's maximum length)."""
NO_EXPORT_REASON = (
    "Say why you are exporting, for example the subject access request's reference "
    "(it is recorded in the audit log)."
)
ONE_SUBJECT = (
    "Give either 'conversation' (a conversation id) or 'reporter' (the reporter's email "
    "address or phone number), not both."
)


@console_api(supervisor=True)
async def overview(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Every active account (and anyone online) with presence and items held, and figures.

    Staff data and queue counts only, nothing about the public: not an audited view.
    """
    services = request.app[console_key]
    board = await read_board(request.app[back_office_key].queue, request.app[store_key])
    online = {staff.username: staff for staff in await services.presence.online()}
    accounts = {a.username: a for a in await services.accounts.list_accounts() if a.active}
    held: dict[str, int] = {}
    for item in board.claimed:
        if item.claimed_by:
            held[item.claimed_by] = held.get(item.claimed_by, 0) + 1
    operators: list[dict[str, Any]] = []
    for name in sorted(set(accounts) | set(online)):
        present = online.get(name)
        account = accounts.get(name)
        shown = account or present
        assert shown is not None
        operators.append(
            {
                "username": name,
                "display_name": shown.display_name,
                "role": shown.role.value,
                "online": present is not None,
                "last_seen": datetime.fromtimestamp(present.last_seen, UTC).isoformat()
                if present
                else None,
                "claimed": held.get(name, 0),
            }
        )
    now = utcnow()
    return web.json_response(
        {"operators": operators, "figures": figures(board, now), "now": now.isoformat()}
    )


def _text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_FILTER:
        raise ConsoleError(400, f"'{name}' must be at most {MAX_FILTER} characters.")
    return value.strip()


def _time(request: web.Request, name: str) -> datetime | None:
    value = _text(request, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConsoleError(
            400, f"'{name}' must be a date or time like 2026-11-26 or 2026-11-26T09:30:00Z."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit(request: web.Request) -> int:
    value = _text(request, "limit")
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ConsoleError(400, f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(value)


def audit_query(request: web.Request) -> AuditQuery:
    action = _text(request, "action")
    if action is not None and action not in {a.value for a in AuditAction}:
        raise ConsoleError(400, f"'action' is not one of the recorded actions: {action!r}.")
    conversation = _text(request, "conversation")
    if conversation is not None:
        try:
            check_conversation_id(conversation, name="conversation")
        except InvalidInput as exc:
            raise ConsoleError(400, str(exc)) from exc
    query = AuditQuery(
        actor=_text(request, "actor"),
        action=AuditAction(action) if action else None,
        conversation_id=conversation,
        case_reference=_text(request, "case"),
        since=_time(request, "since"),
        until=_time(request, "until"),
        limit=_limit(request),
    )
    if query.since and query.until and query.since > query.until:
        raise ConsoleError(400, "'since' must not be after 'until'.")
    return query


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action.value,
        "kind": entry.action.kind,
        "conversation_id": entry.conversation_id,
        "item_id": entry.item_id,
        "case_reference": entry.case_reference,
        "reason": entry.reason,
        "detail": entry.detail,
    }


def _filters(query: AuditQuery) -> str | None:
    """The search itself, as codes (no free text): what was looked for."""
    parts = [
        f"actor={query.actor}" if query.actor else "",
        f"action={query.action.value}" if query.action else "",
        f"since={query.since.isoformat()}" if query.since else "",
        f"until={query.until.isoformat()}" if query.until else "",
    ]
    return " ".join(p for p in parts if p) or None


@console_api(supervisor=True)
async def audit(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Search the log; the search is itself recorded first."""
    query = audit_query(request)
    await record(
        request,
        session,
        AuditAction.SEARCH_AUDIT,
        conversation_id=query.conversation_id,
        case_reference=query.case_reference,
        detail=_filters(query),
    )
    entries = await request.app[console_key].audit.search(query)
    return web.json_response([entry_json(entry) for entry in entries])


def _export_reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConsoleError(400, NO_EXPORT_REASON)
    if len(value) > MAX_REASON:
        raise ConsoleError(400, f"The reason must be at most {MAX_REASON} characters.")
    return " ".join(value.split())


def _export_subject(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(conversation id, reporter contact): exactly one given, each checked."""
    conversation, reporter = body.get("conversation"), body.get("reporter")
    if (conversation is None) == (reporter is None):
        raise ConsoleError(400, ONE_SUBJECT)
    if conversation is not None:
        try:
            return check_conversation_id(conversation, name="conversation"), None
        except InvalidInput as exc:
            raise ConsoleError(400, str(exc)) from exc
    if not isinstance(reporter, str) or not reporter.strip() or len(reporter) > MAX_CONTACT:
        raise ConsoleError(
            400,
            f"'reporter' must be an email address or phone number of at most {MAX_CONTACT} "
            "characters.",
        )
    return None, reporter


@console_api(supervisor=True)
async def export(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Everything held about one conversation or reporter, as a JSON download.

    The same export as ``python -m channels privacy export`` (`SubjectAccess.export`), by
    the signed-in supervisor: recorded in the audit log (with the reason) before it is
    returned, so an audit log that cannot be written means 503 and nothing returned. An
    unknown subject is 404, as the command's "nothing exported".
    """
    body = await read_object(request)
    reason = _export_reason(body.get("reason"))
    conversation, reporter = _export_subject(body)
    access = gateway_subject_access(request.app)
    try:
        held = await access.export(
            conversation=conversation, reporter=reporter, by=session.username, reason=reason
        )
    except NothingHeld as exc:
        raise ConsoleError(404, f"Nothing exported: {exc}.") from exc
    except ValueError as exc:
        raise ConsoleError(400, f"Not exported: {exc}.") from exc
    except DBAPIError as exc:  # decisions and contact records: the driver's own errors
        log.warning("console_export_unavailable", actor=session.username, error=type(exc).__name__)
        raise unavailable() from exc
    conversations, cases = counts(held)
    log.info(
        "console_subject_access_export",
        actor=session.username,
        kind="conversation" if conversation else "reporter",
        conversations=conversations,
        cases=cases,
    )
    stamp = held["subject_access_export"]["generated_at"].strftime("%Y%m%dT%H%M%SZ")
    return web.Response(
        text=to_json(held),
        content_type="application/json",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="subject-access-export-{stamp}.json"',
            "Cache-Control": "no-store",
        },
    )
