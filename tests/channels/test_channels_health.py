"""`GET /health`: each dependency ok/down; 503 only when the engine is down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway_testing import TEST_REDIS_URL, Client, FakeEngine, free_port

from channels.health import action_health_url
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
    gateway_factory: Factory, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    client = await gateway_factory(make_settings(var_dir=tmp_path / "missing" / "dir"))
    status, body = await health(client)
    assert status == 200
    assert body["checks"]["database"] == "down"
    assert body["status"] == "degraded"


async def test_redis_configured_and_up(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    settings = make_settings(redis_url=TEST_REDIS_URL, extra={"redis_key_prefix": redis_prefix})
    client = await gateway_factory(settings)
    status, body = await health(client)
    assert (status, body["status"], body["checks"]["redis"]) == (200, "ok", "ok")


async def test_redis_configured_but_down(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    status, body = await health(client)
    assert (status, body["status"], body["checks"]["redis"]) == (200, "degraded", "down")


def test_action_health_url_uses_the_webhook_host() -> None:
    assert action_health_url("http://actions:5055/webhook") == "http://actions:5055/health"
    assert action_health_url("http://127.0.0.1:5055/webhook?x=1") == "http://127.0.0.1:5055/health"
