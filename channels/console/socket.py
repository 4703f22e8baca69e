"""`GET /console/ws`: the console's live view.

Server to console: ``queue`` (on connect and whenever the queue changes; checked every
second from one shared read per gateway), ``alert`` (P1 alerts, at once), ``event`` (live
events of the conversations this console watches), ``watching``/``unwatched``, ``pong`` and
``error``. Console to server: ``watch`` (a conversation the operator holds, or any for a
supervisor; recorded as a view), ``unwatch`` and ``ping``.

Every frame from the console restarts the session's idle timer and counts as presence; a
console silent for the idle timeout, or whose session has ended, is closed with code 4401.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from channels.console.access import MAX_REASON, claimed_item
from channels.console.auth import (
    CROSS_ORIGIN,
    current_session,
    error_response,
    note_present,
    record,
    same_origin,
)
from channels.console.board import Board, items_json, queue_json
from channels.console.http import UNAVAILABLE, UNAVAILABLE_ERRORS, ConsoleError, json_error
from channels.keys import back_office_key, console_key, live_key, settings_key, sockets_key
from channels.ratelimit import RateLimiter
from channels.validation import InvalidInput, check_conversation_id
from triage.queue.alerts import Alert, Subscription
from triage.queue.ports import utcnow
from triage.staff.ports import AuditAction, StaffSession, StaffUnavailable

log = structlog.get_logger(__name__)

QUEUE_POLL_SECONDS = 1.0
ALERT_RETRY_SECONDS = 2.0
HEARTBEAT_SECONDS = 30.0
MAX_FRAME_BYTES = 4096
MAX_WATCHES = 20
FRAMES_PER_WINDOW = 30
FRAME_WINDOW_SECONDS = 10.0
CLOSE_SESSION_ENDED = 4401
SESSION_ENDED = "Your session has ended. Please sign in again."


def alert_frame(alert: Alert) -> dict[str, Any]:
    return {
        "type": "alert",
        "alert": {
            "id": alert.id,
            "conversation_id": alert.conversation_id,
            "channel": alert.channel.value,
            "priority": alert.priority.value,
            "summary": alert.summary,
            "flags": [flag.as_dict() for flag in alert.flags],
            "link": alert.link,
            "author": alert.author,
            "at": alert.created_at.isoformat(),
        },
    }


class ConsoleSocket:
    """One open console: pushes the queue, alerts and watched conversations; reads frames."""

    def __init__(
        self, request: web.Request, ws: web.WebSocketResponse, session: StaffSession
    ) -> None:
        self._request = request
        self._app = request.app
        self._ws = ws
        self._session = session
        self._send_lock = asyncio.Lock()
        self._watches: dict[str, asyncio.Task[None]] = {}
        self._signature: tuple[Any, ...] | None = None
        self._queue_down = False
        self._limit = RateLimiter(FRAMES_PER_WINDOW, FRAME_WINDOW_SECONDS)

    async def run(self) -> None:
        # Alerts first, so none published after the console has its first frame is missed.
        subscription = await self._subscribe_alerts()
        board_cache = self._app[console_key].board
        board_cache.invalidate()
        try:
            await self._push_queue(await board_cache.read())
        except UNAVAILABLE_ERRORS:
            await self._queue_unavailable()
        tasks = [
            asyncio.create_task(self._poll_queue()),
            asyncio.create_task(self._forward_alerts(subscription)),
        ]
        try:
            await self._read()
        finally:
            every = [*tasks, *self._watches.values()]
            for task in every:
                task.cancel()
            await asyncio.gather(*every, return_exceptions=True)
            if subscription is not None:
                with contextlib.suppress(Exception):
                    await subscription.aclose()

    # --- sending -------------------------------------------------------------------------
    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws.closed:
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._ws.send_json(frame)

    async def _error(self, message: str) -> None:
        await self._send({"type": "error", "error": message})

    # --- the queue -----------------------------------------------------------------------
    async def _push_queue(self, board: Board) -> None:
        self._queue_down = False
        signature = board.signature()
        if signature == self._signature:
            return
        self._signature = signature
        now = utcnow()
        frame: dict[str, Any] = {"type": "queue", **queue_json(board, self._session.username, now)}
        if self._session.is_supervisor:
            frame["claimed"] = items_json(board, list(board.claimed), now)
        await self._send(frame)

    async def _queue_unavailable(self) -> None:
        if not self._queue_down:
            self._queue_down = True
            await self._error("The queue cannot be read at the moment; retrying.")

    async def _poll_queue(self) -> None:
        board_cache = self._app[console_key].board
        while not self._ws.closed:
            await asyncio.sleep(QUEUE_POLL_SECONDS)
            try:
                board = await board_cache.read()
            except UNAVAILABLE_ERRORS:
                await self._queue_unavailable()
                continue
            await self._push_queue(board)
            if not self._session.is_supervisor:
                await self._drop_lost_watches(board)

    async def _drop_lost_watches(self, board: Board) -> None:
        """An operator sees a conversation only while holding it (released, reassigned or
        finished: the watch ends)."""
        held = {item.conversation_id for item in board.held_by(self._session.username)}
        for cid in [cid for cid in self._watches if cid not in held]:
            await self._stop_watch(cid, reason="not_held")

    # --- alerts --------------------------------------------------------------------------
    async def _subscribe_alerts(self) -> Subscription | None:
        subscription = self._app[back_office_key].alerts.subscribe()
        try:
            await subscription.start()
        except Exception as exc:  # the bus's client errors; retried by _forward_alerts
            log.warning("console_alerts_unavailable", error=type(exc).__name__)
            with contextlib.suppress(Exception):
                await subscription.aclose()
            return None
        return subscription

    async def _forward_alerts(self, subscription: Subscription | None) -> None:
        while not self._ws.closed:
            if subscription is None:
                await asyncio.sleep(ALERT_RETRY_SECONDS)
                subscription = await self._subscribe_alerts()
                continue
            try:
                async for alert in subscription:
                    await self._send(alert_frame(alert))
            except Exception as exc:
                log.warning("console_alerts_lost", error=type(exc).__name__)
                with contextlib.suppress(Exception):
                    await subscription.aclose()
                subscription = None

    # --- watching conversations ----------------------------------------------------------
    async def _watch(self, frame: dict[str, Any]) -> None:
        try:
            cid = check_conversation_id(frame.get("conversation_id"), name="conversation_id")
        except InvalidInput as exc:
            await self._error(str(exc))
            return
        if cid in self._watches:
            await self._send({"type": "watching", "conversation_id": cid})
            return
        if len(self._watches) >= MAX_WATCHES:
            await self._error(f"A console can watch at most {MAX_WATCHES} conversations.")
            return
        item = await claimed_item(self._request, cid)
        holds = item is not None and item.claimed_by == self._session.username
        if not holds and not self._session.is_supervisor:
            await self._error("You can only watch conversations you have claimed.")
            return
        reason = frame.get("reason")
        if not isinstance(reason, str) or not reason.strip() or holds:
            reason = None
        await record(
            self._request,
            self._session,
            AuditAction.VIEW_CONVERSATION,
            conversation_id=cid,
            item_id=item.id if item else None,
            reason=reason[:MAX_REASON] if reason else None,
            detail="watch",
        )
        started = asyncio.Event()
        self._watches[cid] = asyncio.create_task(self._forward_events(cid, started))
        await started.wait()
        await self._send({"type": "watching", "conversation_id": cid})

    async def _forward_events(self, cid: str, started: asyncio.Event) -> None:
        try:
            async with self._app[live_key].subscribe(cid) as events:
                started.set()
                async for event in events:
                    await self._send(
                        {
                            "type": "event",
                            "conversation_id": event.conversation_id,
                            "kind": event.kind,
                            "data": event.data,
                            "origin": event.origin,
                        }
                    )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("console_watch_lost", conversation_id=cid, error=type(exc).__name__)
            self._watches.pop(cid, None)
            await self._send({"type": "unwatched", "conversation_id": cid, "reason": "unavailable"})
        finally:
            started.set()

    async def _stop_watch(self, cid: str, reason: str) -> None:
        task = self._watches.pop(cid, None)
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await self._send({"type": "unwatched", "conversation_id": cid, "reason": reason})

    # --- reading -------------------------------------------------------------------------
    async def _read(self) -> None:
        idle = self._app[settings_key].console_idle_seconds
        while not self._ws.closed:
            try:
                msg = await self._ws.receive(timeout=idle)
            except TimeoutError:
                await self._end_session()
                return
            if msg.type == WSMsgType.TEXT:
                if not await self._on_text(msg.data):
                    return
            elif msg.type == WSMsgType.BINARY:
                await self._error("Send JSON text frames.")
            else:  # close, closing, closed, error
                return

    async def _end_session(self) -> None:
        await self._error(SESSION_ENDED)
        await self._ws.close(code=CLOSE_SESSION_ENDED, message=b"session ended")

    async def _on_text(self, data: str) -> bool:
        """Handle one frame; False when the socket was closed."""
        if self._limit.hit() is not None:
            await self._error("Too many frames; slow down.")
            return True
        try:
            frame = json.loads(data)
        except (ValueError, RecursionError):
            frame = None
        if not isinstance(frame, dict):
            await self._error("Frames must be JSON objects.")
            return True
        try:
            session = await self._app[console_key].sessions.touch(self._session.id)
        except StaffUnavailable:
            await self._error(UNAVAILABLE)
            return True
        if session is None:
            await self._end_session()
            return False
        self._session = session
        await note_present(self._request, session)
        kind = frame.get("type")
        try:
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind == "watch":
                await self._watch(frame)
            elif kind == "unwatch":
                cid = frame.get("conversation_id")
                if isinstance(cid, str):
                    await self._stop_watch(cid, reason="unwatch")
            else:
                await self._error("Unknown frame type.")
        except UNAVAILABLE_ERRORS as exc:
            log.warning("console_socket_unavailable", error=type(exc).__name__)
            await self._error(UNAVAILABLE)
        return True


async def console_socket(request: web.Request) -> web.StreamResponse:
    """Same-origin and signed in, or refused before the upgrade (403, 401)."""
    if not same_origin(request):
        return json_error(403, CROSS_ORIGIN)
    try:
        session = await current_session(request)
    except ConsoleError as exc:
        return error_response(exc)
    except UNAVAILABLE_ERRORS:
        return json_error(503, UNAVAILABLE)
    await note_present(request, session)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    sockets = request.app[sockets_key]
    sockets.add(ws)
    log.info("console_socket_opened", actor=session.username)
    try:
        await ConsoleSocket(request, ws, session).run()
    finally:
        sockets.discard(ws)
        log.info("console_socket_closed", actor=session.username)
    return ws
