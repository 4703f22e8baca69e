"""What happens to a person's message, whichever channel it came in on.

1. Record it (nothing is lost; a resent id is not processed again).
2. Screen it with triage: a possible emergency gets the 999 guidance at once, stored and
   returned before the engine is asked, and the back office (alert, queue, audit) starts in
   the background.
3. Ask the engine unless a member of staff has the conversation; if the engine fails, tell
   the person what to do instead and queue the conversation for staff.

Replies the person must see are stored best-effort: if the store fails after the message
was recorded, the reply is still sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from channels import messages
from channels.engine import BotMessage, EngineClient, EngineUnavailable
from channels.store import Author, Button, ConversationStore, Mode, TranscriptEntry, utc_now
from channels.triage_gate import Screening, TriageGate, parse_bot_handoff, triage_channel
from triage.decisions import Contact

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Reply:
    """A message to the person, as stored and as rendered by every channel."""

    text: str
    buttons: tuple[Button, ...]
    ts: str
    fallback: bool = False
    emergency: bool = False
    """The 999 guidance, which channels may show more prominently."""


@dataclass(frozen=True)
class Turn:
    """A new inbound message after triage: what went out at once, and what happens next."""

    conversation_id: str
    channel: str
    message_id: str
    text: str
    screening: Screening
    immediate: tuple[Reply, ...] = ()
    """The 999 guidance, already stored; channels send it before anything else."""

    @property
    def to_bot(self) -> bool:
        return self.screening.to_bot


class ConversationService:
    """The one path from an inbound message to replies, shared by REST and WebSocket."""

    def __init__(
        self,
        store: ConversationStore,
        engine: EngineClient,
        gate: TriageGate,
        force_name: str,
    ) -> None:
        self.store = store
        self.gate = gate
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

    async def screen(self, conversation_id: str, channel: str, message_id: str, text: str) -> Turn:
        """Triage a recorded message: store the 999 guidance if needed, start the back office.

        Never waits for the engine, Redis queue or database; call it once per new message.
        """
        with_operator = await self._mode(conversation_id) == "human"
        contact = _contact(conversation_id, channel, message_id, text)
        screening = self.gate.screen(contact, with_operator)
        self.gate.dispatch(screening)
        immediate = tuple(
            [
                await self._store_out(conversation_id, "system", guidance, emergency=True)
                for guidance in screening.guidance
            ]
        )
        if immediate:
            log.info(
                "emergency_guidance_sent",
                conversation_id=conversation_id,
                message_id=message_id,
                messages=len(immediate),
            )
        return Turn(conversation_id, channel, message_id, text, screening, immediate)

    def unsaved_guidance(
        self, conversation_id: str, channel: str, message_id: str, text: str
    ) -> tuple[Reply, ...]:
        """The 999 guidance for a message the store could not take (not stored, nothing queued:
        the channel says it was not saved, and the resend is screened properly)."""
        contact = _contact(conversation_id, channel, message_id, text)
        screening = self.gate.screen(contact, with_operator=False)
        return tuple(
            Reply(text=guidance, buttons=(), ts=utc_now(), emergency=True)
            for guidance in screening.guidance
        )

    async def answer(self, turn: Turn, extra_metadata: dict[str, Any] | None = None) -> list[Reply]:
        """The bot's replies to a screened message (none while staff have the conversation).

        On engine failure: the fallback reply, and the conversation is queued for staff.
        """
        if not turn.to_bot:
            return []
        # Staff may have taken over while this message waited behind earlier ones.
        if await self._mode(turn.conversation_id) == "human":
            return []
        metadata: dict[str, Any] = dict(extra_metadata or {})
        metadata.update(turn.screening.engine_metadata())
        metadata.update(channel=turn.channel, message_id=turn.message_id)
        try:
            bot_messages = await self._engine.send(turn.conversation_id, turn.text, metadata)
        except EngineUnavailable as exc:
            return [await self._fallback(turn, str(exc))]
        return await self._bot_replies(turn, bot_messages)

    async def _bot_replies(self, turn: Turn, bot_messages: list[BotMessage]) -> list[Reply]:
        """Store and return what the person should see; act on payloads meant for us."""
        already_sent = set(turn.screening.guidance)
        replies: list[Reply] = []
        dropped = 0
        for message in bot_messages:
            if message.custom is not None:
                self._on_custom(turn, message.custom)
            elif not message.buttons and message.text in already_sent:
                already_sent.discard(message.text)  # the person saw these exact words already
                dropped += 1
            else:
                replies.append(
                    await self._store_out(
                        turn.conversation_id, "bot", message.text, buttons=message.buttons
                    )
                )
        log.info(
            "engine_replied",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            replies=len(replies),
            lengths=[len(r.text) for r in replies],
            duplicates_dropped=dropped,
        )
        return replies

    def _on_custom(self, turn: Turn, custom: dict[str, Any]) -> None:
        handoff = parse_bot_handoff(custom)
        if handoff is None:
            log.info("custom_payload_ignored", conversation_id=turn.conversation_id)
            return
        log.info(
            "bot_handoff",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            reason=handoff.reason,
            priority=handoff.priority.value,
        )
        self.gate.bot_handoff(turn.screening, handoff)

    async def _mode(self, conversation_id: str) -> Mode:
        """The conversation's mode; `bot` if the store cannot say (the 999 guidance and the
        queue do not depend on it, and a silent bot would be worse than an extra answer)."""
        try:
            return await self.store.get_mode(conversation_id)
        except Exception:
            log.exception("store_unavailable", conversation_id=conversation_id, step="mode")
            return "bot"

    async def _store_out(
        self,
        conversation_id: str,
        author: Author,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        fallback: bool = False,
        emergency: bool = False,
    ) -> Reply:
        entry = TranscriptEntry(
            direction="out", author=author, text=text, buttons=buttons, emergency=emergency
        )
        try:
            await self.store.append(conversation_id, entry)
        except Exception:  # still send it: an unsaved reply beats silence
            log.exception("store_unavailable", conversation_id=conversation_id, step="reply")
        return Reply(
            text=entry.text,
            buttons=entry.buttons,
            ts=entry.ts,
            fallback=fallback,
            emergency=emergency,
        )

    async def _fallback(self, turn: Turn, reason: str) -> Reply:
        log.warning(
            "engine_unavailable",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            reason=reason,
        )
        self.gate.engine_down(turn.screening)
        text = messages.engine_unavailable(self._force_name)
        return await self._store_out(turn.conversation_id, "system", text, fallback=True)


def _contact(conversation_id: str, channel: str, message_id: str, text: str) -> Contact:
    """The message as triage sees it: the id is the message id, unique per conversation."""
    return Contact(
        id=message_id, text=text, channel=triage_channel(channel), conversation_id=conversation_id
    )
