"""Test support for the console: a fake Rasa engine (REST channel and HTTP API), a signed-in
member of staff with their own cookies, and staff accounts made by the real account store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
from aiohttp import ClientWebSocketResponse, web
from yarl import URL

from tests.channels.gateway_testing import frames_until as gateway_frames_until
from tests.staff.support import quick_hasher
from triage.staff.ports import Role
from triage.staff.sql_accounts import SqlAccountStore

PASSWORD = "correct-lamp-staple-42"


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    active: bool = True


ACCOUNTS = (
    Account("op1", "Operator One", Role.OPERATOR),
    Account("op2", "Operator Two", Role.OPERATOR),
    Account("sup1", "Supervisor One", Role.SUPERVISOR),
    Account("gone1", "Gone Operator", Role.OPERATOR, active=False),
)


async def create_accounts(url: str) -> None:
    """Through the real SQL account store (a quick argon2id cost: verification reads the
    cost from the hash, so sign-in stays quick too)."""
    store = SqlAccountStore.from_url(url, hasher=quick_hasher())
    try:
        for account in ACCOUNTS:
            await store.create(account.username, account.display_name, account.role, PASSWORD)
            if not account.active:
                await store.set_active(account.username, False)
    finally:
        await store.aclose()


class FakeRasa:
    """The engine as the gateway uses it: the REST channel (an echo), and the HTTP API's
    tracker (``slots`` per conversation) and events (pause, resume), which it records."""

    def __init__(self) -> None:
        self.slots: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[str, str]] = []
        self.messages: list[dict[str, Any]] = []
        self.url = ""
        self.app = web.Application()
        self.app.router.add_post("/webhooks/rest/webhook", self.webhook)
        self.app.router.add_get("/conversations/{cid}/tracker", self.tracker)
        self.app.router.add_post("/conversations/{cid}/tracker/events", self.event)
        self.app.router.add_get("/status", self.status)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.messages.append(body)
        return web.json_response([{"recipient_id": body["sender"], "text": "Bot answer."}])

    async def tracker(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        return web.json_response({"sender_id": cid, "slots": self.slots.get(cid, {})})

    async def event(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        body = await request.json()
        self.events.append((cid, str(body.get("event"))))
        return web.json_response({"sender_id": cid, "slots": self.slots.get(cid, {})})

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_file": "models/x.tar.gz"})


class StaffClient:
    """One member of staff's browser: their own cookie jar, the console's own origin, and
    the CSRF token given at sign-in sent with every unsafe request."""

    def __init__(self, base: URL) -> None:
        self.base = base
        self.origin = str(base.origin())
        self.csrf = ""
        self.session = aiohttp.ClientSession(
            base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def login(self, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        resp = await self.session.post(
            "/console/api/login",
            json={"username": username, "password": password},
            headers={"Origin": self.origin},
        )
        if resp.status == 200:
            self.csrf = (await resp.json())["csrf"]
        return resp

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.session.get(path, **kwargs)

    async def post(
        self,
        path: str,
        body: Any = None,
        *,
        csrf: str | None = None,
        origin: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        sent = {
            "Origin": self.origin if origin is None else origin,
            "X-CSRF-Token": self.csrf if csrf is None else csrf,
            **(headers or {}),
        }
        return await self.session.post(path, json=body if body is not None else {}, headers=sent)

    async def socket(self) -> ClientWebSocketResponse:
        return await self.session.ws_connect("/console/ws", headers={"Origin": self.origin})

    def cookie(self) -> str | None:
        found = self.session.cookie_jar.filter_cookies(self.base / "console" / "api")
        morsel = found.get("bl_console")
        return morsel.value if morsel else None

    async def close(self) -> None:
        await self.session.close()


# The gateway tests' reader, with longer patience: console tests wait on two sockets at once.
frames_until = partial(gateway_frames_until, timeout=5.0)


async def error_of(resp: aiohttp.ClientResponse) -> str:
    body = await resp.json()
    assert set(body) == {"error"}, body
    message: str = body["error"]
    assert message.strip()
    return message
