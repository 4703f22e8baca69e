"""`scripts/lb.py`, the local cluster's load balancer, against small aiohttp upstreams.

What the cluster test relies on: one upstream per request in turn, a refused connection
skipped whatever the method, a POST never sent twice, WebSockets relayed both ways, and the
forwarding headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from scripts.lb import UPSTREAM_HEADER, Pool, pool_app
from scripts.stack import free_port
from tests.cluster.upstreams import serve, upstream


@asynccontextmanager
async def balancer(upstreams: list[str]) -> AsyncIterator[tuple[str, Pool]]:
    pool = Pool("things", 0, tuple(upstreams))
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        serve(pool_app(pool, session)) as url,
    ):
        yield url, pool


async def test_each_request_goes_to_the_next_upstream_with_forwarding_headers() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []
    async with (
        serve(upstream("one", seen)) as one,
        serve(upstream("two", seen)) as two,
        balancer([one, two]) as (url, pool),
        aiohttp.ClientSession() as http,
    ):
        served = []
        for n in range(4):
            async with http.post(
                f"{url}/webhooks/rest/webhook?x={n}",
                json={"n": n},
                headers={"Connection": "keep-alive, X-Secret-Hop", "X-Secret-Hop": "1"},
            ) as resp:
                assert resp.status == 200
                served.append((await resp.text(), resp.headers[UPSTREAM_HEADER]))
                assert resp.headers["X-Kept"] == "yes"
                assert "Keep-Alive" not in resp.headers  # hop-by-hop
    assert served == [
        ("one", "things-1"),
        ("two", "things-2"),
        ("one", "things-1"),
        ("two", "things-2"),
    ]
    assert [s[1] for s in seen] == [f"POST /webhooks/rest/webhook?x={n}" for n in range(4)]
    assert [s[3] for s in seen] == [f'{{"n": {n}}}'.encode() for n in range(4)]
    headers = seen[0][2]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert "X-Secret-Hop" not in headers  # named by Connection: hop-by-hop
    assert pool.requests == [2, 2]


async def test_a_refused_connection_is_skipped_even_for_a_post() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with (
        serve(upstream("up", seen)) as up,
        balancer([closed, up]) as (url, pool),
        aiohttp.ClientSession() as http,
    ):
        for _ in range(2):
            async with http.post(f"{url}/webhook", json={}) as resp:
                assert resp.status == 200
                assert await resp.text() == "up"
    assert len(seen) == 2
    assert pool.failures[0] >= 1 and pool.requests == [0, 2]


async def test_a_post_that_may_have_arrived_is_never_sent_again() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []
    async with (
        serve(upstream("flaky", seen, drops=True)) as flaky,
        serve(upstream("steady", seen)) as steady,
        balancer([flaky, steady]) as (url, _pool),
        aiohttp.ClientSession() as http,
    ):
        async with http.post(f"{url}/drop", json={"message": "hello"}) as resp:
            assert resp.status == 502
            assert "error" in await resp.json()
        assert [(s[0], s[1]) for s in seen] == [("flaky", "POST /drop")]  # not resent

        seen.clear()
        for _ in range(2):  # one starts at "steady", the other at "flaky" and moves on
            async with http.get(f"{url}/drop") as resp:
                assert resp.status == 200
                assert await resp.text() == "steady"
    # aiohttp may itself try an idempotent request twice on one upstream; what matters is
    # that both GETs were answered by the steady one in the end.
    assert {(s[0], s[1]) for s in seen} == {("flaky", "GET /drop"), ("steady", "GET /drop")}
    assert [s[0] for s in seen].count("steady") == 2


async def test_websocket_frames_are_relayed_both_ways() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []
    async with (
        serve(upstream("one", seen)) as one,
        serve(upstream("two", seen)) as two,
        balancer([one, two]) as (url, _pool),
        aiohttp.ClientSession() as http,
    ):
        answers = []
        for text in ("hello", "again"):
            async with http.ws_connect(f"{url}/ws") as ws:
                await ws.send_str(text)
                answers.append((await ws.receive(timeout=5)).data)
    assert answers == ["one:hello", "two:again"]
