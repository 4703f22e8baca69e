"""Client for the Rasa engine's REST channel and HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    """Posts a person's message to the engine; turns every failure into EngineUnavailable."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

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
            async with self._session.get(
                f"{self._base_url}/status", timeout=client_timeout
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
