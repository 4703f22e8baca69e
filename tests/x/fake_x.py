"""A small local X API v2 server for tests and the bench (the real API is out of reach).

Speaks the documented shapes of the endpoints the X channel uses:
``GET /2/users/:id/mentions`` (``since_id``, ``max_results``, ``pagination_token``; ``meta``
with ``result_count``, ``newest_id``, ``oldest_id``, ``next_token``; ``includes.users`` for
``expansions=author_id``), ``GET /2/dm_events``, ``POST /2/tweets``,
``POST /2/dm_conversations/with/:participant_id/messages``. Every answer carries
``x-rate-limit-limit/remaining/reset``; ``script()`` queues 429s (with a short reset) and 5xx.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

OWN_USER_ID = "1000"
OWN_HANDLE = "NorthshirePolice"


@dataclass
class Scripted:
    status: int
    reset_in: float = 1.0


@dataclass
class FakeX:
    """State of the fake account; tests add mentions and DMs and read what was sent."""

    user_id: str = OWN_USER_ID
    mentions: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    dm_events: list[dict[str, Any]] = field(default_factory=list)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    dms: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    scripts: dict[str, list[Scripted]] = field(default_factory=lambda: defaultdict(list))
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_800_000_000))

    def next_id(self) -> str:
        return str(next(self._ids))

    def add_mention(self, text: str, author_id: str = "2001", handle: str = "someone") -> str:
        post_id = self.next_id()
        self.users[author_id] = handle
        self.mentions.append(
            {
                "id": post_id,
                "text": text,
                "author_id": author_id,
                "conversation_id": post_id,
                "created_at": "2026-11-26T02:00:00.000Z",
                "edit_history_tweet_ids": [post_id],
            }
        )
        return post_id

    def add_dm(self, text: str, sender_id: str = "2001") -> str:
        event_id = self.next_id()
        self.dm_events.append(
            {
                "id": event_id,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": conversation_of(self.user_id, sender_id),
                "created_at": "2026-11-26T02:00:00.000Z",
            }
        )
        return event_id

    def script(self, endpoint: str, status: int, times: int = 1, reset_in: float = 1.0) -> None:
        """The next ``times`` calls to ``endpoint`` (mentions, dm_events, tweets, dm) fail."""
        self.scripts[endpoint].extend(Scripted(status, reset_in) for _ in range(times))

    def replies_to(self, post_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tweets if t.get("reply", {}).get("in_reply_to_tweet_id") == post_id]

    def calls(self, endpoint: str) -> int:
        return sum(1 for name, _method, _q in self.requests if name == endpoint)

    # --- the server --------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/2/users/{id}/mentions", self._mentions)
        app.router.add_get("/2/dm_events", self._dm_events)
        app.router.add_post("/2/tweets", self._create_tweet)
        app.router.add_post("/2/dm_conversations/with/{participant_id}/messages", self._create_dm)
        return app

    def _headers(self, remaining: int = 99, reset_in: float = 900) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time() + reset_in)),
        }

    def _gate(self, endpoint: str, request: web.Request) -> web.Response | None:
        self.requests.append((endpoint, request.method, dict(request.query)))
        if "Authorization" not in request.headers:
            return web.json_response(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "No"},
                status=401,
            )
        queue = self.scripts.get(endpoint)
        if not queue:
            return None
        step = queue.pop(0)
        if step.status == 429:
            # X names the reset in whole epoch seconds; round up so waiting for it is enough.
            return web.json_response(
                {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                status=429,
                headers=self._headers(remaining=0, reset_in=step.reset_in + 0.999),
            )
        return web.json_response(
            {
                "title": "Service Unavailable",
                "detail": "Service Unavailable",
                "type": "about:blank",
                "status": step.status,
            },
            status=step.status,
            headers=self._headers(),
        )

    async def _mentions(self, request: web.Request) -> web.Response:
        if (failed := self._gate("mentions", request)) is not None:
            return failed
        if request.match_info["id"] != self.user_id:
            return web.json_response({"errors": [{"detail": "not found"}]}, status=404)
        query = request.query
        since = query.get("since_id")
        size = min(max(int(query.get("max_results", "10")), 5), 100)
        newest_first = sorted(self.mentions, key=lambda t: int(t["id"]), reverse=True)
        if since:
            newest_first = [t for t in newest_first if int(t["id"]) > int(since)]
        offset = int(query.get("pagination_token", "p0")[1:])
        page = newest_first[offset : offset + size]
        if not page:
            return web.json_response({"meta": {"result_count": 0}}, headers=self._headers())
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if offset + size < len(newest_first):
            meta["next_token"] = f"p{offset + size}"
        body: dict[str, Any] = {"data": page, "meta": meta}
        if "author_id" in query.get("expansions", ""):
            authors = sorted({t["author_id"] for t in page})
            body["includes"] = {
                "users": [
                    {"id": a, "name": self.users.get(a, a), "username": self.users.get(a, a)}
                    for a in authors
                ]
            }
        return web.json_response(body, headers=self._headers())

    async def _dm_events(self, request: web.Request) -> web.Response:
        if (failed := self._gate("dm_events", request)) is not None:
            return failed
        newest_first = sorted(self.dm_events, key=lambda e: int(e["id"]), reverse=True)
        size = min(int(request.query.get("max_results", "100")), 100)
        page = newest_first[:size]
        if not page:
            return web.json_response({"meta": {"result_count": 0}}, headers=self._headers())
        meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        return web.json_response({"data": page, "meta": meta}, headers=self._headers())

    async def _create_tweet(self, request: web.Request) -> web.Response:
        if (failed := self._gate("tweets", request)) is not None:
            return failed
        body = await request.json()
        tweet_id = self.next_id()
        self.tweets.append({"id": tweet_id, **body})
        return web.json_response(
            {"data": {"id": tweet_id, "text": body["text"], "edit_history_tweet_ids": [tweet_id]}},
            status=201,
            headers=self._headers(),
        )

    async def _create_dm(self, request: web.Request) -> web.Response:
        if (failed := self._gate("dm", request)) is not None:
            return failed
        body = await request.json()
        participant = request.match_info["participant_id"]
        event_id = self.next_id()
        conversation = conversation_of(self.user_id, participant)
        self.dms.append({"to": participant, "text": body["text"], "id": event_id})
        # Our own message shows up in the account's DM events, as on X.
        self.dm_events.append(
            {
                "id": event_id,
                "event_type": "MessageCreate",
                "text": body["text"],
                "sender_id": self.user_id,
                "dm_conversation_id": conversation,
            }
        )
        return web.json_response(
            {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}},
            status=201,
            headers=self._headers(),
        )


def conversation_of(a: str, b: str) -> str:
    """X's id for a one-to-one DM conversation: both user ids, smaller first."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


async def start_fake_x(fake: FakeX | None = None) -> tuple[FakeX, TestServer]:
    """Serve ``fake`` on a free local port; close the returned server when done."""
    fake = fake or FakeX()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    return fake, server
