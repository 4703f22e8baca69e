"""Every error the gateway gives is JSON ``{"error": ...}``, aiohttp's own included.

Handlers answer their own errors; this middleware covers what reaches aiohttp's defaults
(plain text): an unknown path (404), a method a path does not take (405, ``Allow`` kept), a
body over the size limit (413) and the ``HTTPException``s raised by the X webhook. An
unexpected exception becomes a 500 with a sentence and the 999 advice, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SENTENCES = {
    400: "This request could not be understood.",
    401: "This request is not authorised.",
    403: "This request is not allowed.",
    404: "There is nothing at this address.",
    405: "This address does not accept {method} requests.",
    413: "The request body is too large.",
    415: "This type of request body is not accepted.",
}
INTERNAL = (
    "Something went wrong on our side. If this is an emergency, call 999 now; otherwise "
    "please try again in a minute or call 101."
)
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _sentence(exc: web.HTTPException, method: str) -> str:
    """The exception's own text when a handler gave one, else a sentence for its status."""
    default = f"{exc.status}: {exc.reason}"
    if exc.text and exc.text.strip() != default:
        return exc.text.strip()
    template = SENTENCES.get(exc.status, "This request could not be handled.")
    return template.format(method=method)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: HTTP errors and crashes as JSON; successes untouched."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {name: exc.headers[name] for name in KEPT_HEADERS if name in exc.headers}
        return web.json_response(
            {"error": _sentence(exc, request.method)}, status=exc.status, headers=headers
        )
    except ConnectionResetError:
        raise  # the client left; nobody to answer
    except Exception:
        log.exception("unhandled_error", method=request.method, route=_route(request))
        return web.json_response({"error": INTERNAL}, status=500)


def _route(request: web.Request) -> str | None:
    """The route's pattern, never the path itself (paths can hold ids)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None
