"""In-process conversation store: the `make demo` default, lost on restart."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime

from channels.store import (
    Clock,
    ConversationStore,
    Footprint,
    Mode,
    TranscriptEntry,
    check_mode,
    entry_time,
    utc_clock,
)


class MemoryConversationStore(ConversationStore):
    """Plain dicts; fine for one gateway process, not for several."""

    def __init__(self, *, clock: Clock = utc_clock) -> None:
        self._modes: dict[str, Mode] = {}
        self._transcripts: defaultdict[str, list[TranscriptEntry]] = defaultdict(list)
        self._seen: defaultdict[str, set[str]] = defaultdict(set)
        self._channels: dict[str, str] = {}
        self._resume_pending: set[str] = set()
        self._activity: dict[str, datetime] = {}
        self._clock = clock
        self._lock = asyncio.Lock()

    def _touch(self, conversation_id: str, at: datetime | None = None) -> None:
        """Record activity; the last activity never moves backwards."""
        moment = at or self._clock()
        current = self._activity.get(conversation_id)
        if current is None or moment > current:
            self._activity[conversation_id] = moment

    async def get_mode(self, conversation_id: str) -> Mode:
        return self._modes.get(conversation_id, "bot")

    async def set_mode(self, conversation_id: str, mode: Mode) -> None:
        self._modes[conversation_id] = check_mode(mode)
        self._touch(conversation_id)

    async def append(self, conversation_id: str, entry: TranscriptEntry) -> None:
        self._transcripts[conversation_id].append(entry)
        self._touch(conversation_id, entry_time(entry, self._clock))

    async def transcript(
        self, conversation_id: str, last: int | None = None
    ) -> list[TranscriptEntry]:
        entries = list(self._transcripts.get(conversation_id, ()))
        return entries if last is None else entries[-last:] if last > 0 else []

    async def claim_message_id(self, conversation_id: str, message_id: str) -> bool:
        async with self._lock:
            seen = self._seen[conversation_id]
            self._touch(conversation_id)
            if message_id in seen:
                return False
            seen.add(message_id)
            return True

    async def remember_channel(self, conversation_id: str, channel: str) -> None:
        self._channels.setdefault(conversation_id, channel)
        self._touch(conversation_id)

    async def channel_of(self, conversation_id: str) -> str | None:
        return self._channels.get(conversation_id)

    async def mark_resume_pending(self, conversation_id: str) -> None:
        self._resume_pending.add(conversation_id)
        self._touch(conversation_id)

    async def take_resume_pending(self, conversation_id: str) -> bool:
        if conversation_id in self._resume_pending:
            self._resume_pending.discard(conversation_id)
            return True
        return False

    async def footprint(self, conversation_id: str) -> Footprint:
        return Footprint(
            transcript_entries=len(self._transcripts.get(conversation_id, ())),
            seen_ids=len(self._seen.get(conversation_id, ())),
            mode=conversation_id in self._modes,
            channel=conversation_id in self._channels,
            resume_pending=conversation_id in self._resume_pending,
            last_activity=self._activity.get(conversation_id),
        )

    async def seen_message_ids(self, conversation_id: str) -> list[str]:
        return sorted(self._seen.get(conversation_id, ()))

    async def list_inactive(self, before: datetime, limit: int = 500) -> list[str]:
        quiet = sorted((at, cid) for cid, at in self._activity.items() if at < before)
        return [cid for _at, cid in quiet[: max(limit, 0)]]

    async def erase(
        self, conversation_id: str, *, inactive_before: datetime | None = None
    ) -> Footprint | None:
        # No await between the check and the deletes: atomic on the event loop.
        last = self._activity.get(conversation_id)
        if inactive_before is not None and last is not None and last >= inactive_before:
            return None
        held = await self.footprint(conversation_id)
        self._modes.pop(conversation_id, None)
        self._transcripts.pop(conversation_id, None)
        self._seen.pop(conversation_id, None)
        self._channels.pop(conversation_id, None)
        self._resume_pending.discard(conversation_id)
        self._activity.pop(conversation_id, None)
        return held
