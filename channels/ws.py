"""`GET /ws?conversation=<id>`: the web chat widget's socket.

Client frames: `message` (acknowledged once stored, then answered) and `history`. Messages
are stored, acknowledged and screened by triage at once (a possible emergency gets the 999
guidance there and then), then answered by the bot in order by one worker per socket, so a
slow engine never delays an acknowledgement or the guidance. A resent id is acknowledged
again but not processed twice.

The socket also listens to its conversation on the live bus, for what staff do: their
messages and the system notices of a takeover (`bot` frames with `author` "operator" or
"system"), their typing (`typing` with `author` "operator") and the mode (`mode`). What
this socket stored itself is not sent twice.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from contextlib import suppress
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from channels import messages
from channels.conversation import ConversationService, Reply, Turn
from channels.ip_limits import Budget, IpLimiter, conversation_wait, ip_limiter_key
from channels.keys import background_key, live_key, service_key, settings_key, sockets_key
from channels.limits import (
    HISTORY_PER_WINDOW,
    MESSAGE_WINDOW_SECONDS,
    MESSAGES_PER_WINDOW,
    body_limit,
)
from channels.live.ports import LiveBus, LiveEvent
from channels.ratelimit import RateLimiter
from channels.rest import json_error
from channels.security import origin_allowed
from channels.validation import (
    InvalidInput,
    check_conversation_id,
    check_label,
    check_message_id,
    check_text,
)

log = structlog.get_logger(__name__)
CHANNEL = "webchat"
HEARTBEAT_SECONDS = 30.0
MAX_REMEMBERED_UNSAVED = 100


def bot_frame(reply: Reply) -> dict[str, Any]:
    return {
        "type": "bot",
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "ts": reply.ts,
        "emergency": reply.emergency,
        "author": reply.author,
    }


STAFF_AUTHORS = ("operator", "system")


def live_frame(event: LiveEvent) -> dict[str, Any] | None:
    """The widget frame for something staff did, or None for what the widget need not see
    (the person's own messages and the bot's answers reach it from its own socket)."""
    data = event.data
    if event.kind == "message":
        if data.get("direction") != "out" or data.get("author") not in STAFF_AUTHORS:
            return None
        buttons = data.get("buttons")
        return {
            "type": "bot",
            "text": str(data.get("text", "")),
            "buttons": buttons if isinstance(buttons, list) else [],
            "ts": data.get("ts"),
            "emergency": bool(data.get("emergency", False)),
            "author": data["author"],
        }
    if event.kind == "typing" and data.get("author") == "operator":
        return {"type": "typing", "active": bool(data.get("active")), "author": "operator"}
    if event.kind == "mode" and data.get("mode") in ("human", "bot"):
        return {"type": "mode", "mode": data["mode"]}
    if event.kind == "closed":
        return {"type": "closed"}
    return None


class ChatSocket:
    """One open socket: reads frames, answers them, and owns the per-connection limits; its
    messages also spend the conversation's budget shared by every socket and gateway
    (`limiter`, None for none)."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        conversation_id: str,
        service: ConversationService,
        max_chars: int,
        background: set[asyncio.Task[None]],
        live: LiveBus | None = None,
        limiter: IpLimiter | None = None,
    ) -> None:
        self._ws = ws
        self._cid = conversation_id
        self._service = service
        self._live = live
        self._origin = f"ws-{uuid.uuid4().hex}"
        self._max_chars = max_chars
        self._background = background
        self._queue: asyncio.Queue[Turn | None] = asyncio.Queue()
        self._unsaved_guidance: set[str] = set()
        self._send_lock = asyncio.Lock()
        self._message_limit = RateLimiter(MESSAGES_PER_WINDOW, MESSAGE_WINDOW_SECONDS)
        self._history_limit = RateLimiter(HISTORY_PER_WINDOW, MESSAGE_WINDOW_SECONDS)
        self._limiter = limiter

    async def run(self) -> None:
        worker = asyncio.create_task(self._answer_queue())
        self._background.add(worker)
        worker.add_done_callback(self._background.discard)
        listener = asyncio.create_task(self._listen()) if self._live is not None else None
        try:
            async for msg in self._ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self._error(None, "invalid", "Send JSON text frames.")
        finally:
            if listener is not None:
                listener.cancel()
            # aiohttp cancels the handler when the person leaves; the shielded worker still
            # answers and stores what is queued, so a reload shows the replies.
            self._queue.put_nowait(None)
            await asyncio.shield(worker)

    async def _listen(self) -> None:
        """Forward what staff do in this conversation; the bus is best effort, so a failure
        here is logged and the chat carries on (a reload shows everything from the store)."""
        assert self._live is not None
        try:
            async with self._live.subscribe(self._cid) as events:
                async for event in events:
                    if event.origin == self._origin:
                        continue
                    frame = live_frame(event)
                    if frame is not None:
                        await self._send(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live_listen_failed", conversation_id=self._cid)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws.closed:
            return
        async with self._send_lock:
            with suppress(ConnectionError):
                await self._ws.send_json(frame)

    async def _error(self, message_id: str | None, code: str, text: str, **extra: Any) -> None:
        await self._send({"type": "error", "id": message_id, "code": code, "error": text, **extra})

    async def _on_text(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except (ValueError, RecursionError):
            await self._error(None, "invalid", "Frames must be JSON objects.")
            return
        if not isinstance(frame, dict):
            await self._error(None, "invalid", "Frames must be JSON objects.")
            return
        kind = frame.get("type")
        if kind == "message":
            await self._on_message(frame)
        elif kind == "history":
            await self._on_history()
        else:
            await self._error(None, "invalid", "Unknown frame type.")

    async def _on_message(self, frame: dict[str, Any]) -> None:
        raw_id = frame.get("id")
        echo_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 128 else None
        retry_after = self._message_limit.hit()
        if retry_after is None:  # then the conversation's, which a new socket does not reset
            wait = await conversation_wait(self._limiter, Budget.CONVERSATION_SOCKET, self._cid)
            retry_after = None if wait is None else float(wait)
        if retry_after is not None:
            log.info("rate_limited", conversation_id=self._cid, message_id=echo_id)
            await self._error(
                echo_id, "rate_limited", messages.RATE_LIMITED, retry_after=round(retry_after, 1)
            )
            return
        try:
            message_id = check_message_id(raw_id)
            text = check_text(frame.get("text"), self._max_chars, name="text")
            label = check_label(frame.get("label"))
        except InvalidInput as exc:
            await self._error(echo_id, "invalid", str(exc))
            return
        try:
            is_new = await self._service.record_inbound(
                self._cid, CHANNEL, message_id, text, label, origin=self._origin
            )
        except Exception:  # not stored, so not acknowledged: the widget will resend
            log.exception("store_unavailable", conversation_id=self._cid, message_id=message_id)
            await self._send_unsaved_guidance(message_id, text)
            await self._error(message_id, "unavailable", messages.NOT_SAVED)
            return
        await self._send({"type": "ack", "id": message_id, "duplicate": not is_new})
        if not is_new:
            return
        # Screened here, not in the worker, so the 999 guidance never waits behind the
        # engine's answer to an earlier message.
        turn = await self._service.screen(self._cid, CHANNEL, message_id, text, origin=self._origin)
        for reply in turn.immediate:
            await self._send(bot_frame(reply))
        if turn.to_bot:
            self._queue.put_nowait(turn)

    async def _send_unsaved_guidance(self, message_id: str, text: str) -> None:
        """The 999 guidance even while the store is down; once per id, though the widget
        resends every few seconds until the message is stored."""
        if message_id in self._unsaved_guidance:
            return
        replies = self._service.unsaved_guidance(self._cid, CHANNEL, message_id, text)
        if not replies:
            return
        if len(self._unsaved_guidance) >= MAX_REMEMBERED_UNSAVED:
            self._unsaved_guidance.clear()
        self._unsaved_guidance.add(message_id)
        for reply in replies:
            await self._send(bot_frame(reply))

    async def _on_history(self) -> None:
        if self._history_limit.hit() is not None:
            await self._error(None, "rate_limited", messages.RATE_LIMITED)
            return
        try:
            entries = await self._service.store.transcript(self._cid)
            mode = await self._service.store.get_mode(self._cid)
        except Exception:
            log.exception("store_unavailable", conversation_id=self._cid)
            await self._error(None, "unavailable", messages.NOT_SAVED)
            return
        await self._send(
            {"type": "history", "messages": [e.to_json() for e in entries], "mode": mode}
        )

    async def _answer_queue(self) -> None:
        while (item := await self._queue.get()) is not None:
            try:
                await self._answer(item)
            except Exception:
                log.exception(
                    "answer_failed", conversation_id=self._cid, message_id=item.message_id
                )
                await self._error(item.message_id, "unavailable", messages.NOT_SAVED)

    async def _answer(self, turn: Turn) -> None:
        await self._send({"type": "typing", "active": True, "author": "bot"})
        replies: list[Reply] = []
        try:
            replies = await self._service.answer(turn)
        finally:
            # How many `bot` frames follow: a client knows when the turn is over.
            done = {"type": "typing", "active": False, "author": "bot", "replies": len(replies)}
            await self._send(done)
        for reply in replies:
            await self._send(bot_frame(reply))


async def websocket(request: web.Request) -> web.StreamResponse:
    settings = request.app[settings_key]
    try:
        conversation_id = check_conversation_id(
            request.query.get("conversation"), name="conversation"
        )
    except InvalidInput as exc:
        return json_error(400, str(exc))
    if not origin_allowed(request, settings):
        return json_error(403, "this origin may not open a chat")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=body_limit(settings))
    if not ws.can_prepare(request).ok:
        return json_error(400, "expected a WebSocket upgrade")
    await ws.prepare(request)
    sockets = request.app[sockets_key]
    sockets.add(ws)
    log.info("socket_opened", conversation_id=conversation_id)
    try:
        await ChatSocket(
            ws,
            conversation_id,
            request.app[service_key],
            settings.max_message_chars,
            request.app[background_key],
            request.app.get(live_key),
            request.app.get(ip_limiter_key),
        ).run()
    finally:
        sockets.discard(ws)
        log.info("socket_closed", conversation_id=conversation_id)
    return ws
