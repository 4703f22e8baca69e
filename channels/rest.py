"""`POST /webhooks/rest/webhook`: Rasa's REST-channel format, in front of the engine.

A REST client only hears from us when it sends something, so what staff said since its
previous message (their replies, and the notices of them joining, leaving or closing the
chat) comes first in the answer to its next one.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import structlog
from aiohttp import web

from channels import messages
from channels.conversation import ConversationService, Reply
from channels.ip_limits import conversation_limited
from channels.keys import service_key, settings_key
from channels.limits import body_limit
from channels.store import TranscriptEntry
from channels.validation import InvalidInput, check_conversation_id, check_metadata, check_text

log = structlog.get_logger(__name__)
CHANNEL = "rest"


def staff_messages(entries: list[TranscriptEntry], force_name: str) -> list[TranscriptEntry]:
    """What staff said after the person's last message (not yet given to a REST client)."""
    notices = messages.HANDOVER_NOTICES | {messages.chat_ended(force_name)}
    last_in = max((i for i, e in enumerate(entries) if e.direction == "in"), default=-1)
    return [
        e
        for e in entries[last_in + 1 :]
        if e.author == "operator" or (e.author == "system" and e.text in notices)
    ]


async def _unheard(service: ConversationService, sender: str, force_name: str) -> list[Reply]:
    try:
        entries = await service.store.transcript(sender)
    except Exception:  # the message itself is what matters; recording it reports the outage
        log.exception("store_unavailable", conversation_id=sender, step="staff_messages")
        return []
    return [
        Reply(text=e.text, buttons=e.buttons, ts=e.ts, author=e.author)
        for e in staff_messages(entries, force_name)
    ]


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def rest_item(recipient_id: str, reply: Reply) -> dict[str, Any]:
    item: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
    if reply.buttons:
        item["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    return item


async def _read_json(request: web.Request) -> Any:
    """The body as JSON, or an HTTP error response explaining what was wrong."""
    if request.content_type != "application/json":
        raise InvalidRequest(415, "Content-Type must be application/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        limit = body_limit(request.app[settings_key])
        raise InvalidRequest(413, f"request body must be at most {limit} bytes") from exc
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(400, "request body must be valid JSON") from exc


class InvalidRequest(Exception):
    """An HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def rest_webhook(request: web.Request) -> web.Response:
    settings = request.app[settings_key]
    service = request.app[service_key]
    try:
        body = await _read_json(request)
        if not isinstance(body, dict):
            raise InvalidRequest(400, "request body must be a JSON object")
        sender = check_conversation_id(body.get("sender"))
        text = check_text(body.get("message"), settings.max_message_chars)
        client_metadata = check_metadata(body.get("metadata"))
    except InvalidRequest as exc:
        return json_error(exc.status, exc.message)
    except InvalidInput as exc:
        return json_error(400, str(exc))

    limited = await conversation_limited(request, sender)
    if limited is not None:
        return limited
    message_id = uuid.uuid4().hex
    extra = {"client": client_metadata} if client_metadata else None
    unheard = await _unheard(service, sender, settings.force_name)
    try:
        await service.record_inbound(sender, CHANNEL, message_id, text)
    except Exception:  # the store is down: say so rather than pretend it was saved
        log.exception("store_unavailable", conversation_id=sender, message_id=message_id)
        return json_error(503, messages.NOT_SAVED)
    # The 999 guidance, if any, comes first and does not depend on the engine answering.
    turn = await service.screen(sender, CHANNEL, message_id, text)
    try:
        answered = await service.answer(turn, extra)
    except Exception:  # as the socket does: say so, but never withhold the guidance
        log.exception("answer_failed", conversation_id=sender, message_id=message_id)
        if not turn.immediate:
            return json_error(503, messages.NOT_SAVED)
        answered = []
    replies = (*unheard, *turn.immediate, *answered)
    return web.json_response([rest_item(sender, r) for r in replies])
