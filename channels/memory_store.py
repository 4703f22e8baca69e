"""In-process conversation store: the `make demo` default, lost on restart."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from channels.store import ConversationStore, Mode, TranscriptEntry, check_mode


class MemoryConversationStore(ConversationStore):
    """Plain dicts; fine for one gateway process, not for several."""

    def __init__(self) -> None:
        self._modes: dict[str, Mode] = {}
        self._transcripts: defaultdict[str, list[TranscriptEntry]] = defaultdict(list)
        self._seen: defaultdict[str, set[str]] = defaultdict(set)
        self._channels: dict[str, str] = {}
        self._resume_pending: set[str] = set()
        self._lock = asyncio.Lock()

    async def get_mode(self, conversation_id: str) -> Mode:
        return self._modes.get(conversation_id, "bot")

    async def set_mode(self, conversation_id: str, mode: Mode) -> None:
        self._modes[conversation_id] = check_mode(mode)

    async def append(self, conversation_id: str, entry: TranscriptEntry) -> None:
        self._transcripts[conversation_id].append(entry)

    async def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        return list(self._transcripts.get(conversation_id, ()))

    async def claim_message_id(self, conversation_id: str, message_id: str) -> bool:
        async with self._lock:
            seen = self._seen[conversation_id]
            if message_id in seen:
                return False
            seen.add(message_id)
            return True

    async def remember_channel(self, conversation_id: str, channel: str) -> None:
        self._channels.setdefault(conversation_id, channel)

    async def channel_of(self, conversation_id: str) -> str | None:
        return self._channels.get(conversation_id)

    async def mark_resume_pending(self, conversation_id: str) -> None:
        self._resume_pending.add(conversation_id)

    async def take_resume_pending(self, conversation_id: str) -> bool:
        if conversation_id in self._resume_pending:
            self._resume_pending.discard(conversation_id)
            return True
        return False
