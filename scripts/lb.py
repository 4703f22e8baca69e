"""A small round-robin reverse proxy for the local cluster (`make cluster`, tests/cluster).

Production puts HAProxy in front of each pool (deploy/haproxy.cfg); this stands in for it on
one machine with nothing more to install. Every listener has a pool of upstreams and picks
the next one for every request (no stickiness), so consecutive messages of one conversation
really go to different gateways, and the gateways' calls to different engines: the shared
Redis and PostgreSQL state, not process affinity, must keep conversations whole.

- HTTP: method, path, query, body and headers (minus hop-by-hop ones) go upstream with
  ``X-Forwarded-For``/``-Proto``/``-Host`` added; the answer comes back streamed, with
  ``X-Bluelamp-Upstream`` naming the upstream that served it (e.g. ``gateways-2``).
- WebSockets: the upgrade is made upstream first, then frames are relayed both ways.
- An upstream that refuses the connection is skipped and the next one tried, whatever the
  method (nothing was sent). Any other failure is retried only for idempotent methods: a
  POST that may have reached a gateway is never sent twice.
- One log line per request: pool, upstream, method, path (never the query: it may carry the
  engine's token), status and milliseconds; never a body.
- ``--status-port``: ``GET /health`` (this process is up) and ``GET /stats`` (requests and
  failures per upstream), for the launcher and the cluster test.

Usage: ``python scripts/lb.py --pool gateways=8080=http://127.0.0.1:8081,http://127.0.0.1:8082
--pool engines=5005=http://127.0.0.1:5006,http://127.0.0.1:5007 --status-port 8090``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict, CIMultiDictProxy

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
"""RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded."""
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
UPSTREAM_HEADER = "X-Bluelamp-Upstream"
CONNECT_TIMEOUT_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 120.0
"""Longer than any upstream's own timeout (the gateway gives the engine 10 s)."""
CHUNK = 64 * 1024


@dataclass
class Pool:
    """One listener's upstreams, taken in turn request by request."""

    name: str
    port: int
    upstreams: tuple[str, ...]
    requests: list[int] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    _turn: int = 0

    def __post_init__(self) -> None:
        if not self.upstreams:
            raise ValueError(f"pool {self.name} has no upstreams")
        self.upstreams = tuple(u.rstrip("/") for u in self.upstreams)
        self.requests = [0] * len(self.upstreams)
        self.failures = [0] * len(self.upstreams)

    def order(self) -> list[int]:
        """Every upstream's index, starting with the next in turn (then the fallbacks)."""
        start = self._turn % len(self.upstreams)
        self._turn += 1
        count = len(self.upstreams)
        return [(start + i) % count for i in range(count)]

    def label(self, index: int) -> str:
        return f"{self.name}-{index + 1}"

    def stats(self) -> dict[str, dict[str, Any]]:
        return {
            self.label(i): {"url": url, "requests": self.requests[i], "failures": self.failures[i]}
            for i, url in enumerate(self.upstreams)
        }


def parse_pool(spec: str) -> Pool:
    """``name=port=url,url``."""
    try:
        name, port, urls = spec.split("=", 2)
        return Pool(name, int(port), tuple(u for u in urls.split(",") if u))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected name=port=url[,url...], got {spec!r}") from exc


def forward_headers(
    headers: CIMultiDictProxy[str], peer: str | None, scheme: str
) -> CIMultiDict[str]:
    """The client's headers minus hop-by-hop ones (and those its Connection names), plus
    the ``X-Forwarded-*`` trio; the Host header is kept, as HAProxy does."""
    named = {
        token.strip().lower()
        for value in headers.getall("Connection", [])
        for token in value.split(",")
    }
    out: CIMultiDict[str] = CIMultiDict()
    for key, value in headers.items():
        lower = key.lower()
        if lower in HOP_BY_HOP or lower in named or lower == "content-length":
            continue
        if lower.startswith("sec-websocket-"):  # the upstream handshake makes its own
            continue
        out.add(key, value)
    if peer:
        prior = headers.get("X-Forwarded-For")
        out["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    out.setdefault("X-Forwarded-Proto", scheme)
    if "Host" in headers:
        out.setdefault("X-Forwarded-Host", headers["Host"])
    return out


def response_headers(headers: Iterable[tuple[str, str]]) -> CIMultiDict[str]:
    out: CIMultiDict[str] = CIMultiDict()
    for key, value in headers:
        if key.lower() not in HOP_BY_HOP:
            out.add(key, value)
    return out


class Proxy:
    """The handler of one pool's listener."""

    def __init__(self, pool: Pool, session: aiohttp.ClientSession) -> None:
        self.pool = pool
        self.session = session

    def log(self, index: int | None, method: str, path: str, status: int, started: float) -> None:
        upstream = "-" if index is None else self.pool.label(index)
        ms = (time.monotonic() - started) * 1000
        print(
            f"lb pool={self.pool.name} upstream={upstream} method={method} path={path} "
            f"status={status} ms={ms:.1f}",
            flush=True,
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.websocket(request)
        return await self.http(request)

    async def http(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        body = await request.read()
        headers = forward_headers(request.headers, request.remote, request.scheme)
        for index in self.pool.order():
            url = self.pool.upstreams[index] + request.path_qs
            try:
                upstream = await self.session.request(
                    request.method,
                    url,
                    headers=headers,
                    data=body or None,
                    allow_redirects=False,
                )
            except aiohttp.ClientConnectorError:
                self.pool.failures[index] += 1  # refused or unreachable: nothing was sent
                continue
            except (aiohttp.ClientError, TimeoutError):
                self.pool.failures[index] += 1
                if request.method in IDEMPOTENT:
                    continue
                self.log(index, request.method, request.path, 502, started)
                return web.json_response(
                    {"error": "the service did not answer; please try again"}, status=502
                )
            self.pool.requests[index] += 1
            async with upstream:
                out = web.StreamResponse(
                    status=upstream.status,
                    reason=upstream.reason,
                    headers=response_headers(upstream.headers.items()),
                )
                out.headers[UPSTREAM_HEADER] = self.pool.label(index)
                await out.prepare(request)
                async for chunk in upstream.content.iter_chunked(CHUNK):
                    await out.write(chunk)
                await out.write_eof()
            self.log(index, request.method, request.path, upstream.status, started)
            return out
        self.log(None, request.method, request.path, 502, started)
        return web.json_response({"error": "no server could take the request"}, status=502)

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        headers = forward_headers(request.headers, request.remote, request.scheme)
        protocols = tuple(
            p.strip()
            for value in request.headers.getall("Sec-WebSocket-Protocol", [])
            for p in value.split(",")
            if p.strip()
        )
        for index in self.pool.order():
            url = self.pool.upstreams[index] + request.path_qs
            try:
                upstream = await self.session.ws_connect(
                    url, headers=headers, protocols=protocols, autoping=True
                )
            except aiohttp.WSServerHandshakeError as exc:  # the upstream said no: pass it on
                self.pool.requests[index] += 1
                self.log(index, "WS", request.path, exc.status, started)
                return web.json_response(
                    {"error": "the chat could not be opened"}, status=exc.status or 502
                )
            except (aiohttp.ClientError, TimeoutError):
                self.pool.failures[index] += 1  # an upgrade changes nothing: try the next
                continue
            self.pool.requests[index] += 1
            client = web.WebSocketResponse(
                protocols=(upstream.protocol,) if upstream.protocol else ()
            )
            client.headers[UPSTREAM_HEADER] = self.pool.label(index)
            await client.prepare(request)
            self.log(index, "WS", request.path, 101, started)
            async with upstream:
                await relay(client, upstream)
            return client
        self.log(None, "WS", request.path, 502, started)
        return web.json_response({"error": "no server could take the request"}, status=502)


async def _pump(
    source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
) -> None:
    """Frames from one side to the other until either closes; the close code is passed on."""
    async for message in source:
        if message.type == WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif message.type == WSMsgType.ERROR:
            break
    if not sink.closed:
        code = source.close_code or aiohttp.WSCloseCode.OK
        await sink.close(code=code)


async def relay(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    tasks = [
        asyncio.create_task(_pump(client, upstream)),
        asyncio.create_task(_pump(upstream, client)),
    ]
    try:
        _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
        for ws in (client, upstream):
            if not ws.closed:
                await ws.close()


def pool_app(pool: Pool, session: aiohttp.ClientSession) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", Proxy(pool, session).handle)
    return app


def status_app(pools: list[Pool]) -> web.Application:
    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def stats(_: web.Request) -> web.Response:
        return web.json_response({pool.name: pool.stats() for pool in pools})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    return app


async def serve(pools: list[Pool], host: str, status_port: int | None) -> None:
    """Listen on every pool's port (and the status port) until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    timeout = aiohttp.ClientTimeout(
        total=REQUEST_TIMEOUT_SECONDS, sock_connect=CONNECT_TIMEOUT_SECONDS
    )
    # No cookie jar (one client's cookies must never go out with another's request) and no
    # decompression (bodies pass through as the upstream encoded them).
    async with aiohttp.ClientSession(
        timeout=timeout,
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
    ) as session:
        runners = []
        apps = [(pool_app(pool, session), pool.port) for pool in pools]
        if status_port is not None:
            apps.append((status_app(pools), status_port))
        for app, port in apps:
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            runners.append(runner)
        for pool in pools:
            print(
                f"lb {pool.name} on http://{host}:{pool.port} -> {', '.join(pool.upstreams)}",
                flush=True,
            )
        await stop.wait()
        for runner in reversed(runners):
            await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pool", type=parse_pool, action="append", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--status-port", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        import uvloop  # less CPU per proxied byte; HAProxy does this job in production
    except ImportError:
        asyncio.run(serve(args.pool, args.host, args.status_port))
    else:
        uvloop.run(serve(args.pool, args.host, args.status_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
