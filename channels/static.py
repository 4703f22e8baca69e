"""The demo page and the widget, served by the gateway itself (no CDN, CSP 'self')."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def file_handler(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler for one fixed file: no path from the request ever reaches the filesystem."""
    path = STATIC_DIR / name
    content_type = CONTENT_TYPES[path.suffix]

    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": "no-cache"}
        )

    return handler
