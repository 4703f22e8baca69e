"""Redis conversation store: shared by every gateway, so any of them can serve a person.

Keys (all under `prefix`): `conv:<id>:mode` (string), `conv:<id>:transcript` (list of JSON),
`conv:<id>:seen` (set of message ids), `conv:<id>:channel` (string), `conv:<id>:resume`
(present while the engine still has to be told to resume the bot), and
`conversations:activity` (sorted set: conversation id by its last activity in epoch
milliseconds, for retention). The operator queue is `triage.queue.redis_queue`.

Erasure is one Lua script (check the activity, count, delete), so a person who writes again
while retention runs never loses the new message. The script builds the conversation's keys
itself, so on Redis Cluster the prefix must carry a hash tag (e.g. ``{bluelamp}:``), as for
the operator queue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from channels.store import (
    Clock,
    ConversationStore,
    Footprint,
    Mode,
    TranscriptEntry,
    check_mode,
    dumps,
    entry_time,
    utc_clock,
)

PARTS = ("mode", "transcript", "seen", "channel", "resume")
"""Every per-conversation key; erasure deletes each of them."""
SCAN_BATCH = 1000

ERASE = """
local index, id, base, cutoff = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local score = redis.call('ZSCORE', index, id)
if cutoff ~= '' and score and tonumber(score) >= tonumber(cutoff) then return false end
local counts = {
  redis.call('LLEN', base .. 'transcript'),
  redis.call('SCARD', base .. 'seen'),
  redis.call('EXISTS', base .. 'mode'),
  redis.call('EXISTS', base .. 'channel'),
  redis.call('EXISTS', base .. 'resume'),
  score or '',
}
redis.call('DEL', base .. 'mode', base .. 'transcript', base .. 'seen', base .. 'channel',
  base .. 'resume')
redis.call('ZREM', index, id)
return counts
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_ms(raw: Any) -> datetime | None:
    if raw in (None, "", b""):
        return None
    return datetime.fromtimestamp(float(raw) / 1000, UTC)


def _glob_escape(text: str) -> str:
    """``text`` matched literally in a SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class RedisConversationStore(ConversationStore):
    """Single-key commands (plus the activity index) and one script for erasure, so
    concurrent gateways cannot corrupt state."""

    def __init__(
        self, client: Redis, prefix: str = "bluelamp:", *, clock: Clock = utc_clock
    ) -> None:
        # The client must be created with decode_responses=True.
        self._r: Any = client  # redis-py's command stubs mix sync and async return types
        self._prefix = prefix
        self._activity = f"{prefix}conversations:activity"
        self._clock = clock
        self._erase = client.register_script(ERASE)

    def _key(self, conversation_id: str, part: str) -> str:
        return f"{self._prefix}conv:{conversation_id}:{part}"

    async def _touch(self, conversation_id: str, at: datetime | None = None) -> None:
        """Record activity; ``GT`` keeps the newest time when gateways race."""
        moment = at or self._clock()
        await self._r.zadd(self._activity, {conversation_id: _ms(moment)}, gt=True)

    async def get_mode(self, conversation_id: str) -> Mode:
        raw = await self._r.get(self._key(conversation_id, "mode"))
        return check_mode(raw) if raw else "bot"

    async def set_mode(self, conversation_id: str, mode: Mode) -> None:
        await self._r.set(self._key(conversation_id, "mode"), check_mode(mode))
        await self._touch(conversation_id)

    async def append(self, conversation_id: str, entry: TranscriptEntry) -> None:
        at = _ms(entry_time(entry, self._clock))
        async with self._r.pipeline(transaction=False) as pipe:  # one round trip
            pipe.rpush(self._key(conversation_id, "transcript"), dumps(entry.to_json()))
            pipe.zadd(self._activity, {conversation_id: at}, gt=True)
            await pipe.execute()

    async def transcript(
        self, conversation_id: str, last: int | None = None
    ) -> list[TranscriptEntry]:
        if last is not None and last <= 0:
            return []
        start = 0 if last is None else -last
        raw: list[str] = await self._r.lrange(self._key(conversation_id, "transcript"), start, -1)
        return [TranscriptEntry.from_json(json.loads(item)) for item in raw]

    async def claim_message_id(self, conversation_id: str, message_id: str) -> bool:
        async with self._r.pipeline(transaction=False) as pipe:  # one round trip
            pipe.sadd(self._key(conversation_id, "seen"), message_id)
            pipe.zadd(self._activity, {conversation_id: _ms(self._clock())}, gt=True)
            added, _ = await pipe.execute()
        return int(added) == 1

    async def remember_channel(self, conversation_id: str, channel: str) -> None:
        await self._r.set(self._key(conversation_id, "channel"), channel, nx=True)
        await self._touch(conversation_id)

    async def channel_of(self, conversation_id: str) -> str | None:
        raw = await self._r.get(self._key(conversation_id, "channel"))
        return str(raw) if raw else None

    async def mark_resume_pending(self, conversation_id: str) -> None:
        await self._r.set(self._key(conversation_id, "resume"), "1")
        await self._touch(conversation_id)

    async def take_resume_pending(self, conversation_id: str) -> bool:
        return bool(await self._r.getdel(self._key(conversation_id, "resume")))

    # --- retention and subject access ---------------------------------------------------

    async def footprint(self, conversation_id: str) -> Footprint:
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.llen(self._key(conversation_id, "transcript"))
            pipe.scard(self._key(conversation_id, "seen"))
            pipe.exists(self._key(conversation_id, "mode"))
            pipe.exists(self._key(conversation_id, "channel"))
            pipe.exists(self._key(conversation_id, "resume"))
            pipe.zscore(self._activity, conversation_id)
            entries, seen, mode, channel, resume, score = await pipe.execute()
        return Footprint(
            int(entries), int(seen), bool(mode), bool(channel), bool(resume), _from_ms(score)
        )

    async def seen_message_ids(self, conversation_id: str) -> list[str]:
        return sorted(await self._r.smembers(self._key(conversation_id, "seen")))

    async def list_inactive(self, before: datetime, limit: int = 500) -> list[str]:
        if limit <= 0:
            return []
        ids: list[str] = await self._r.zrangebyscore(
            self._activity, "-inf", f"({_ms(before)}", start=0, num=limit
        )
        return list(ids)

    async def erase(
        self, conversation_id: str, *, inactive_before: datetime | None = None
    ) -> Footprint | None:
        cutoff = "" if inactive_before is None else str(_ms(inactive_before))
        raw = await self._erase(
            keys=[self._activity],
            args=[conversation_id, self._key(conversation_id, ""), cutoff],
        )
        if not raw:
            return None
        entries, seen, mode, channel, resume, score = raw
        return Footprint(
            int(entries), int(seen), bool(mode), bool(channel), bool(resume), _from_ms(score)
        )

    async def index_unlisted(self) -> int:
        """SCAN for conversation keys missing from the index; each is added (``NX``) at its
        last transcript entry's time, or now when it has none."""
        start = f"{self._prefix}conv:"
        ids: set[str] = set()
        async for key in self._r.scan_iter(match=_glob_escape(start) + "*", count=SCAN_BATCH):
            conversation_id, _, part = str(key)[len(start) :].rpartition(":")
            if part in PARTS and conversation_id:
                ids.add(conversation_id)
        added = 0
        for conversation_id in sorted(ids):
            if await self._r.zscore(self._activity, conversation_id) is not None:
                continue
            last = await self._r.lindex(self._key(conversation_id, "transcript"), -1)
            at = self._clock()
            if last:
                at = entry_time(TranscriptEntry.from_json(json.loads(last)), self._clock)
            added += int(await self._r.zadd(self._activity, {conversation_id: _ms(at)}, nx=True))
        return added
