"""Every route of the gateway in one place."""

from __future__ import annotations

from aiohttp import web

from channels.console.routes import setup_console_routes
from channels.health import health
from channels.openapi import openapi
from channels.rest import rest_webhook
from channels.static import file_handler
from channels.ws import websocket
from channels.x.wiring import x_crc, x_receive


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/rest/webhook", rest_webhook)
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.yaml", openapi)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/", file_handler("demo.html"))
    app.router.add_get("/demo.css", file_handler("demo.css"))
    app.router.add_get("/widget.js", file_handler("widget.js"))
    app.router.add_get("/widget.css", file_handler("widget.css"))
    app.router.add_get("/webhooks/x", x_crc)  # 404 unless the X channel is configured
    app.router.add_post("/webhooks/x", x_receive)
    setup_console_routes(app)
