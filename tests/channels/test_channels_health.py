"""`GET /health`: each dependency ok/down (engine, action server, Redis, database, the triage
classifier and the operator queue); 503 only when the engine is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from gateway_testing import TEST_REDIS_URL, Client, FakeEngine, free_port
from redis.asyncio import Redis

from channels.app import create_app
from channels.health import action_health_url
from channels.triage_gate import TriageModel
from triage.settings import Settings

Factory = Callable[[Settings], Any]


async def health(client: Client) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/health")
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.status, await resp.json()


async def test_everything_up_without_redis(gateway: Client) -> None:
    assert await health(gateway) == (
        200,
        {
            "status": "ok",
            "checks": {
                "engine": "ok",
                "action_server": "ok",
                "redis": "not_configured",
                "database": "ok",
                "triage": "ok",
                "queue": "ok",
            },
        },
    )


async def test_engine_down_is_a_503(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(rasa_url=f"http://127.0.0.1:{free_port()}"))
    status, body = await health(client)
    assert status == 503
    assert body["status"] == "down"
    assert body["checks"]["engine"] == "down"
    assert body["checks"]["action_server"] == "ok"


async def test_engine_without_a_loaded_model_is_down(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.status_code = 409  # Rasa's answer when no model is loaded
    status, body = await health(gateway)
    assert (status, body["checks"]["engine"]) == (503, "down")


async def test_engine_api_behind_a_token_falls_back_to_version(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.status_code = 401
    status, body = await health(gateway)
    assert (status, body["checks"]["engine"]) == (200, "ok")


async def test_action_server_down_is_degraded_but_200(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.action_status = 500
    status, body = await health(gateway)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["action_server"] == "down"
    assert body["checks"]["engine"] == "ok"


async def test_database_down_is_degraded_but_200(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    url = f"postgresql+asyncpg://bluelamp:secret@127.0.0.1:{free_port()}/bluelamp"
    client = await gateway_factory(make_settings(database_url=url))
    status, body = await health(client)
    assert status == 200
    assert body["checks"]["database"] == "down"
    assert body["status"] == "degraded"


async def test_redis_configured_and_up(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    settings = make_settings(redis_url=TEST_REDIS_URL, redis_prefix=redis_prefix)
    client = await gateway_factory(settings)
    status, body = await health(client)
    assert (status, body["status"], body["checks"]["redis"]) == (200, "ok", "ok")
    assert body["checks"]["queue"] == "ok"


async def test_the_store_may_keep_its_own_redis_prefix(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    settings = make_settings(
        redis_url=TEST_REDIS_URL,
        redis_prefix=redis_prefix,
        extra={"redis_key_prefix": f"{redis_prefix}store:"},
    )
    client = await gateway_factory(settings)
    await client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "hi"})
    raw = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        assert await raw.llen(f"{redis_prefix}store:conv:s1:transcript") == 3
    finally:
        await raw.aclose()


async def test_redis_configured_but_down(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    status, body = await health(client)
    assert (status, body["status"], body["checks"]["redis"]) == (200, "degraded", "down")
    assert body["checks"]["queue"] == "down"  # the operator queue lives in the same Redis


async def test_triage_model_that_cannot_load_is_degraded_and_chat_still_works(
    make_settings: Callable[..., Settings], fake_engine: FakeEngine
) -> None:
    def broken() -> TriageModel:
        raise OSError("no model and no training data")

    async with TestClient(TestServer(create_app(make_settings(), load_model=broken))) as client:
        status, body = await health(client)
        assert (status, body["status"], body["checks"]["triage"]) == (200, "degraded", "down")
        resp = await client.post(
            "/webhooks/rest/webhook", json={"sender": "s1", "message": "he has a knife, help"}
        )
        replies = await resp.json()
    assert resp.status == 200
    # No second opinion, so no 999 guidance from the gateway: the bot answers first.
    assert replies[0]["text"] == "Echo: he has a knife, help"
    assert "triage" not in fake_engine.requests[0]["metadata"]


def test_action_health_url_uses_the_webhook_host() -> None:
    assert action_health_url("http://actions:5055/webhook") == "http://actions:5055/health"
    assert action_health_url("http://127.0.0.1:5055/webhook?x=1") == "http://127.0.0.1:5055/health"
