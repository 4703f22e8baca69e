"""Client for the Rasa engine's REST channel and HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import structlog

from channels.store import Button

log = structlog.get_logger(__name__)


class EngineUnavailable(Exception):
    """The engine did not answer in time or answered with something unusable."""


@dataclass(frozen=True)
class BotMessage:
    """One reply of the engine, reduced to what the channels render.

    ``custom`` is a `json_message` an action sent for the gateway itself (see
    docs/bot-contract.md); such a message is never shown to the person.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] | None = None


def _parse_buttons(raw: Any) -> tuple[Button, ...]:
    if not isinstance(raw, list):
        return ()
    buttons = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("title"), str):
            payload = item.get("payload")
            buttons.append(
                Button(title=item["title"], payload=payload if isinstance(payload, str) else "")
            )
    return tuple(buttons)


def parse_replies(data: Any) -> list[BotMessage]:
    """Keep text, buttons and custom payloads; images and attachments are ignored for now."""
    if not isinstance(data, list):
        raise EngineUnavailable("engine reply is not a list")
    replies = []
    for item in data:
        if not isinstance(item, dict):
            continue
        raw_text = item.get("text")
        text = raw_text if isinstance(raw_text, str) else ""
        buttons = _parse_buttons(item.get("buttons"))
        if text or buttons:
            replies.append(BotMessage(text=text, buttons=buttons))
        custom = item.get("custom")
        if isinstance(custom, dict):
            replies.append(BotMessage(text="", custom=custom))
    return replies


class EngineClient:
    """Posts a person's message to the engine; turns every failure into EngineUnavailable.

    The HTTP API calls (pause, resume, tracker) carry ``token`` when the engine was started
    with ``--auth-token``; the REST channel webhook needs none.
    """

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, timeout: float, token: str = ""
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._token = token

    def _api(self, conversation_id: str, tail: str = "") -> tuple[str, dict[str, str]]:
        """The tracker URL of a conversation (id quoted as a path segment) and its query."""
        url = f"{self._base_url}/conversations/{quote(conversation_id, safe='')}/tracker{tail}"
        return url, ({"token": self._token} if self._token else {})

    async def _api_call(
        self, method: str, conversation_id: str, tail: str = "", body: Any = None
    ) -> Any:
        url, params = self._api(conversation_id, tail)
        try:
            async with self._session.request(
                method, url, params=params, json=body, timeout=self._timeout
            ) as resp:
                if resp.status != 200:
                    raise EngineUnavailable(f"engine API answered HTTP {resp.status}")
                return await resp.json(content_type=None)
        except TimeoutError as exc:
            raise EngineUnavailable("engine timed out") from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise EngineUnavailable(type(exc).__name__) from exc

    async def pause(self, conversation_id: str) -> None:
        """Rasa's ConversationPaused: the bot stays silent while a member of staff chats."""
        await self._api_call("POST", conversation_id, "/events", {"event": "pause"})

    async def resume(self, conversation_id: str) -> None:
        """Rasa's ConversationResumed: the bot answers again."""
        await self._api_call("POST", conversation_id, "/events", {"event": "resume"})

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker (slots, events, active loop) as the engine holds it."""
        data = await self._api_call("GET", conversation_id)
        if not isinstance(data, dict):
            raise EngineUnavailable("engine tracker is not an object")
        return data

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[BotMessage]:
        url = f"{self._base_url}/webhooks/rest/webhook"
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self._session.post(url, json=body, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise EngineUnavailable(f"engine answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except TimeoutError as exc:
            raise EngineUnavailable("engine timed out") from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise EngineUnavailable(type(exc).__name__) from exc
        return parse_replies(data)

    async def is_up(self, timeout: float) -> bool:
        """`/status` says whether a model is loaded; `/version` if the API needs a token."""
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        try:
            params = {"token": self._token} if self._token else {}
            async with self._session.get(
                f"{self._base_url}/status", params=params, timeout=client_timeout
            ) as resp:
                if resp.status == 200:
                    return True
                if resp.status not in (401, 403):
                    return False
            async with self._session.get(
                f"{self._base_url}/version", timeout=client_timeout
            ) as resp:
                return resp.status == 200
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.info("engine_health_failed", error=type(exc).__name__)
            return False
