"""`GET /openapi.yaml`: the gateway's OpenAPI 3.1 description (docs/gateway.openapi.yaml).

Served from the repository's docs, so the description clients read is the one the fuzz
tests (tests/fuzz) hold the gateway to.
"""

from __future__ import annotations

from aiohttp import web

from triage.settings import PROJECT_ROOT

OPENAPI_PATH = PROJECT_ROOT / "docs" / "gateway.openapi.yaml"


async def openapi(request: web.Request) -> web.StreamResponse:
    if not OPENAPI_PATH.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(
        OPENAPI_PATH,
        headers={"Content-Type": "application/yaml; charset=utf-8", "Cache-Control": "no-cache"},
    )
