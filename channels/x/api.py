"""The port to the X API, and its adapter on tweepy's `AsyncClient`.

tweepy builds every URL as ``"https://api.twitter.com" + route`` and has no setting for the
host. It does use ``client.session`` when one is set, so `RebasedSession` (one pooled aiohttp
session, which tweepy would otherwise open and close per request) rewrites that origin to
``settings.x_api_base``. Only this module knows; tests and the bench point the base at a
local fake X server.
"""

from __future__ import annotations

import abc
import time
from typing import Any

import aiohttp
import structlog
import tweepy
from yarl import URL

from channels.x.models import DirectMessage, MentionBatch, Post
from triage.settings import Settings

log = structlog.get_logger(__name__)

TWEEPY_ORIGIN = "https://api.twitter.com"
MAX_PAGES = 100
"""Safety stop for one read. X serves only the latest 800 mentions (8 pages); all pages must
be read before the cursor moves, because they come newest first."""
REQUEST_TIMEOUT_SECONDS = 10.0


class XError(Exception):
    """Any failure talking to X."""


class XRateLimited(XError):
    """429: nothing more until ``reset_at`` (epoch seconds, from ``x-rate-limit-reset``)."""

    def __init__(self, reset_at: float | None) -> None:
        super().__init__(f"rate limited until {reset_at}")
        self.reset_at = reset_at

    def wait_seconds(self, default: float = 60.0, now: float | None = None) -> float:
        if self.reset_at is None:
            return default
        return max(0.0, self.reset_at - (time.time() if now is None else now))


class XUnavailable(XError):
    """5xx, timeouts, connection errors: worth retrying later."""


class XRejected(XError):
    """A definite refusal (400/401/403/404): retrying the same request will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"X refused the request: HTTP {status}")
        self.status = status
        self.detail = detail


class XApi(abc.ABC):
    """What the X channel needs of the X API."""

    @abc.abstractmethod
    async def mentions(self, since_id: str | None) -> MentionBatch:
        """Every mention newer than ``since_id`` (oldest first), paging through all of them."""

    @abc.abstractmethod
    async def dm_events(self) -> tuple[DirectMessage, ...]:
        """Recent messages sent to the account (oldest first); the caller deduplicates."""

    @abc.abstractmethod
    async def reply(self, post_id: str, text: str) -> str:
        """Post ``text`` as a public reply; the new post's id."""

    @abc.abstractmethod
    async def send_dm(self, participant_id: str, text: str) -> str:
        """Send a direct message; the DM event id."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...


class RebasedSession:
    """An aiohttp session that sends tweepy's ``https://api.twitter.com`` requests to ``base``.

    Duck-typed to the one method tweepy calls (``request``), so no tweepy internals change.
    """

    def __init__(self, base: str, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.base = base.rstrip("/")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    def rebase(self, url: str | URL) -> str | URL:
        if isinstance(url, URL):  # OAuth 1.0a requests arrive already signed and encoded
            raw = str(url)
            if raw.startswith(TWEEPY_ORIGIN):
                return URL(self.base + raw[len(TWEEPY_ORIGIN) :], encoded=True)
            return url
        if url.startswith(TWEEPY_ORIGIN):
            return self.base + url[len(TWEEPY_ORIGIN) :]
        return url

    def request(self, method: str, url: str | URL, **kwargs: Any) -> Any:
        return self._session.request(method, self.rebase(url), **kwargs)

    async def close(self) -> None:
        await self._session.close()


def build_tweepy_client(settings: Settings) -> tuple[Any, RebasedSession]:
    """The one place tweepy is configured (credentials, base URL, shared session).

    `tweepy.asynchronous` is imported here, not at module level: it needs tweepy's ``async``
    extra (async-lru), and a gateway without X credentials must start without it.
    """
    from tweepy.asynchronous import AsyncClient

    client = AsyncClient(
        bearer_token=settings.x_bearer_token or None,
        consumer_key=settings.x_consumer_key or None,
        consumer_secret=settings.x_consumer_secret or None,
        access_token=settings.x_access_token or None,
        access_token_secret=settings.x_access_token_secret or None,
        return_type=dict,
        wait_on_rate_limit=False,  # we wait ourselves, without holding the poll lock
    )
    session = RebasedSession(settings.x_api_base)
    client.session = session
    return client, session


def _post(raw: dict[str, Any], handles: dict[str, str]) -> Post:
    author_id = str(raw.get("author_id", ""))
    return Post(
        id=str(raw["id"]),
        text=str(raw.get("text", "")),
        author_id=author_id,
        author_handle=handles.get(author_id, ""),
    )


def _translate(exc: BaseException) -> XError:
    if isinstance(exc, tweepy.TooManyRequests):
        return XRateLimited(float(exc.reset_time) if exc.reset_time is not None else None)
    if isinstance(exc, tweepy.TwitterServerError):
        return XUnavailable(f"X answered HTTP {exc.response.status}")
    if isinstance(exc, tweepy.HTTPException):
        status = getattr(exc.response, "status", 0) or 0
        return XRejected(int(status), "; ".join(str(m) for m in exc.api_messages)[:200])
    return XUnavailable(type(exc).__name__)


class TweepyXApi(XApi):
    """`XApi` on tweepy's `AsyncClient`; every failure becomes an `XError`."""

    def __init__(self, settings: Settings) -> None:
        self.user_id = settings.x_user_id
        self.client, self._session = build_tweepy_client(settings)
        # Replies and DMs need a user context: OAuth 1.0a when we have its tokens, else the
        # bearer token must be an OAuth 2 user token.
        self._user_auth = bool(settings.x_access_token and settings.x_access_token_secret)

    async def _call(self, method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await method(*args, **kwargs)
        except (TimeoutError, tweepy.TweepyException, aiohttp.ClientError, OSError) as exc:
            raise _translate(exc) from exc
        return result

    async def mentions(self, since_id: str | None) -> MentionBatch:
        posts: list[Post] = []
        newest: str | None = None
        token: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {
                "max_results": 100,
                "expansions": ["author_id"],
                "user_fields": ["username"],
                "tweet_fields": ["author_id", "created_at", "conversation_id"],
            }
            if since_id:
                params["since_id"] = since_id
            if token:
                params["pagination_token"] = token
            page = await self._call(self.client.get_users_mentions, self.user_id, **params)
            meta = page.get("meta", {})
            newest = newest or meta.get("newest_id")
            users = page.get("includes", {}).get("users", [])
            handles = {str(u["id"]): str(u.get("username", "")) for u in users}
            posts.extend(_post(raw, handles) for raw in page.get("data", []))
            token = meta.get("next_token")
            if not token:
                break
        else:
            log.warning("x_mentions_truncated", pages=MAX_PAGES)
        posts.sort(key=lambda p: (len(p.id), p.id))
        return MentionBatch(tuple(posts), newest)

    async def dm_events(self) -> tuple[DirectMessage, ...]:
        page = await self._call(
            self.client.get_direct_message_events,
            event_types=["MessageCreate"],
            dm_event_fields=["id", "text", "event_type", "dm_conversation_id", "sender_id"],
            max_results=100,
            user_auth=self._user_auth,
        )
        messages = [
            DirectMessage(
                id=str(raw["id"]),
                text=str(raw.get("text", "")),
                sender_id=str(raw.get("sender_id", "")),
                dm_conversation_id=str(raw.get("dm_conversation_id", "")),
            )
            for raw in page.get("data", [])
            if raw.get("event_type", "MessageCreate") == "MessageCreate"
        ]
        # Our own replies are events in the same conversations: never answer ourselves.
        messages = [m for m in messages if m.sender_id != self.user_id]
        messages.sort(key=lambda m: (len(m.id), m.id))
        return tuple(messages)

    async def reply(self, post_id: str, text: str) -> str:
        data = await self._call(
            self.client.create_tweet,
            text=text,
            in_reply_to_tweet_id=post_id,
            user_auth=self._user_auth,
        )
        return str(data["data"]["id"])

    async def send_dm(self, participant_id: str, text: str) -> str:
        data = await self._call(
            self.client.create_direct_message,
            participant_id=participant_id,
            text=text,
            user_auth=self._user_auth,
        )
        return str(data["data"]["dm_event_id"])

    async def aclose(self) -> None:
        await self._session.close()
