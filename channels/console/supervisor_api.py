"""Supervisors: who is signed in and how loaded, the queue's figures, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from channels.console.auth import console_api, record
from channels.console.board import figures, read_board
from channels.console.http import ConsoleError
from channels.keys import back_office_key, console_key, store_key
from channels.validation import InvalidInput, check_conversation_id
from triage.queue.ports import utcnow
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, StaffSession

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_FILTER = 120


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
