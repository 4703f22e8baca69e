"""One conversation: read it, take it over, reply, show typing, hand it back or close it.

Only the member of staff holding the conversation's queue item acts on it; a supervisor
may read any conversation, giving a reason. Each view and change is recorded in the audit
log before it happens or is shown; message text is never logged (lengths only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from aiohttp import web

from channels.console.access import (
    CLAIM_FIRST,
    check_reason,
    claimed_item,
    held_item,
    path_id,
)
from channels.console.auth import console_api, record, record_refusal
from channels.console.board import MAX_WAITING, item_json
from channels.console.canned import OUTCOMES
from channels.console.http import ConsoleError, read_object
from channels.handover import (
    ChannelNotSupported,
    DeliveryFailed,
    HandoverError,
    NotTakenOver,
    Operator,
)
from channels.keys import back_office_key, console_key, handover_key, settings_key, store_key
from channels.validation import check_text
from triage.queue.ports import QueueItem, utcnow
from triage.staff.ports import AuditAction, StaffSession

log = structlog.get_logger(__name__)


def operator(session: StaffSession) -> Operator:
    return Operator(session.username, session.display_name)


def handover_status(exc: HandoverError) -> int:
    """409 when the conversation is not in the state the action needs, 503 when a channel or
    store failed."""
    if isinstance(exc, NotTakenOver | ChannelNotSupported):
        return 409
    if isinstance(exc, DeliveryFailed):
        return 503
    return 409


@contextmanager
def handover_errors() -> Iterator[None]:
    """`HandoverError` as a JSON answer: its message is already a sentence for the operator."""
    try:
        yield
    except HandoverError as exc:
        raise ConsoleError(handover_status(exc), str(exc)) from exc


async def _refused(
    request: web.Request,
    session: StaffSession,
    action: AuditAction,
    item: QueueItem,
    exc: HandoverError,
) -> None:
    await record_refusal(
        request,
        session,
        action,
        type(exc).__name__,
        conversation_id=item.conversation_id,
        item_id=item.id,
    )


async def _waiting_item(request: web.Request, conversation_id: str) -> QueueItem | None:
    for item in await request.app[back_office_key].queue.list_waiting(MAX_WAITING):
        if item.conversation_id == conversation_id:
            return item
    return None


@console_api()
async def view(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """The transcript, mode, channel and what the bot collected (recorded as a view)."""
    cid = path_id(request, "cid", "conversation")
    item = await claimed_item(request, cid)
    reason: str | None = None
    if item is None or item.claimed_by != session.username:
        if not session.is_supervisor:
            if item is not None:
                raise ConsoleError(403, f"{item.claimed_by} has this conversation at the moment.")
            raise ConsoleError(403, CLAIM_FIRST)
        reason = check_reason(request.query.get("reason"))
        item = item or await _waiting_item(request, cid)
    await record(
        request,
        session,
        AuditAction.VIEW_CONVERSATION,
        conversation_id=cid,
        item_id=item.id if item else None,
        reason=reason,
    )
    store = request.app[store_key]
    handover = request.app[handover_key]
    transcript = await store.transcript(cid)
    mode = await store.get_mode(cid)
    log.info("console_viewed", actor=session.username, conversation_id=cid, entries=len(transcript))
    return web.json_response(
        {
            "conversation_id": cid,
            "channel": await handover.channel_of(cid),
            "mode": mode,
            "item": item_json(item, utcnow(), mode) if item else None,
            "transcript": [entry.to_json() for entry in transcript],
            "collected": await handover.collected(cid),
        }
    )


@console_api()
async def take_over(request: web.Request, session: StaffSession) -> web.StreamResponse:
    cid = path_id(request, "cid", "conversation")
    item = await held_item(request, session, cid)
    await record(request, session, AuditAction.TAKE_OVER, conversation_id=cid, item_id=item.id)
    try:
        await request.app[handover_key].take_over(cid, operator(session))
    except HandoverError as exc:
        await _refused(request, session, AuditAction.TAKE_OVER, item, exc)
        raise ConsoleError(handover_status(exc), str(exc)) from exc
    request.app[console_key].board.invalidate()
    return web.json_response({"mode": "human"})


@console_api()
async def send_message(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Stored, published and delivered on the conversation's channel; 201 with the entry."""
    cid = path_id(request, "cid", "conversation")
    body = await read_object(request)
    text = check_text(body.get("text"), request.app[settings_key].max_message_chars, "text")
    item = await held_item(request, session, cid)
    await record(
        request,
        session,
        AuditAction.REPLY,
        conversation_id=cid,
        item_id=item.id,
        detail=f"length={len(text)}",
    )
    try:
        entry = await request.app[handover_key].reply(cid, operator(session), text)
    except HandoverError as exc:
        await _refused(request, session, AuditAction.REPLY, item, exc)
        raise ConsoleError(handover_status(exc), str(exc)) from exc
    return web.json_response({"entry": entry.to_json()}, status=201)


@console_api()
async def typing(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Shown to the person at once; not recorded (it discloses and changes nothing)."""
    cid = path_id(request, "cid", "conversation")
    body = await read_object(request)
    active = body.get("active")
    if not isinstance(active, bool):
        raise ConsoleError(400, "'active' must be true or false.")
    await held_item(request, session, cid)
    with handover_errors():
        await request.app[handover_key].typing(cid, operator(session), active)
    return web.Response(status=204)


async def _finish(request: web.Request, session: StaffSession, item: QueueItem) -> None:
    """The queue item is done; if the queue cannot be reached it stays claimed (the
    operator, or a supervisor, can close it again) and the conversation change stands."""
    done = await request.app[back_office_key].queue.complete(item.id, session.username)
    if not done:
        log.warning("console_item_not_completed", actor=session.username, item_id=item.id)
    request.app[console_key].board.invalidate()


@console_api()
async def hand_back(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """The bot resumed and the person told; the queue item is done."""
    cid = path_id(request, "cid", "conversation")
    item = await held_item(request, session, cid)
    await record(request, session, AuditAction.HAND_BACK, conversation_id=cid, item_id=item.id)
    try:
        await request.app[handover_key].hand_back(cid, operator(session))
    except HandoverError as exc:
        await _refused(request, session, AuditAction.HAND_BACK, item, exc)
        raise ConsoleError(handover_status(exc), str(exc)) from exc
    await _finish(request, session, item)
    return web.json_response({"mode": "bot"})


@console_api()
async def close(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """The person told the chat has ended; the outcome recorded; the queue item is done."""
    cid = path_id(request, "cid", "conversation")
    body = await read_object(request)
    outcome = body.get("outcome")
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise ConsoleError(400, f"Choose an outcome ('outcome'): one of {', '.join(OUTCOMES)}.")
    item = await held_item(request, session, cid)
    await record(
        request,
        session,
        AuditAction.CLOSE,
        conversation_id=cid,
        item_id=item.id,
        detail=f"outcome={outcome}",
    )
    try:
        await request.app[handover_key].close(cid, operator(session), outcome)
    except HandoverError as exc:
        await _refused(request, session, AuditAction.CLOSE, item, exc)
        raise ConsoleError(handover_status(exc), str(exc)) from exc
    await _finish(request, session, item)
    return web.json_response({"mode": "bot", "outcome": outcome})
