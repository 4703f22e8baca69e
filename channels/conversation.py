"""What happens to a person's message, whichever channel it came in on.

1. Record it (nothing is lost; a resent id is not processed again).
2. Screen it with triage: a possible emergency gets the 999 guidance at once, stored and
   returned before the engine is asked, and the back office (alert, queue, audit) starts in
   the background.
3. Ask the engine unless a member of staff has the conversation; if the engine fails, tell
   the person what to do instead and queue the conversation for staff.
4. When the conversation is queued for staff (the bot asked, or the engine failed), tell the
   person how long the wait should be, or that nobody can join now and what to do instead.

Every stored message is also published on the live bus (best effort), so a member of staff
watching the conversation sees it at once, whichever gateway they are on; ``origin`` names
the socket that sent it, so that socket does not get its own messages back.

Replies the person must see are stored best-effort: if the store fails after the message
was recorded, the reply is still sent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import structlog

from channels import messages
from channels.engine import BotMessage, EngineClient, EngineUnavailable
from channels.live.ports import LiveBus, LiveEvent
from channels.store import Author, Button, ConversationStore, Mode, TranscriptEntry, utc_now
from channels.triage_gate import (
    BotHandoff,
    Screening,
    TriageGate,
    parse_bot_handoff,
    triage_channel,
)
from channels.waiting import WaitNotice
from triage.decisions import Contact, Priority
from triage.routing import QueueForOperator
from triage.routing.router import queue_priority
from triage.understanding.questions import report_question

ANSWERING_LOOKBACK = 20
"""Transcript entries read to find the bot's last words before a message: the message, any
999 guidance the gateway added, and the bot's replies fit well within it."""

log = structlog.get_logger(__name__)

MAX_KNOWN_CHANNELS = 10_000
"""Conversations whose channel this process has recorded (then it forgets and records again)."""


@dataclass(frozen=True)
class Reply:
    """A message to the person, as stored and as rendered by every channel."""

    text: str
    buttons: tuple[Button, ...]
    ts: str
    fallback: bool = False
    emergency: bool = False
    """The 999 guidance, which channels may show more prominently."""
    author: Author = "bot"
    """``bot`` for the engine's words, ``system`` for the gateway's own."""


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
    origin: str | None = None
    """The socket the message came from (live events of its replies carry it)."""

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
        *,
        live: LiveBus | None = None,
        waiting: WaitNotice | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.live = live
        self._engine = engine
        self._force_name = force_name
        self._waiting = waiting
        self._channels_known: set[str] = set()

    async def record_inbound(
        self,
        conversation_id: str,
        channel: str,
        message_id: str,
        text: str,
        label: str | None = None,
        *,
        origin: str | None = None,
    ) -> bool:
        """Store the message; False when this id was already stored (a resend)."""
        if not await self.store.claim_message_id(
            conversation_id, message_id
        ) and await self._stored(conversation_id, message_id):
            log.info("message_duplicate", conversation_id=conversation_id, message_id=message_id)
            return False
        entry = TranscriptEntry(
            direction="in", author="person", text=text, message_id=message_id, label=label
        )
        await self.store.append(conversation_id, entry)
        await self._remember_channel(conversation_id, channel)
        await self.publish(conversation_id, entry, origin)
        log.info(
            "message_received",
            conversation_id=conversation_id,
            message_id=message_id,
            channel=channel,
            length=len(text),
        )
        return True

    async def _stored(self, conversation_id: str, message_id: str) -> bool:
        """Whether a claimed id also reached the transcript. The claim and the append are two
        writes: if the store went down between them, the person was told the message was not
        saved and sends it again with the same id, which must then be taken, not dropped as a
        duplicate. Read only for resends, which are rare."""
        entries = await self.store.transcript(conversation_id)
        return any(e.message_id == message_id and e.direction == "in" for e in entries)

    async def screen(
        self,
        conversation_id: str,
        channel: str,
        message_id: str,
        text: str,
        *,
        origin: str | None = None,
    ) -> Turn:
        """Triage a recorded message: store the 999 guidance if needed, start the back office.

        Never waits for the engine, Redis queue or database; call it once per new message.
        """
        with_operator = await self._mode(conversation_id) == "human"
        contact = _contact(
            conversation_id, channel, message_id, text, await self._answering(conversation_id)
        )
        screening = self.gate.screen(contact, with_operator)
        self.gate.dispatch(screening)
        immediate = tuple(
            [
                await self._store_out(
                    conversation_id, "system", guidance, emergency=True, origin=origin
                )
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
        return Turn(conversation_id, channel, message_id, text, screening, immediate, origin)

    def unsaved_guidance(
        self, conversation_id: str, channel: str, message_id: str, text: str
    ) -> tuple[Reply, ...]:
        """The 999 guidance for a message the store could not take (not stored, nothing queued:
        the channel says it was not saved, and the resend is screened properly)."""
        contact = _contact(conversation_id, channel, message_id, text)
        screening = self.gate.screen(contact, with_operator=False)
        return tuple(
            Reply(text=guidance, buttons=(), ts=utc_now(), emergency=True, author="system")
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
        if not await self._resume_if_pending(turn.conversation_id):
            return [await self._fallback(turn, "engine could not resume the bot")]
        metadata: dict[str, Any] = dict(extra_metadata or {})
        metadata.update(turn.screening.engine_metadata())
        metadata.update(channel=turn.channel, message_id=turn.message_id)
        try:
            bot_messages = await self._engine.send(turn.conversation_id, turn.text, metadata)
        except EngineUnavailable as exc:
            return [await self._fallback(turn, str(exc))]
        if not bot_messages and await self._mode(turn.conversation_id) != "human":
            # Rasa answers 200 with nothing when a custom action failed (the action server is
            # down): the person must not be left in silence, so this is an outage too.
            return [await self._fallback(turn, "engine sent no reply")]
        return await self._bot_replies(turn, bot_messages)

    async def _resume_if_pending(self, conversation_id: str) -> bool:
        """Resume the bot first if staff closed the chat while the engine was unreachable;
        False (and still pending) if it cannot be resumed now."""
        try:
            pending = await self.store.take_resume_pending(conversation_id)
        except Exception:
            log.exception("store_unavailable", conversation_id=conversation_id, step="resume")
            return True
        if not pending:
            return True
        try:
            await self._engine.resume(conversation_id)
        except EngineUnavailable:
            with contextlib.suppress(Exception):
                await self.store.mark_resume_pending(conversation_id)
            return False
        log.info("engine_resumed_late", conversation_id=conversation_id)
        return True

    async def _bot_replies(self, turn: Turn, bot_messages: list[BotMessage]) -> list[Reply]:
        """Store and return what the person should see; act on payloads meant for us."""
        already_sent = set(turn.screening.guidance)
        replies: list[Reply] = []
        dropped = 0
        handoff: BotHandoff | None = None
        for message in bot_messages:
            if message.custom is not None:
                handoff = self._on_custom(turn, message.custom) or handoff
            elif not message.buttons and message.text in already_sent:
                already_sent.discard(message.text)  # the person saw these exact words already
                dropped += 1
            else:
                replies.append(
                    await self._store_out(
                        turn.conversation_id,
                        "bot",
                        message.text,
                        buttons=message.buttons,
                        origin=turn.origin,
                    )
                )
        if handoff is not None:  # after the bot's own words about the handoff
            notice = await self._wait_notice(turn, handoff.priority)
            if notice is not None:
                replies.append(notice)
        log.info(
            "engine_replied",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            replies=len(replies),
            lengths=[len(r.text) for r in replies],
            duplicates_dropped=dropped,
        )
        return replies

    def _on_custom(self, turn: Turn, custom: dict[str, Any]) -> BotHandoff | None:
        handoff = parse_bot_handoff(custom)
        if handoff is None:
            log.info("custom_payload_ignored", conversation_id=turn.conversation_id)
            return None
        log.info(
            "bot_handoff",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            reason=handoff.reason,
            priority=handoff.priority.value,
        )
        self.gate.bot_handoff(turn.screening, handoff)
        return handoff

    async def _wait_notice(self, turn: Turn, priority: Priority) -> Reply | None:
        """How long until staff can join, stored and published like any system message."""
        if self._waiting is None:
            return None
        text = await self._waiting.text(turn.conversation_id, priority)
        return await self._store_out(turn.conversation_id, "system", text, origin=turn.origin)

    async def publish(
        self, conversation_id: str, entry: TranscriptEntry, origin: str | None = None
    ) -> None:
        """A stored message to whoever watches the conversation; never raises."""
        if self.live is None:
            return
        try:
            await self.live.publish(
                LiveEvent(conversation_id, "message", entry.to_json(), origin=origin)
            )
        except Exception:  # the port promises not to raise; a bug here must not cost a reply
            log.exception("live_publish_failed", conversation_id=conversation_id)

    async def _answering(self, conversation_id: str) -> str | None:
        """The report question the bot asked last, if the person's latest message (already
        in the transcript) is the next thing said: triage reads an answer to "who did it?"
        as an answer, not as an emergency on its model's word alone. None when unknown (the
        store failing here only loses that context, never the message)."""
        try:
            entries = await self.store.transcript(conversation_id, last=ANSWERING_LOOKBACK)
        except Exception:
            log.warning("answering_unknown", conversation_id=conversation_id)
            return None
        people = 0
        for entry in reversed(entries):
            if entry.direction == "in":
                people += 1
                if people > 1:
                    return None
            elif entry.author == "bot":
                return report_question(entry.text)
        return None

    async def _remember_channel(self, conversation_id: str, channel: str) -> None:
        """Once per conversation and process (the store keeps the first channel anyway)."""
        if conversation_id in self._channels_known:
            return
        try:
            await self.store.remember_channel(conversation_id, channel)
        except Exception as exc:  # staff fall back to the id's shape to find the channel
            log.warning(
                "store_unavailable",
                conversation_id=conversation_id,
                step="channel",
                error=type(exc).__name__,
            )
            return
        if len(self._channels_known) >= MAX_KNOWN_CHANNELS:
            self._channels_known.clear()
        self._channels_known.add(conversation_id)

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
        origin: str | None = None,
    ) -> Reply:
        entry = TranscriptEntry(
            direction="out", author=author, text=text, buttons=buttons, emergency=emergency
        )
        try:
            await self.store.append(conversation_id, entry)
        except Exception:  # still send it: an unsaved reply beats silence
            log.exception("store_unavailable", conversation_id=conversation_id, step="reply")
        else:
            await self.publish(conversation_id, entry, origin)
        return Reply(
            text=entry.text,
            buttons=entry.buttons,
            ts=entry.ts,
            fallback=fallback,
            emergency=emergency,
            author=author,
        )

    async def _fallback(self, turn: Turn, reason: str) -> Reply:
        log.warning(
            "engine_unavailable",
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            reason=reason,
        )
        self.gate.engine_down(turn.screening)
        wait = ""
        if self._waiting is not None:  # in the same message: the alternatives are said once
            wait = await self._waiting.clause(
                turn.conversation_id, _queued_priority(turn.screening)
            )
        text = messages.engine_unavailable(self._force_name, wait)
        return await self._store_out(
            turn.conversation_id, "system", text, fallback=True, origin=turn.origin
        )


def _contact(
    conversation_id: str, channel: str, message_id: str, text: str, answering: str | None = None
) -> Contact:
    """The message as triage sees it: the id is the message id, unique per conversation."""
    return Contact(
        id=message_id,
        text=text,
        channel=triage_channel(channel),
        conversation_id=conversation_id,
        answering=answering,
    )


def _queued_priority(screening: Screening) -> Priority:
    """The priority the conversation is queued at when the engine fails (as the gate does)."""
    decision = screening.decision
    priority = queue_priority(decision.priority) if decision is not None else Priority.P3
    queued = screening.plan.first(QueueForOperator) if screening.plan is not None else None
    if queued is not None and queued.priority.rank < priority.rank:
        return queued.priority
    return priority
