"""Per-address rate limits at the gateway (channels/ip_limits.py): separate budgets, 429
with Retry-After and a JSON sentence, counts shared through Redis by several gateways,
``X-Forwarded-For`` believed only from trusted proxies, and an outage of the limiter's
Redis letting the public chat through while the console waits."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.app import create_app
from channels.ip_limits import (
    Budget,
    budget_for,
    client_address,
    counting_key,
    ip_limiter_key,
    parse_networks,
)
from tests.channels.gateway_testing import TEST_REDIS_URL, FakeEngine, TcpProxy
from triage.settings import Settings

from .checks import check_answer
from .live import no_model, redis_or_skip

Client = TestClient[web.Request, web.Application]
GatewayFactory = Callable[..., Awaitable[Client]]

# --- the address and the budget --------------------------------------------------------

ipv4 = st.ip_addresses(v=4).map(str)
ips = st.ip_addresses().map(str)


@settings(derandomize=True, database=None)
@given(peer=ips, forwarded=st.lists(st.one_of(ips, st.text(max_size=20)), max_size=4))
def test_without_trusted_proxies_the_forwarded_header_is_ignored(
    peer: str, forwarded: list[str]
) -> None:
    assert client_address(peer, [", ".join(forwarded)], ()) == str(counted(peer))


def counted(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    return parsed


@settings(derandomize=True, database=None)
@given(client=ipv4, spoofed=st.lists(ipv4, max_size=3))
def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_counts(
    client: str, spoofed: list[str]
) -> None:
    proxies = parse_networks("10.0.0.0/8, 192.0.2.1")
    if counted(client) in ipaddress.ip_network("10.0.0.0/8") or client == "192.0.2.1":
        return
    # what the client wrote itself, then what our two proxies appended
    header = ", ".join([*spoofed, client, "10.1.2.3"])
    assert client_address("192.0.2.1", [header], proxies) == client
    # a peer that is not our proxy is counted itself, whatever it claims
    assert client_address("203.0.113.9", [header], proxies) == "203.0.113.9"


def test_forwarded_edge_cases() -> None:
    proxies = parse_networks("127.0.0.1/32")
    assert client_address("127.0.0.1", [], proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", ["127.0.0.1"], proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", ["not-an-ip"], proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", ["198.51.100.7, garbage"], proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", ["198.51.100.7", "198.51.100.8"], proxies) == "198.51.100.8"
    assert client_address("::ffff:127.0.0.1", ["2001:db8::1"], proxies) == "2001:db8::1"
    assert client_address(None, ["198.51.100.7"], proxies) == "unknown"
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")


def test_ipv6_counts_by_its_64_block() -> None:
    assert counting_key("2001:db8:1:2::1") == counting_key("2001:db8:1:2:ffff::9")
    assert counting_key("2001:db8:1:2::1") != counting_key("2001:db8:1:3::1")
    assert counting_key("198.51.100.1") != counting_key("198.51.100.2")
    assert "198.51.100.1" not in counting_key("198.51.100.1")


def test_each_path_spends_its_own_budget() -> None:
    assert budget_for("/webhooks/rest/webhook") is Budget.REST
    assert budget_for("/ws") is Budget.WEBSOCKET
    assert budget_for("/console/ws") is Budget.WEBSOCKET
    assert budget_for("/console/api/login") is Budget.LOGIN
    assert budget_for("/console/api/queue") is Budget.OTHER
    assert budget_for("/") is Budget.OTHER
    assert budget_for("/webhooks/x") is None


# --- in the gateway --------------------------------------------------------------------


@pytest.fixture
async def fake_engine() -> AsyncIterator[FakeEngine]:
    engine = FakeEngine()
    server = TestServer(engine.app)
    await server.start_server()
    engine.url = str(server.make_url("")).rstrip("/")
    yield engine
    engine.release.set()
    await server.close()


@pytest.fixture
async def gateway(fake_engine: FakeEngine, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    clients: list[Client] = []

    async def make(**overrides: Any) -> Client:
        values: dict[str, Any] = {
            "rasa_url": fake_engine.url,
            "action_server_url": f"{fake_engine.url}/webhook",
            "var_dir": tmp_path,
            "rasa_timeout_seconds": 1.0,
            **overrides,
        }
        client = TestClient(TestServer(create_app(Settings(**values), load_model=no_model)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def send(client: Client, sender: str = "c1", **headers: str) -> ClientResponse:
    return await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "hello"}, headers=headers
    )


async def test_over_budget_is_a_polite_429_with_retry_after(gateway: GatewayFactory) -> None:
    client = await gateway(ip_limit_rest="3 per minute", ip_limit_other="4 per minute")
    for n in range(3):
        assert (await send(client, sender=f"c{n}")).status == 200
    resp = await send(client, sender="c9")
    body = await resp.read()
    check_answer(resp.status, resp.headers, body)
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "999" in (await resp.json())["error"]
    # other budgets are untouched: the page and the health check still answer
    assert (await client.get("/")).status == 200
    assert (await client.get("/health")).status in (200, 503)


async def test_one_conversation_is_limited_from_any_address(gateway: GatewayFactory) -> None:
    client = await gateway(conversation_limit_rest="2 per minute", trusted_proxies="127.0.0.1")
    for n in range(2):
        assert (await send(client, "busy", **{"X-Forwarded-For": f"198.51.100.{n}"})).status == 200
    resp = await send(client, "busy", **{"X-Forwarded-For": "198.51.100.9"})
    check_answer(resp.status, resp.headers, await resp.read())
    assert resp.status == 429 and "999" in (await resp.json())["error"]
    assert (await send(client, "quiet")).status == 200  # other conversations go on


async def test_the_console_budget_is_separate_and_says_nothing_of_999(
    gateway: GatewayFactory,
) -> None:
    client = await gateway(ip_limit_login="2 per minute")
    headers = {"Origin": str(client.make_url("")).rstrip("/")}
    body = {"username": "nobody", "password": "wrong"}
    for _ in range(2):
        resp = await client.post("/console/api/login", json=body, headers=headers)
        assert resp.status == 401
    resp = await client.post("/console/api/login", json=body, headers=headers)
    assert resp.status == 429 and "Retry-After" in resp.headers
    assert "999" not in (await resp.json())["error"]
    assert (await send(client)).status == 200  # the public chat is not affected


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(gateway: GatewayFactory) -> None:
    trusting = await gateway(ip_limit_rest="2 per minute", trusted_proxies="127.0.0.1/32")
    for _ in range(2):
        assert (await send(trusting, **{"X-Forwarded-For": "203.0.113.5"})).status == 200
    assert (await send(trusting, **{"X-Forwarded-For": "203.0.113.5"})).status == 429
    assert (await send(trusting, **{"X-Forwarded-For": "203.0.113.6"})).status == 200

    wary = await gateway(ip_limit_rest="2 per minute")
    statuses = [
        (await send(wary, **{"X-Forwarded-For": f"203.0.113.{n}"})).status for n in range(3)
    ]
    assert statuses == [200, 200, 429]  # rotating the header gains nothing


async def test_gateways_sharing_redis_share_the_counts(gateway: GatewayFactory) -> None:
    redis_or_skip().close()
    prefix = f"bluelamp-test-{uuid.uuid4().hex}:"
    shared = {"redis_url": TEST_REDIS_URL, "redis_prefix": prefix, "ip_limit_rest": "4 per minute"}
    first, second = await gateway(**shared), await gateway(**shared)
    try:
        assert [(await send(first, sender=f"a{n}")).status for n in range(2)] == [200, 200]
        assert [(await send(second, sender=f"b{n}")).status for n in range(2)] == [200, 200]
        assert (await send(first, sender="a9")).status == 429
        assert (await send(second, sender="b9")).status == 429
    finally:
        keys = delete_keys(prefix)
    assert any(b"limits" in key for key in keys)
    assert not any(b"127.0.0.1" in key for key in keys)  # addresses are hashed


async def test_without_its_redis_the_limiter_lets_the_public_through(
    gateway: GatewayFactory,
) -> None:
    redis_or_skip().close()
    proxy = TcpProxy(TEST_REDIS_URL)
    await proxy.start()
    prefix = f"bluelamp-test-{uuid.uuid4().hex}:"
    client = await gateway(redis_url=proxy.url, redis_prefix=prefix, ip_limit_rest="1 per minute")
    try:
        assert (await send(client)).status == 200
        assert (await send(client)).status == 429
        await proxy.stop()
        with structlog.testing.capture_logs() as logs:
            page = await client.get("/")
            chat = await send(client)
            login = await client.post(
                "/console/api/login",
                json={"username": "op1", "password": "x"},
                headers={"Origin": str(client.make_url("")).rstrip("/")},
            )
        assert page.status == 200  # fail open: nobody is refused by a broken limiter
        assert chat.status != 429  # the chat answers for itself (its store is down too)
        assert "999" in (await chat.json())["error"]
        assert login.status == 503  # the console waits: sign-in is what guessing attacks
        assert [e for e in logs if e["event"] == "ip_limit_unavailable"]
        assert client.app[ip_limiter_key].down
        await proxy.start()  # back within the pause: the console asks again at once
        login = await client.post(
            "/console/api/login",
            json={"username": "op1", "password": "x"},
            headers={"Origin": str(client.make_url("")).rstrip("/")},
        )
        assert login.status == 401
    finally:
        await proxy.stop()
        delete_keys(prefix)


def delete_keys(prefix: str) -> list[bytes]:
    client = redis_or_skip()
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        return keys
    finally:
        client.close()
