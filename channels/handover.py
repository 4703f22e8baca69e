"""A member of staff taking a conversation over from the bot, and giving it back.

Whatever the channel, the order is the same: the store first (the mode, so the bot stops at
once; the messages, so nothing is lost), then the engine (paused or resumed over its HTTP
API), then the live bus (so the person's widget and every console see it now), then the
channel itself where it needs a delivery of its own (an X direct message). Web chat needs
none: the widget listens on the bus, and a REST client is given staff messages with the
answer to its next message.

A public X post is never answered privately from here: staff reply on X itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from channels import messages
from channels.engine import EngineClient, EngineUnavailable
from channels.live.ports import EventKind, LiveBus, LiveEvent
from channels.store import ConversationStore, Mode, TranscriptEntry
from channels.x.api import XError

log = structlog.get_logger(__name__)

WEBCHAT = "webchat"
REST = "rest"
X_DM = "x_dm"
X_POST = "x_post"
CHANNELS = (WEBCHAT, REST, X_DM, X_POST)

INTERNAL_SLOTS = frozenset(
    {
        "requested_slot",
        "validation_failures",
        "field",
        "session_started_metadata",
        "paused_form",
        "submission_count",
    }
)
"""The bot's bookkeeping, not something the person told it."""


@dataclass(frozen=True)
class Operator:
    username: str
    display_name: str


class HandoverError(Exception):
    """Base: ``str(exc)`` is a sentence for the operator."""


class NotTakenOver(HandoverError):
    """Reply, typing or hand back before taking the conversation over (409)."""


class ChannelNotSupported(HandoverError):
    """The channel cannot take this (a public X post has no private reply) (409)."""


class DeliveryFailed(HandoverError):
    """Stored, but the channel refused or failed (503)."""


class HandoverUnavailable(DeliveryFailed):
    """The conversation store or the engine cannot be reached: nothing was changed (503)."""


class DmSender(Protocol):
    """What the X channel offers staff (`XIntake` fits)."""

    async def send_operator_dm(self, conversation_id: str, text: str) -> str: ...


def channel_by_id(conversation_id: str) -> str | None:
    """The channel an id's shape tells (X conversations), or None."""
    if conversation_id.startswith("x-dm-"):
        return X_DM
    if conversation_id.startswith("x:post:"):
        return X_POST
    return None


def slot_text(value: Any) -> str | None:
    """A slot value as the console shows it; None for nothing worth showing."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value if item is not None) or None
    if isinstance(value, dict):
        return None
    return str(value)


class Handover:
    """Take over, reply, type, hand back, close; what the console's endpoints call."""

    def __init__(
        self,
        store: ConversationStore,
        engine: EngineClient,
        live: LiveBus,
        force_name: str,
        *,
        x_dm: Callable[[], DmSender | None] = lambda: None,
    ) -> None:
        self._store = store
        self._engine = engine
        self._live = live
        self._force_name = force_name
        self._x_dm = x_dm

    async def channel_of(self, conversation_id: str) -> str:
        """Where the person is: ``webchat``, ``rest``, ``x_dm`` or ``x_post``."""
        by_id = channel_by_id(conversation_id)
        if by_id is not None:
            return by_id
        try:
            stored = await self._store.channel_of(conversation_id)
        except Exception as exc:
            log.warning(
                "store_unavailable",
                conversation_id=conversation_id,
                step="channel",
                error=type(exc).__name__,
            )
            return WEBCHAT
        return REST if stored == REST else WEBCHAT

    async def take_over(self, conversation_id: str, operator: Operator) -> None:
        """Mode human (the bot stops at once), the engine paused, the person told."""
        channel = await self._chat_channel(conversation_id)
        if await self._mode(conversation_id) == "human":
            return  # already with staff: nothing to repeat to the person
        await self._set_mode(conversation_id, "human")
        try:
            await self._engine.pause(conversation_id)
        except EngineUnavailable as exc:  # the gateway keeps the bot out regardless
            log.warning("engine_pause_failed", conversation_id=conversation_id, error=str(exc))
        await self._system(conversation_id, channel, messages.STAFF_JOINED, operator)
        await self._event(
            conversation_id, "mode", {"mode": "human", "by": operator.username}, operator
        )
        log.info(
            "taken_over",
            conversation_id=conversation_id,
            operator=operator.username,
            channel=channel,
        )

    async def reply(self, conversation_id: str, operator: Operator, text: str) -> TranscriptEntry:
        """Stored (author "operator"), published, and delivered on the conversation's channel."""
        channel = await self._chat_channel(conversation_id)
        await self._require_human(conversation_id)
        entry = TranscriptEntry(direction="out", author="operator", text=text)
        await self._append(conversation_id, entry)
        await self._event(conversation_id, "message", entry.to_json(), operator)
        if channel == X_DM:
            await self._send_dm(conversation_id, text, required=True)
        log.info(
            "operator_replied",
            conversation_id=conversation_id,
            operator=operator.username,
            channel=channel,
            length=len(text),
        )
        return entry

    async def typing(self, conversation_id: str, operator: Operator, active: bool) -> None:
        """Shown in the widget; other channels have no typing indicator from us."""
        await self._chat_channel(conversation_id)
        await self._require_human(conversation_id)
        await self._event(
            conversation_id, "typing", {"author": "operator", "active": active}, operator
        )

    async def hand_back(self, conversation_id: str, operator: Operator) -> None:
        """The engine resumed, then mode bot, then the person told.

        If the engine cannot be reached the conversation stays with staff (a paused bot
        would say nothing at all), and the operator is asked to try again or close.
        """
        channel = await self._chat_channel(conversation_id)
        await self._require_human(conversation_id)
        try:
            await self._engine.resume(conversation_id)
        except EngineUnavailable as exc:
            log.warning("engine_resume_failed", conversation_id=conversation_id, error=str(exc))
            raise HandoverUnavailable(
                "The virtual assistant cannot be reached right now, so the conversation "
                "stays with you. Try again shortly, or close the chat."
            ) from exc
        await self._set_mode(conversation_id, "bot")
        await self._system(conversation_id, channel, messages.BACK_TO_ASSISTANT, operator)
        await self._event(
            conversation_id, "mode", {"mode": "bot", "by": operator.username}, operator
        )
        log.info("handed_back", conversation_id=conversation_id, operator=operator.username)

    async def close(self, conversation_id: str, operator: Operator, outcome: str) -> None:
        """The person told the chat has ended (and how to reach us again); the bot back."""
        channel = await self.channel_of(conversation_id)
        if channel != X_POST:  # a public post gets no message from here
            was_human = await self._mode(conversation_id) == "human"
            await self._system(
                conversation_id, channel, messages.chat_ended(self._force_name), operator
            )
            try:
                await self._engine.resume(conversation_id)
            except EngineUnavailable as exc:
                log.error(
                    "engine_resume_failed",
                    conversation_id=conversation_id,
                    error=str(exc),
                    step="close",
                )
                await self._resume_later(conversation_id)
            await self._set_mode(conversation_id, "bot")
            if was_human:
                await self._event(
                    conversation_id, "mode", {"mode": "bot", "by": operator.username}, operator
                )
        await self._event(conversation_id, "closed", {"outcome": outcome}, operator)
        log.info(
            "chat_closed",
            conversation_id=conversation_id,
            operator=operator.username,
            channel=channel,
            outcome=outcome,
        )

    async def _resume_later(self, conversation_id: str) -> None:
        """The next message to the bot resumes it first (see `ConversationService.answer`)."""
        try:
            await self._store.mark_resume_pending(conversation_id)
        except Exception as exc:  # the chat is closed either way; the log says what is left
            log.error(
                "resume_pending_not_saved",
                conversation_id=conversation_id,
                error=type(exc).__name__,
            )

    async def collected(self, conversation_id: str) -> dict[str, str]:
        """The slots the bot filled, as text; {} when the engine cannot be asked."""
        if channel_by_id(conversation_id) == X_POST:
            return {}
        try:
            tracker = await self._engine.tracker(conversation_id)
        except EngineUnavailable as exc:
            log.info("engine_tracker_unavailable", conversation_id=conversation_id, error=str(exc))
            return {}
        slots = tracker.get("slots")
        if not isinstance(slots, dict):
            return {}
        found: dict[str, str] = {}
        for name, value in slots.items():
            if not isinstance(name, str) or name in INTERNAL_SLOTS:
                continue
            text = slot_text(value)
            if text is not None:
                found[name] = text
        return found

    # --- steps ----------------------------------------------------------------------------
    async def _chat_channel(self, conversation_id: str) -> str:
        channel = await self.channel_of(conversation_id)
        if channel == X_POST:
            raise ChannelNotSupported(
                "This is a public post on X. Reply to it on X itself: nothing private can "
                "be sent to a public post from here."
            )
        return channel

    async def _mode(self, conversation_id: str) -> Mode:
        try:
            return await self._store.get_mode(conversation_id)
        except Exception as exc:
            raise self._unavailable(conversation_id, "mode", exc) from exc

    async def _require_human(self, conversation_id: str) -> None:
        if await self._mode(conversation_id) != "human":
            raise NotTakenOver("Take over the conversation first: the assistant still has it.")

    async def _set_mode(self, conversation_id: str, mode: Mode) -> None:
        try:
            await self._store.set_mode(conversation_id, mode)
        except Exception as exc:
            raise self._unavailable(conversation_id, "set_mode", exc) from exc

    async def _append(self, conversation_id: str, entry: TranscriptEntry) -> None:
        try:
            await self._store.append(conversation_id, entry)
        except Exception as exc:
            raise self._unavailable(conversation_id, "append", exc) from exc

    def _unavailable(self, conversation_id: str, step: str, exc: Exception) -> HandoverUnavailable:
        log.error(
            "store_unavailable",
            conversation_id=conversation_id,
            step=step,
            error=type(exc).__name__,
        )
        return HandoverUnavailable(
            "The conversation store cannot be reached right now. Try again shortly."
        )

    async def _system(
        self, conversation_id: str, channel: str, text: str, operator: Operator
    ) -> None:
        """A notice to the person: stored, published, and sent as a DM on X (best effort:
        the action it announces has happened, and the transcript shows it)."""
        entry = TranscriptEntry(direction="out", author="system", text=text)
        await self._append(conversation_id, entry)
        await self._event(conversation_id, "message", entry.to_json(), operator)
        if channel == X_DM:
            with contextlib.suppress(DeliveryFailed):  # logged by _send_dm
                await self._send_dm(conversation_id, text, required=False)

    async def _send_dm(self, conversation_id: str, text: str, *, required: bool) -> None:
        sender = self._x_dm()
        if sender is None:
            log.error("x_dm_unavailable", conversation_id=conversation_id, reason="no_x_channel")
            raise DeliveryFailed(
                "Saved, but the X channel is not running here, so it was not sent."
            )
        try:
            await sender.send_operator_dm(conversation_id, text)
        except (XError, LookupError) as exc:
            log.error(
                "x_dm_failed",
                conversation_id=conversation_id,
                required=required,
                error=type(exc).__name__,
            )
            raise DeliveryFailed(
                "Saved, but X did not accept the message. Try again shortly."
            ) from exc

    async def _event(
        self, conversation_id: str, kind: EventKind, data: dict[str, Any], operator: Operator
    ) -> None:
        await self._live.publish(
            LiveEvent(conversation_id, kind, data, origin=f"operator:{operator.username}")
        )
