"""The conversation store port: what the gateway keeps about each conversation.

The gateway records every message here before anything else can fail, so nothing a person
sends is lost. Adapters: `MemoryConversationStore` (demo default) and
`RedisConversationStore` (shared by several gateways).
"""

from __future__ import annotations

import abc
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

Mode = Literal["bot", "human"]
Direction = Literal["in", "out"]
Author = Literal["person", "bot", "system", "operator"]

MODES: tuple[str, ...] = get_args(Mode)


def utc_now() -> str:
    """An ISO 8601 UTC timestamp, the one format every transcript and frame uses."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Button:
    """A quick reply: what the person sees (`title`) and what is sent back (`payload`)."""

    title: str
    payload: str


@dataclass(frozen=True)
class TranscriptEntry:
    """One message in a conversation; transcripts are append-only."""

    direction: Direction
    author: Author
    text: str
    ts: str = field(default_factory=utc_now)
    message_id: str | None = None
    label: str | None = None
    buttons: tuple[Button, ...] = ()
    emergency: bool = False
    """The gateway's 999 guidance: the widget shows it prominently, after a reload too."""

    def to_json(self) -> dict[str, Any]:
        """The wire and storage form (also what `history` sends to the widget)."""
        data = asdict(self)
        data["buttons"] = [asdict(b) for b in self.buttons]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranscriptEntry:
        return cls(
            direction=data["direction"],
            author=data["author"],
            text=data["text"],
            ts=data["ts"],
            message_id=data.get("message_id"),
            label=data.get("label"),
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            emergency=bool(data.get("emergency", False)),
        )


def dumps(data: dict[str, Any]) -> str:
    """Compact JSON for storage."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class ConversationStore(abc.ABC):
    """Mode, transcript and seen message ids (the operator queue is `triage.queue`)."""

    @abc.abstractmethod
    async def get_mode(self, conversation_id: str) -> Mode:
        """`bot` unless a member of staff has taken the conversation over."""

    @abc.abstractmethod
    async def set_mode(self, conversation_id: str, mode: Mode) -> None: ...

    @abc.abstractmethod
    async def append(self, conversation_id: str, entry: TranscriptEntry) -> None: ...

    @abc.abstractmethod
    async def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        """Every entry, oldest first."""

    @abc.abstractmethod
    async def claim_message_id(self, conversation_id: str, message_id: str) -> bool:
        """True the first time an id is seen: resent messages are processed only once."""

    async def remember_channel(self, conversation_id: str, channel: str) -> None:
        """Record the channel a conversation came in on (the first one wins), so staff can
        answer on it. Adapters that cannot store it keep nothing."""
        return None

    async def channel_of(self, conversation_id: str) -> str | None:
        """The channel recorded by `remember_channel`, or None."""
        return None

    @abc.abstractmethod
    async def mark_resume_pending(self, conversation_id: str) -> None:
        """Staff closed the chat while the engine could not be told to resume the bot:
        the next message resumes it first (else the paused bot would stay silent)."""

    @abc.abstractmethod
    async def take_resume_pending(self, conversation_id: str) -> bool:
        """True once after `mark_resume_pending` (cleared atomically as it is read)."""


def check_mode(mode: str) -> Mode:
    """Reject modes the rest of the system would not understand."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return cast(Mode, mode)
