"""What happens to a person's message, whichever channel it came in on.

Record it first (nothing is lost), then ask the engine unless a member of staff has the
conversation; if the engine fails, tell the person what to do instead and queue the
conversation for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from channels import messages
from channels.engine import BotMessage, EngineClient, EngineUnavailable
from channels.store import Button, ConversationStore, PendingHuman, TranscriptEntry, utc_now

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Reply:
    """A message to the person, as stored and as rendered by every channel."""

    text: str
    buttons: tuple[Button, ...]
    ts: str
    fallback: bool = False


class ConversationService:
    """The one path from an inbound message to replies, shared by REST and WebSocket."""

    def __init__(self, store: ConversationStore, engine: EngineClient, force_name: str) -> None:
        self.store = store
        self._engine = engine
        self._force_name = force_name

    async def record_inbound(
        self,
        conversation_id: str,
        channel: str,
        message_id: str,
        text: str,
        label: str | None = None,
    ) -> bool:
        """Store the message; False when this id was already stored (a resend)."""
        if not await self.store.claim_message_id(conversation_id, message_id):
            log.info("message_duplicate", conversation_id=conversation_id, message_id=message_id)
            return False
        entry = TranscriptEntry(
            direction="in", author="person", text=text, message_id=message_id, label=label
        )
        await self.store.append(conversation_id, entry)
        log.info(
            "message_received",
            conversation_id=conversation_id,
            message_id=message_id,
            channel=channel,
            length=len(text),
        )
        return True

    async def wants_bot(self, conversation_id: str) -> bool:
        """False while a member of staff has the conversation: the bot stays quiet."""
        return await self.store.get_mode(conversation_id) == "bot"

    async def reply(
        self,
        conversation_id: str,
        channel: str,
        message_id: str,
        text: str,
        extra_metadata: dict[str, Any] | None = None,
    ) -> list[Reply]:
        """Ask the engine and store its replies; on failure the fallback reply and a queue item."""
        metadata: dict[str, Any] = dict(extra_metadata or {})
        metadata.update(channel=channel, message_id=message_id)
        try:
            bot_messages = await self._engine.send(conversation_id, text, metadata)
        except EngineUnavailable as exc:
            return [await self._fallback(conversation_id, channel, message_id, str(exc))]
        replies = [await self._store_bot(conversation_id, m) for m in bot_messages]
        log.info(
            "engine_replied",
            conversation_id=conversation_id,
            message_id=message_id,
            replies=len(replies),
            lengths=[len(r.text) for r in replies],
        )
        return replies

    async def _store_bot(self, conversation_id: str, message: BotMessage) -> Reply:
        entry = TranscriptEntry(
            direction="out", author="bot", text=message.text, buttons=message.buttons
        )
        await self.store.append(conversation_id, entry)
        return Reply(text=entry.text, buttons=entry.buttons, ts=entry.ts)

    async def _fallback(
        self, conversation_id: str, channel: str, message_id: str, reason: str
    ) -> Reply:
        log.warning(
            "engine_unavailable",
            conversation_id=conversation_id,
            message_id=message_id,
            reason=reason,
        )
        text = messages.engine_unavailable(self._force_name)
        entry = TranscriptEntry(direction="out", author="system", text=text, ts=utc_now())
        await self.store.append(conversation_id, entry)
        await self.store.push_pending_human(
            PendingHuman(
                conversation_id=conversation_id,
                channel=channel,
                reason="engine_unavailable",
                message_id=message_id,
            )
        )
        return Reply(text=text, buttons=(), ts=entry.ts, fallback=True)
