"""Helpers for the X tests (imported by name: tests/x has no __init__.py, like tests/channels)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from channels.triage_gate import TriageModel
from channels.x.api import TweepyXApi
from channels.x.intake import XIntake
from channels.x.poller import XPoller
from channels.x.state import RedisXState, SqliteXState, XState
from triage.audit.memory import InMemoryDecisionLog
from triage.queue.alerts import InMemoryAlertBus
from triage.queue.memory import InMemoryOperatorQueue
from triage.routing.dispatch import BackOffice
from triage.settings import Settings

TEST_REDIS_URL = os.environ.get("BLUELAMP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@asynccontextmanager
async def redis_or_skip() -> AsyncIterator[str]:
    """A unique prefix on the real Redis, every key under it deleted afterwards."""
    prefix = f"bluelamp-test-{uuid.uuid4().hex}:"
    client = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI: not reachable at {TEST_REDIS_URL}")
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}")
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@dataclass
class Harness:
    """One "gateway" worth of X channel: its own tweepy client, store handle and poller."""

    api: TweepyXApi
    state: XState
    back_office: BackOffice
    intake: XIntake
    poller: XPoller
    redis: Redis | None = None

    @classmethod
    async def open(
        cls, settings: Settings, model: TriageModel | None, redis_prefix: str | None
    ) -> Harness:
        api = TweepyXApi(settings)
        redis: Redis | None = None
        state: XState
        if redis_prefix is None:
            state = SqliteXState(settings.var_dir / "x_state.db")
        else:
            redis = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
            state = RedisXState(redis, redis_prefix)
        office = BackOffice(
            InMemoryOperatorQueue(), InMemoryAlertBus(), InMemoryDecisionLog(), "test-model"
        )
        intake = XIntake(api, state, model, office)
        poller = XPoller(api, state, intake, settings.x_poll_seconds, dms=False)
        return cls(api, state, office, intake, poller, redis)

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.state.aclose()
        if self.redis is not None:
            await self.redis.aclose()


class FakeEngine:
    """Rasa's REST channel, answering like the crime-report form (one question per turn)."""

    QUESTIONS = (
        "I'm sorry that happened. What was stolen?",
        "Where did it happen?",
        "Shall I send this report?",
    )

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/webhooks/rest/webhook", self.webhook)
        self.server = TestServer(self.app, host="127.0.0.1")
        self.url = ""

    async def start(self) -> None:
        await self.server.start_server()
        self.url = str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        await self.server.close()

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        turn = sum(1 for r in self.requests if r["sender"] == body["sender"])
        sender = body["sender"]
        if turn <= len(self.QUESTIONS):
            item: dict[str, Any] = {"recipient_id": sender, "text": self.QUESTIONS[turn - 1]}
            if turn == len(self.QUESTIONS):
                item["buttons"] = [
                    {"title": "Yes, send it", "payload": "/affirm"},
                    {"title": "Cancel", "payload": "/stop"},
                ]
            return web.json_response([item])
        return web.json_response(
            [{"recipient_id": sender, "text": "Your report has been sent. Reference NP-0001."}]
        )
