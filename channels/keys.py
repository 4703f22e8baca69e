"""Typed application keys, in one module so handlers and the factory share them."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.console.services import ConsoleServices
from channels.conversation import ConversationService
from channels.engine import EngineClient
from channels.handover import Handover
from channels.live.ports import LiveBus
from channels.store import ConversationStore
from channels.triage_gate import TriageModel
from channels.x.intake import XIntake
from channels.x.webhook import XWebhook
from triage.routing.dispatch import BackOffice
from triage.settings import Settings

settings_key = web.AppKey("settings", Settings)
http_key = web.AppKey("http", aiohttp.ClientSession)
engine_key = web.AppKey("engine", EngineClient)
redis_key = web.AppKey("redis", Redis)
store_key = web.AppKey("store", ConversationStore)
database_key = web.AppKey("database", AsyncEngine)
service_key = web.AppKey("conversations", ConversationService)
triage_model_key = web.AppKey("triage_model", TriageModel)
"""Absent when the classifier could not be loaded: the gateway runs without the second opinion."""
back_office_key = web.AppKey("back_office", BackOffice)
sockets_key = web.AppKey("sockets", set[web.WebSocketResponse])
background_key = web.AppKey("background_tasks", set[asyncio.Task[None]])
x_intake_key = web.AppKey("x_intake", XIntake)
"""Present only when X credentials are configured."""
x_webhook_key = web.AppKey("x_webhook", XWebhook)
"""Present only when X credentials and the consumer secret are configured."""
console_key = web.AppKey("console", ConsoleServices)
"""Staff accounts, sessions, presence, audit and the case system, for the operator console."""
live_key = web.AppKey("live", LiveBus)
"""Live conversation events: Redis pub/sub shared by the gateways, or in-process."""
handover_key = web.AppKey("handover", Handover)
"""Staff taking conversations over from the bot (channels/handover.py)."""
