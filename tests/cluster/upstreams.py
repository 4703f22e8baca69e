"""Small aiohttp upstreams for the balancer tests (scripts/lb.py and the local HAProxy)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from scripts.stack import free_port


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def upstream(
    name: str, seen: list[tuple[str, str, dict[str, str], bytes]], *, drops: bool = False
) -> web.Application:
    """Answers with its name and records (name, method and path, headers, body); with
    ``drops``, reads every request to ``/drop`` and hangs up without answering."""

    async def echo(request: web.Request) -> web.StreamResponse:
        if request.path == "/ws":
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                await ws.send_str(f"{name}:{message.data}")
            return ws
        body = await request.read()
        seen.append((name, f"{request.method} {request.path_qs}", dict(request.headers), body))
        if drops and request.path == "/drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        return web.Response(text=name, headers={"Keep-Alive": "timeout=5", "X-Kept": "yes"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app
