"""The queue: list it, claim and release items, and (supervisors) reassign them.

A change is written to the audit log before it is made, so nothing happens unrecorded; if
the queue then refuses (someone was quicker), a second entry says it was not done.
"""

from __future__ import annotations

import structlog
from aiohttp import web

from channels.console.access import held_elsewhere, item_for, path_id
from channels.console.auth import console_api, record, record_refusal
from channels.console.board import item_json, queue_json, read_board
from channels.console.http import ConsoleError, read_object
from channels.keys import back_office_key, console_key, store_key
from triage.queue.ports import QueueItem, utcnow
from triage.staff.ports import AuditAction, StaffSession

log = structlog.get_logger(__name__)

NOT_YOURS = "You do not hold this item."


async def _item_answer(request: web.Request, item: QueueItem, status: int = 200) -> web.Response:
    mode = await request.app[store_key].get_mode(item.conversation_id)
    request.app[console_key].board.invalidate()
    return web.json_response({"item": item_json(item, utcnow(), mode)}, status=status)


@console_api()
async def queue(request: web.Request, session: StaffSession) -> web.StreamResponse:
    board = await read_board(request.app[back_office_key].queue, request.app[store_key])
    return web.json_response(queue_json(board, session.username, utcnow()))


@console_api()
async def claim(request: web.Request, session: StaffSession) -> web.StreamResponse:
    item = await item_for(request, path_id(request, "item_id", "item"))
    if item.claimed_by == session.username:
        return await _item_answer(request, item)  # a second click: already yours
    if not item.waiting:
        raise held_elsewhere(item)
    ids = {"conversation_id": item.conversation_id, "item_id": item.id}
    await record(request, session, AuditAction.CLAIM, **ids)
    claimed = await request.app[back_office_key].queue.claim(item.id, session.username)
    if claimed is None:
        await record_refusal(request, session, AuditAction.CLAIM, "taken", **ids)
        current = await request.app[back_office_key].queue.get(item.id)
        if current is None:
            raise ConsoleError(404, "This item is no longer in the queue.")
        raise held_elsewhere(current)
    log.info("console_claimed", actor=session.username, item_id=item.id)
    return await _item_answer(request, claimed)


@console_api()
async def release(request: web.Request, session: StaffSession) -> web.StreamResponse:
    item = await item_for(request, path_id(request, "item_id", "item"))
    if item.claimed_by != session.username:
        raise ConsoleError(409, NOT_YOURS)
    if await request.app[store_key].get_mode(item.conversation_id) == "human":
        raise ConsoleError(
            409,
            "You have taken this conversation over: hand it back to the assistant or close "
            "it before releasing it, so the person is not left waiting with nobody.",
        )
    ids = {"conversation_id": item.conversation_id, "item_id": item.id}
    await record(request, session, AuditAction.RELEASE, **ids)
    released = await request.app[back_office_key].queue.release(item.id, session.username)
    if released is None:
        await record_refusal(request, session, AuditAction.RELEASE, "not_held", **ids)
        raise ConsoleError(409, NOT_YOURS)
    log.info("console_released", actor=session.username, item_id=item.id)
    return await _item_answer(request, released)


@console_api(supervisor=True)
async def reassign(request: web.Request, session: StaffSession) -> web.StreamResponse:
    item_id = path_id(request, "item_id", "item")
    body = await read_object(request)
    to = body.get("to")
    if not isinstance(to, str) or not to.strip() or len(to) > 100:
        raise ConsoleError(400, "Say who to give the item to ('to': their user name).")
    account = await request.app[console_key].accounts.get(to)
    if account is None or not account.active:
        raise ConsoleError(400, f"There is no active account named {to.strip()!r}.")
    item = await item_for(request, item_id)
    detail = f"to={account.username}"
    if item.claimed_by:
        detail += f" from={item.claimed_by}"
    ids = {"conversation_id": item.conversation_id, "item_id": item.id}
    await record(request, session, AuditAction.REASSIGN, detail=detail, **ids)
    moved = await request.app[back_office_key].queue.reassign(item.id, account.username)
    if moved is None:
        await record_refusal(request, session, AuditAction.REASSIGN, "gone", **ids)
        raise ConsoleError(404, "This item is no longer in the queue.")
    log.info("console_reassigned", actor=session.username, item_id=item.id)
    return await _item_answer(request, moved)
