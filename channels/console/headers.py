"""Response headers for the console's pages and API, on top of the gateway's own.

``Referrer-Policy: same-origin`` (not the gateway's ``no-referrer``): under ``no-referrer``
browsers send ``Origin: null`` on a page's own POSTs, which the console's strict origin
check would refuse; ``same-origin`` still sends nothing to other sites. API answers hold
personal data, so nothing may keep them (``Cache-Control: no-store``).
"""

from __future__ import annotations

from aiohttp import web

PREFIX = "/console"
API_PREFIX = "/console/api/"


async def add_console_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Runs after `channels.security.add_security_headers` (registered after it)."""
    path = request.path
    if path == PREFIX or path.startswith(PREFIX + "/") or path.startswith(PREFIX + "."):
        response.headers["Referrer-Policy"] = "same-origin"
    if path.startswith(API_PREFIX):
        response.headers["Cache-Control"] = "no-store"
