"""The conversation store port: what the gateway keeps about each conversation.

The gateway records every message here before anything else can fail, so nothing a person
sends is lost. Adapters: `MemoryConversationStore` (demo default) and
`RedisConversationStore` (shared by several gateways).
"""

from __future__ import annotations

import abc
import json
from collections.abc import Callable
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


def utc_clock() -> datetime:
    """The stores' default clock (tests pass their own to age conversations)."""
    return datetime.now(UTC)


Clock = Callable[[], datetime]


def entry_time(entry: TranscriptEntry, clock: Clock) -> datetime:
    """When an entry was written (its own timestamp), or now if that cannot be read."""
    try:
        at = datetime.fromisoformat(entry.ts)
    except ValueError:
        return clock()
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Footprint:
    """What the store holds about one conversation, as counts: what an erasure record may
    say (DPA 2018 s.62: an erasure log must not copy the erased data)."""

    transcript_entries: int = 0
    seen_ids: int = 0
    mode: bool = False
    """A mode was stored (staff took the conversation over at some point)."""
    channel: bool = False
    resume_pending: bool = False
    last_activity: datetime | None = None

    @property
    def empty(self) -> bool:
        return (
            not (self.transcript_entries or self.seen_ids or self.mode or self.channel)
            and not self.resume_pending
        )

    def counts(self) -> str:
        """``transcript=12 seen=5 mode=1 channel=1 resume=0``: numbers only."""
        return (
            f"transcript={self.transcript_entries} seen={self.seen_ids} mode={int(self.mode)} "
            f"channel={int(self.channel)} resume={int(self.resume_pending)}"
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
    async def transcript(
        self, conversation_id: str, last: int | None = None
    ) -> list[TranscriptEntry]:
        """Every entry, oldest first; only the ``last`` few when given (one cheap read on a
        message's hot path)."""

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

    # --- retention and subject access (channels.privacy) --------------------------------
    # Every write above also records the conversation's last activity (a transcript entry's
    # own time, else the store's clock; never moved backwards), so retention can find
    # conversations that have gone quiet without reading them.

    @abc.abstractmethod
    async def footprint(self, conversation_id: str) -> Footprint:
        """Counts of what is held (an empty footprint for an unknown conversation)."""

    @abc.abstractmethod
    async def seen_message_ids(self, conversation_id: str) -> list[str]:
        """The message ids recorded by `claim_message_id`, sorted (for a subject access
        export)."""

    @abc.abstractmethod
    async def list_inactive(self, before: datetime, limit: int = 500) -> list[str]:
        """Conversations whose last activity is earlier than ``before``, the quietest first."""

    @abc.abstractmethod
    async def erase(
        self, conversation_id: str, *, inactive_before: datetime | None = None
    ) -> Footprint | None:
        """Delete everything held about the conversation, atomically; what was deleted.

        With ``inactive_before``, only if the conversation is still quiet since before it
        (a person who wrote again since it was listed keeps their chat): None, and nothing
        changed, when it is not.
        """

    async def index_unlisted(self) -> int:
        """Add conversations stored before the activity index existed to it; how many.
        Stores that always had the index have nothing to add."""
        return 0


def check_mode(mode: str) -> Mode:
    """Reject modes the rest of the system would not understand."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return cast(Mode, mode)
