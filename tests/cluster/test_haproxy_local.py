"""The local cluster's HAProxy configuration (`scripts/haproxy_local.py`), run for real in
front of small aiohttp upstreams: it is valid, balances each pool in turn, names the
upstream, answers its own /health, and relays WebSockets."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path

import aiohttp

from scripts.haproxy_local import UPSTREAM_HEADER, haproxy_binary, local_config
from scripts.stack import free_port
from tests.cluster.upstreams import serve, upstream

Seen = list[tuple[str, str, dict[str, str], bytes]]


@asynccontextmanager
async def upstreams(names: list[str], seen: Seen) -> AsyncIterator[list[int]]:
    async with AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(serve(upstream(name, seen))) for name in names]
        yield [int(url.rsplit(":", 1)[1]) for url in urls]


def config(tmp_path: Path, ports: list[int]) -> tuple[Path, dict[str, int]]:
    front = {"gateways": free_port(), "engines": free_port(), "actions": free_port()}
    status = free_port()
    path = tmp_path / "haproxy.cfg"
    path.write_text(
        local_config(
            gateways=(front["gateways"], ports[0:2]),
            engines=(front["engines"], ports[2:4]),
            actions=(front["actions"], ports[4:5]),
            status_port=status,
        )
    )
    front["status"] = status
    return path, front


@contextmanager
def haproxy(path: Path) -> Iterator[None]:
    binary = haproxy_binary()
    assert binary is not None, "HAProxy is installed by .ci/run (apt-get install haproxy)"
    process = subprocess.Popen([binary, "-db", "-f", str(path)])
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


async def get(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.get(url) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.text(), resp.headers.get(UPSTREAM_HEADER, "")


async def wait_for(session: aiohttp.ClientSession, url: str, servers: int) -> None:
    """Until HAProxy's first health checks have marked every server up."""
    deadline = time.monotonic() + 15
    while True:
        try:
            seen = {(await get(session, url))[1] for _ in range(servers * 2)}
            if len(seen) == servers:
                return
        except (aiohttp.ClientError, AssertionError):
            pass
        assert time.monotonic() < deadline, "HAProxy did not bring every server up"
        await asyncio.sleep(0.2)


def test_configuration_is_valid(tmp_path: Path) -> None:
    path, _ = config(tmp_path, [20001, 20002, 20003, 20004, 20005])
    binary = haproxy_binary()
    assert binary is not None
    checked = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_pools_balance_in_turn_and_relay_sockets(tmp_path: Path) -> None:
    seen: Seen = []
    async with upstreams(["gw1", "gw2", "en1", "en2", "ac1"], seen) as ports:
        path, front = config(tmp_path, ports)
        with haproxy(path):
            async with aiohttp.ClientSession() as session:
                base = {name: f"http://127.0.0.1:{port}" for name, port in front.items()}
                await wait_for(session, base["gateways"] + "/x", 2)
                await wait_for(session, base["engines"] + "/x", 2)
                seen.clear()
                gateway_answers = [await get(session, base["gateways"] + "/x") for _ in range(4)]
                names = [text for text, _ in gateway_answers]
                assert sorted(names) == ["gw1", "gw1", "gw2", "gw2"]
                assert names[0] != names[1] and names[1] != names[2]
                assert all(headers["X-Forwarded-For"] == "127.0.0.1" for *_, headers, _ in seen)
                assert {upstream for _, upstream in gateway_answers} == {
                    "gateways-1",
                    "gateways-2",
                }
                engines = {(await get(session, base["engines"] + "/x"))[0] for _ in range(4)}
                assert engines == {"en1", "en2"}
                assert (await get(session, base["actions"] + "/x"))[0] == "ac1"
                assert (await get(session, base["status"] + "/health"))[0] == "ok"
                async with session.ws_connect(base["gateways"] + "/ws") as ws:
                    await ws.send_str("hello")
                    reply = await ws.receive_str(timeout=5)
                    assert reply in {"gw1:hello", "gw2:hello"}
