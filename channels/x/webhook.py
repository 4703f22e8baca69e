"""Account Activity webhook intake, for accounts that have it instead of polling.

``GET`` answers X's CRC challenge; every ``POST`` must carry ``x-twitter-webhooks-signature``
(``sha256=`` + base64 HMAC-SHA256 of the raw body with the consumer secret), compared in
constant time. Events go through the same `XIntake` as polled ones, so a replayed delivery
finds its post or DM already claimed and is ignored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import structlog
from aiohttp import web

from channels.x.intake import XIntake
from channels.x.models import DirectMessage, Post

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MAX_BODY_BYTES = 1_000_000


def signature(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(secret: str, crc_token: str) -> dict[str, str]:
    return {"response_token": signature(secret, crc_token.encode())}


def valid_signature(secret: str, payload: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, payload), header)


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in a list; anything else (a fuzzer's, or a changed API's) is none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_events(body: dict[str, Any], own_user_id: str) -> tuple[list[Post], list[DirectMessage]]:
    """Account Activity (v1.1 shapes): mentions and DMs, not the account's own posts.

    Parts of the wrong shape are skipped, never trusted: the body is signed, but a crash
    here would cost X's whole delivery.
    """
    posts: list[Post] = []
    for raw in _objects(body.get("tweet_create_events")):
        user = _object(raw.get("user"))
        author_id = str(user.get("id_str", user.get("id", "")))
        if not raw.get("id_str") or author_id == own_user_id:
            continue
        text = _object(raw.get("extended_tweet")).get("full_text") or raw.get("text", "")
        posts.append(
            Post(str(raw["id_str"]), str(text), author_id, str(user.get("screen_name", "")))
        )
    dms: list[DirectMessage] = []
    for raw in _objects(body.get("direct_message_events")):
        create = _object(raw.get("message_create"))
        sender = str(create.get("sender_id", ""))
        recipient = str(_object(create.get("target")).get("recipient_id", ""))
        if raw.get("type") != "message_create" or not raw.get("id") or sender == own_user_id:
            continue
        low, high = sorted((sender, recipient), key=lambda v: (len(v), v))
        text = str(_object(create.get("message_data")).get("text", ""))
        dms.append(DirectMessage(str(raw["id"]), text, sender, f"{low}-{high}"))
    return posts, dms


class XWebhook:
    """The two handlers; work is done in tasks so X gets its 200 at once."""

    def __init__(self, intake: XIntake, consumer_secret: str, own_user_id: str) -> None:
        self.intake = intake
        self._secret = consumer_secret
        self._own = own_user_id
        self._tasks: set[asyncio.Task[None]] = set()

    async def crc(self, request: web.Request) -> web.Response:
        token = request.query.get("crc_token")
        if not token:
            raise web.HTTPBadRequest(text="crc_token missing")
        return web.json_response(crc_response(self._secret, token))

    async def receive(self, request: web.Request) -> web.Response:
        payload = await request.content.read(MAX_BODY_BYTES + 1)
        if len(payload) > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=len(payload))
        if not valid_signature(self._secret, payload, request.headers.get(SIGNATURE_HEADER)):
            # No body, no headers: only that it happened and from where.
            log.warning("x_webhook_bad_signature", remote=request.remote, length=len(payload))
            raise web.HTTPUnauthorized(text="bad signature")
        try:
            body = json.loads(payload)
        except ValueError as exc:
            raise web.HTTPBadRequest(text="not JSON") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="not an object")
        posts, dms = parse_events(body, self._own)
        for post in posts:
            self._spawn(self._post(post))
        for dm in dms:
            self._spawn(self._dm(dm))
        return web.json_response({"accepted": len(posts) + len(dms)})

    async def _post(self, post: Post) -> None:
        await self.intake.handle_post(post)

    async def _dm(self, dm: DirectMessage) -> None:
        await self.intake.handle_dm(dm)

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float) -> None:
        if self._tasks:
            _done, late = await asyncio.wait(tuple(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()
