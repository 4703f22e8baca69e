"""JSON in and out for the console API: polite errors, bodies read with limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from channels.keys import settings_key
from channels.limits import body_limit
from triage.cases.ports import CaseSystemUnavailable
from triage.queue.ports import QueueUnavailable
from triage.staff.ports import StaffUnavailable

UNAVAILABLE = (
    "Part of the system is not available at the moment, so nothing was done. "
    "Please try again in a minute."
)
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    StaffUnavailable,
    QueueUnavailable,
    CaseSystemUnavailable,
    RedisError,  # the conversation store raises its client's own errors
    ConnectionError,
)
"""A store is down: the console answers 503 and, because every change is recorded before it
is made, nothing unrecorded has happened."""


class ConsoleError(Exception):
    """An answer other than success: an HTTP status and a sentence for the operator."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        clear_cookie: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.clear_cookie = clear_cookie


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


async def read_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 415, 413 or 400 with a clear sentence otherwise."""
    if request.content_type != "application/json":
        raise ConsoleError(415, "Send the request body as JSON (Content-Type: application/json).")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        limit = body_limit(request.app[settings_key])
        raise ConsoleError(413, f"The request body must be at most {limit} bytes.") from exc
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ConsoleError(400, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise ConsoleError(400, "The request body must be a JSON object.")
    return body
