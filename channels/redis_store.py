"""Redis conversation store: shared by every gateway, so any of them can serve a person.

Keys (all under `prefix`): `conv:<id>:mode` (string), `conv:<id>:transcript` (list of JSON),
`conv:<id>:seen` (set of message ids), `conv:<id>:channel` (string), `conv:<id>:resume`
(present while the engine still has to be told to resume the bot). The operator queue is
`triage.queue.redis_queue`.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from channels.store import (
    ConversationStore,
    Mode,
    TranscriptEntry,
    check_mode,
    dumps,
)


class RedisConversationStore(ConversationStore):
    """Uses only atomic single-key commands, so concurrent gateways cannot corrupt state."""

    def __init__(self, client: Redis, prefix: str = "bluelamp:") -> None:
        # The client must be created with decode_responses=True.
        self._r: Any = client  # redis-py's command stubs mix sync and async return types
        self._prefix = prefix

    def _key(self, conversation_id: str, part: str) -> str:
        return f"{self._prefix}conv:{conversation_id}:{part}"

    async def get_mode(self, conversation_id: str) -> Mode:
        raw = await self._r.get(self._key(conversation_id, "mode"))
        return check_mode(raw) if raw else "bot"

    async def set_mode(self, conversation_id: str, mode: Mode) -> None:
        await self._r.set(self._key(conversation_id, "mode"), check_mode(mode))

    async def append(self, conversation_id: str, entry: TranscriptEntry) -> None:
        await self._r.rpush(self._key(conversation_id, "transcript"), dumps(entry.to_json()))

    async def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        raw: list[str] = await self._r.lrange(self._key(conversation_id, "transcript"), 0, -1)
        return [TranscriptEntry.from_json(json.loads(item)) for item in raw]

    async def claim_message_id(self, conversation_id: str, message_id: str) -> bool:
        added: int = await self._r.sadd(self._key(conversation_id, "seen"), message_id)
        return added == 1

    async def remember_channel(self, conversation_id: str, channel: str) -> None:
        await self._r.set(self._key(conversation_id, "channel"), channel, nx=True)

    async def channel_of(self, conversation_id: str) -> str | None:
        raw = await self._r.get(self._key(conversation_id, "channel"))
        return str(raw) if raw else None

    async def mark_resume_pending(self, conversation_id: str) -> None:
        await self._r.set(self._key(conversation_id, "resume"), "1")

    async def take_resume_pending(self, conversation_id: str) -> bool:
        return bool(await self._r.getdel(self._key(conversation_id, "resume")))
