"""Every route of the operator console (called from `channels.routes.setup_routes`)."""

from __future__ import annotations

from aiohttp import web

from channels.console import (
    canned,
    case_api,
    conversation_api,
    drafts_api,
    login,
    queue_api,
    socket,
    supervisor_api,
)
from channels.static import file_handler

API = "/console/api"
CONVERSATION = API + "/conversations/{cid}"
ITEM = API + "/items/{item_id}"
DRAFT = API + "/drafts/{cid}"


def setup_console_routes(app: web.Application) -> None:
    app.router.add_get("/console", file_handler("console.html"))
    app.router.add_get("/console.js", file_handler("console.js"))
    app.router.add_get("/console.css", file_handler("console.css"))
    app.router.add_get("/console/ws", socket.console_socket)

    app.router.add_post(API + "/login", login.login)
    app.router.add_post(API + "/logout", login.logout)
    app.router.add_get(API + "/me", login.me)

    app.router.add_get(API + "/queue", queue_api.queue)
    app.router.add_post(ITEM + "/claim", queue_api.claim)
    app.router.add_post(ITEM + "/release", queue_api.release)
    app.router.add_post(ITEM + "/reassign", queue_api.reassign)

    app.router.add_get(CONVERSATION, conversation_api.view)
    app.router.add_post(CONVERSATION + "/takeover", conversation_api.take_over)
    app.router.add_post(CONVERSATION + "/messages", conversation_api.send_message)
    app.router.add_post(CONVERSATION + "/typing", conversation_api.typing)
    app.router.add_post(CONVERSATION + "/handback", conversation_api.hand_back)
    app.router.add_post(CONVERSATION + "/close", conversation_api.close)
    app.router.add_get(CONVERSATION + "/case-draft", case_api.case_draft)
    app.router.add_post(CONVERSATION + "/case", case_api.create_case)
    app.router.add_post(CONVERSATION + "/attach", case_api.attach_case)

    app.router.add_get(API + "/drafts", drafts_api.list_drafts)
    app.router.add_get(DRAFT, drafts_api.view_draft)
    app.router.add_post(DRAFT + "/follow-up", drafts_api.follow_up)

    app.router.add_get(API + "/canned", canned.canned)
    app.router.add_get(API + "/outcomes", canned.outcomes)
    app.router.add_get(API + "/crime-types", canned.crime_types)

    app.router.add_get(API + "/supervisor/overview", supervisor_api.overview)
    app.router.add_post(API + "/supervisor/export", supervisor_api.export)
    app.router.add_get(API + "/audit", supervisor_api.audit)
