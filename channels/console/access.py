"""Which queue item and conversation a request is about, and whether this member of staff
may act on it: an operator acts only on items they hold; a supervisor may view any
conversation, giving a reason."""

from __future__ import annotations

from aiohttp import web

from channels.console.http import ConsoleError
from channels.keys import back_office_key
from channels.validation import InvalidInput, check_conversation_id
from triage.queue.ports import QueueItem
from triage.staff.ports import StaffSession

MAX_REASON = 300
ITEM_GONE = "This item is no longer in the queue."
CLAIM_FIRST = "Claim this conversation from the queue first."


def path_id(request: web.Request, key: str, name: str) -> str:
    """An id from the URL, checked like every other id (letters, digits, `_-:.`)."""
    try:
        return check_conversation_id(request.match_info.get(key), name=name)
    except InvalidInput as exc:
        raise ConsoleError(400, str(exc)) from exc


def held_elsewhere(item: QueueItem) -> ConsoleError:
    return ConsoleError(409, f"{item.claimed_by} has this conversation at the moment.")


async def item_for(request: web.Request, item_id: str) -> QueueItem:
    item = await request.app[back_office_key].queue.get(item_id)
    if item is None:
        raise ConsoleError(404, ITEM_GONE)
    return item


async def claimed_item(request: web.Request, conversation_id: str) -> QueueItem | None:
    """The conversation's claimed item (by anyone), or None. Looked up by conversation, not
    by listing every claimed item: each console request asks, and the list grows with staff."""
    item = await request.app[back_office_key].queue.item_for(conversation_id)
    return None if item is None or item.waiting else item


async def held_item(request: web.Request, session: StaffSession, conversation_id: str) -> QueueItem:
    """The item this member of staff holds for the conversation; 409 when someone else
    holds it, 403 when nobody does."""
    item = await claimed_item(request, conversation_id)
    if item is None:
        raise ConsoleError(403, CLAIM_FIRST)
    if item.claimed_by != session.username:
        raise held_elsewhere(item)
    return item


def check_reason(value: object) -> str:
    """A supervisor's reason for looking at a conversation they do not hold."""
    if not isinstance(value, str) or not value.strip():
        raise ConsoleError(400, "Say why you are viewing this conversation (a reason is recorded).")
    if len(value) > MAX_REASON:
        raise ConsoleError(400, f"The reason must be at most {MAX_REASON} characters.")
    return " ".join(value.split())
