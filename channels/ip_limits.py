"""Per-address rate limits at the gateway: one budget each for the REST webhook, WebSocket
upgrades, console sign-in, and everything else (`BLUELAMP_IP_LIMIT_*`, `limits` notation);
and one per conversation for the REST webhook (`BLUELAMP_CONVERSATION_LIMIT_REST`), whose
clients may spread one conversation over many addresses, and one for the widget's socket
messages (`BLUELAMP_CONVERSATION_LIMIT_SOCKET`), so opening many sockets or reconnecting
gains no fresh budget (each socket also keeps its own per-connection limits in `channels.ws`).

Counted in moving windows with the `limits` library, in Redis when it is configured (so
several gateways behind one load balancer share the counts) or in the process for the demo.
Addresses are hashed (no address appears in a Redis key) and IPv6 addresses are counted by
their /64, the block one home or phone is usually given, so rotating through it gains
nothing. The address is the socket's peer, or the client named in ``X-Forwarded-For`` only
when that peer is one of our own proxies (`BLUELAMP_TRUSTED_PROXIES`, CIDRs, none by
default): anyone else could write any address there.

X's signed webhook deliveries are not counted: they come from a handful of X addresses in
bursts exactly when something serious is happening, and each is authenticated by its
signature, so counting them per address could only drop the public's posts.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

import structlog
from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.keys import redis_key, settings_key
from channels.messages import RATE_LIMITED
from triage.settings import Settings

log = structlog.get_logger(__name__)

NAMESPACE = "ip"
CHECK_TIMEOUT_SECONDS = 1.0
"""A limiter that cannot answer this quickly counts as down: it must never hold up the chat."""
PAUSE_SECONDS = 5.0
"""After a failure the public chat's requests skip the limiter for this long (one log line,
no waits); the console's still ask it, and are refused only when their own check fails."""
IPV6_PREFIX = 64

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Budget(StrEnum):
    REST = "rest"
    WEBSOCKET = "websocket"
    LOGIN = "login"
    OTHER = "other"
    CONVERSATION = "conversation"
    CONVERSATION_SOCKET = "conversation_socket"


UNCOUNTED_PATHS = frozenset({"/webhooks/x"})
FAIL_CLOSED_PREFIXES = ("/console/api/", "/console/ws")
PUBLIC_MESSAGE = (
    "Too many requests have come from your address. Please wait {wait} and try again. "
    "If this is an emergency, call 999."
)
CONSOLE_MESSAGE = "Too many requests have come from your address. Please wait {wait}."
CONSOLE_UNAVAILABLE = (
    "Part of the system is not available at the moment, so nothing was done. "
    "Please try again in a minute."
)


def budget_for(path: str) -> Budget | None:
    """Which budget a request spends; None for the few paths that are not counted."""
    if path in UNCOUNTED_PATHS:
        return None
    if path == "/webhooks/rest/webhook":
        return Budget.REST
    if path in ("/ws", "/console/ws"):
        return Budget.WEBSOCKET
    if path == "/console/api/login":
        return Budget.LOGIN
    return Budget.OTHER


def is_console(path: str) -> bool:
    return path == "/console" or path.startswith(("/console/", "/console."))


def parse_networks(raw: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (a bare address is its own /32 or /128); ValueError if bad."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip()
    )


def _address(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: Iterable[Network]
) -> str:
    """The address to count: the peer, unless the peer is a trusted proxy; then the nearest
    address in ``X-Forwarded-For`` (read from the right) that is not one of our proxies.

    Each trusted proxy appends the address it saw, so everything left of the first
    untrusted hop was written by the client and is ignored. A malformed hop stops the walk
    at the last trusted address.
    """
    proxies = tuple(proxies)
    if peer is None:
        return "unknown"
    current = _address(peer)
    if current is None:
        return peer  # not an IP socket (e.g. a Unix socket behind a local proxy)
    if not proxies or not _trusted(current, proxies):
        return str(current)
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)


def counting_key(address: str) -> str:
    """A hashed key: an IPv6 address counts as its /64."""
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        address = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    elif parsed is not None:
        address = str(parsed)
    return "addr:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def budgets(settings: Settings) -> dict[Budget, str]:
    return {
        Budget.REST: settings.ip_limit_rest,
        Budget.WEBSOCKET: settings.ip_limit_websocket,
        Budget.LOGIN: settings.ip_limit_login,
        Budget.OTHER: settings.ip_limit_other,
        Budget.CONVERSATION: settings.conversation_limit_rest,
        Budget.CONVERSATION_SOCKET: settings.conversation_limit_socket,
    }


class IpLimiter:
    """Moving-window budgets per address over a `limits` storage (memory or Redis).

    When its Redis cannot be reached the limiter is *down*: the middleware then lets the
    public chat through (an emergency must never be refused because a rate limiter is
    broken; the chat's own stores answer for themselves) and refuses only the console API,
    whose sign-in is exactly what unlimited guessing would attack (and which cannot work
    without Redis anyway: its sessions live there). The outage is logged once per pause,
    and the public chat does not ask again until the pause is over, so an outage never
    adds a timeout to every message.
    """

    def __init__(
        self,
        storage: MemoryStorage | RedisStorage,
        limits: Mapping[Budget, str],
        proxies: tuple[Network, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self.items: dict[Budget, RateLimitItem] = {b: parse(v) for b, v in limits.items()}
        self.proxies = proxies
        self._clock = clock
        self._paused_until = 0.0

    @classmethod
    def for_settings(cls, settings: Settings, redis: Redis | None) -> IpLimiter:
        """On the gateway's own Redis client (under ``<prefix>limits``) when it has one."""
        storage: MemoryStorage | RedisStorage
        if redis is not None and settings.redis_url:
            prefix = settings.extra.get("redis_key_prefix") or settings.redis_prefix
            shared: dict[str, Any] = {"connection_pool": redis.connection_pool}
            storage = RedisStorage(
                "async+" + settings.redis_url,
                implementation="redispy",
                key_prefix=f"{prefix}limits",
                **shared,
            )
        else:
            storage = MemoryStorage()
        return cls(storage, budgets(settings), parse_networks(settings.trusted_proxies))

    @property
    def down(self) -> bool:
        return self._clock() < self._paused_until

    def mark_down(self, error: BaseException) -> None:
        if not self.down:
            log.warning("ip_limit_unavailable", error=type(error).__name__, pause=PAUSE_SECONDS)
        self._paused_until = self._clock() + PAUSE_SECONDS

    async def hit(self, budget: Budget, key: str) -> int | None:
        """Spend one request; None if allowed, else whole seconds until one would be.

        Raises `RedisError`, `OSError` or `TimeoutError` when the counts cannot be reached.
        """
        item = self.items[budget]
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            if await self._limiter.hit(item, NAMESPACE, budget.value, key):
                return None
            stats = await self._limiter.get_window_stats(item, NAMESPACE, budget.value, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


ip_limiter_key = web.AppKey("ip_limiter", IpLimiter)
"""Here rather than in `channels.keys`, which this module imports."""


async def ip_limits_ctx(app: web.Application) -> AsyncIterator[None]:
    """After `store_ctx`, whose Redis client the counts share (and which closes it)."""
    app[ip_limiter_key] = IpLimiter.for_settings(app[settings_key], app.get(redis_key))
    yield


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def too_many(path: str, wait: int) -> web.Response:
    template = CONSOLE_MESSAGE if is_console(path) else PUBLIC_MESSAGE
    return web.json_response(
        {"error": template.format(wait=_wait_text(wait))},
        status=429,
        headers={"Retry-After": str(wait)},
    )


@web.middleware
async def ip_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Spend the request's budget before the handler runs; 429 with Retry-After when spent."""
    limiter = request.app.get(ip_limiter_key)
    budget = budget_for(request.path)
    if limiter is None or budget is None:
        return await handler(request)
    console = request.path.startswith(FAIL_CLOSED_PREFIXES)
    if limiter.down and not console:
        return await handler(request)
    address = client_address(
        request.remote, request.headers.getall("X-Forwarded-For", []), limiter.proxies
    )
    try:
        wait = await limiter.hit(budget, counting_key(address))
    except (RedisError, OSError, TimeoutError) as exc:
        limiter.mark_down(exc)
        if console:  # the console waits: its sign-in is what unlimited guessing attacks
            return web.json_response({"error": CONSOLE_UNAVAILABLE}, status=503)
        return await handler(request)  # the public chat goes on
    if wait is not None:
        log.info("ip_rate_limited", budget=budget.value, retry_after=wait)
        return too_many(request.path, wait)
    return await handler(request)


async def conversation_wait(
    limiter: IpLimiter | None, budget: Budget, conversation_id: str
) -> int | None:
    """Spend one of the conversation's messages from ``budget``: None when allowed, else
    whole seconds to wait. Fails open like the per-address budgets: this is the public chat.
    """
    if limiter is None or limiter.down:
        return None
    key = "conv:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:32]
    try:
        wait = await limiter.hit(budget, key)
    except (RedisError, OSError, TimeoutError) as exc:
        limiter.mark_down(exc)
        return None
    if wait is not None:
        log.info(
            "conversation_rate_limited",
            budget=budget.value,
            conversation_id=conversation_id,
            retry_after=wait,
        )
    return wait


async def conversation_limited(request: web.Request, conversation_id: str) -> web.Response | None:
    """Spend one of the conversation's REST messages: None when allowed, else the 429."""
    limiter = request.app.get(ip_limiter_key)
    wait = await conversation_wait(limiter, Budget.CONVERSATION, conversation_id)
    if wait is None:
        return None
    return web.json_response(
        {"error": RATE_LIMITED}, status=429, headers={"Retry-After": str(wait)}
    )
