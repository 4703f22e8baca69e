"""Security headers on every response, and the WebSocket origin check."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from triage.settings import Settings

# Nothing inline, nothing from elsewhere, and (Trusted Types) no HTML-parsing DOM sinks at
# all: the browser itself refuses innerHTML and the like on our pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare runs for every response, errors and the WebSocket upgrade too."""
    response.headers.update(HEADERS)


def allowed_origins(settings: Settings) -> set[str]:
    """Extra origins (comma-separated `allowed_origins` in Settings.extra) that may embed chat."""
    raw = settings.extra.get("allowed_origins", "")
    return {item.strip().rstrip("/") for item in raw.split(",") if item.strip()}


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    """Stop other sites' pages opening a chat socket in a visitor's name (same host or listed).

    Requests without Origin come from non-browser clients and are allowed.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin.rstrip("/") in allowed_origins(settings):
        return True
    try:
        return URL(origin).host_port_subcomponent == request.host
    except ValueError:
        return False
