"""The operator queue in Redis: shared by every gateway and kept across restarts.

Keys, all under ``<prefix>queue:``:
``seq`` (counter for ids), ``waiting`` (sorted set of ids by priority rank and enqueue time),
``claimed`` (sorted set of ids by claim time), ``item:<id>`` (hash), ``conv:<conversation>``
(the id of the conversation's open item).

The optional ``link`` and ``author`` hash fields are written only when set, so items stored
before they existed (and items without them) read back with both None.

Every change is one Lua script, which Redis runs without interleaving any other command: a
claim removes the id from ``waiting`` and only the caller whose ZREM removed it gets the item,
so two operators can never take the same one. The item keys are built inside the scripts, so
on Redis Cluster the prefix must carry a hash tag (e.g. ``{bluelamp}:``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from triage.decisions import Channel, Priority
from triage.queue.ports import (
    OperatorQueue,
    QueueItem,
    QueueRequest,
    flags_from_json,
    utcnow,
)
from triage.queue.redis_client import redis_client, text, unavailable_on_error

RANK_WEIGHT = 10**13
"""Epoch milliseconds stay below this until the year 2286, so rank always dominates.
P4 at 4 * 10**13 plus a time is still exactly representable as a Redis (double) score."""

_SCORE = "string.format('%.0f', tonumber({rank}) * 1e13 + tonumber({ms}))"

ENQUEUE = f"""
local item_prefix = ARGV[1]
local id = redis.call('GET', KEYS[3])
if id and redis.call('EXISTS', item_prefix .. id) == 1 then
  local key = item_prefix .. id
  local old_flags = cjson.decode(redis.call('HGET', key, 'flags'))
  local seen = {{}}
  for _, f in ipairs(old_flags) do seen[f.flag .. '\\0' .. f.evidence] = true end
  for _, f in ipairs(cjson.decode(ARGV[8])) do
    local k = f.flag .. '\\0' .. f.evidence
    if not seen[k] then table.insert(old_flags, f); seen[k] = true end
  end
  if #old_flags > 0 then redis.call('HSET', key, 'flags', cjson.encode(old_flags)) end
  if ARGV[11] ~= '' then redis.call('HSETNX', key, 'link', ARGV[11]) end
  if ARGV[12] ~= '' then redis.call('HSETNX', key, 'author', ARGV[12]) end
  if tonumber(ARGV[5]) < tonumber(redis.call('HGET', key, 'rank')) then
    redis.call('HSET', key, 'priority', ARGV[4], 'rank', ARGV[5], 'reason', ARGV[6])
    if ARGV[7] ~= '' then redis.call('HSET', key, 'summary', ARGV[7]) end
    if redis.call('ZSCORE', KEYS[2], id) then
      local ms = redis.call('HGET', key, 'enqueued_ms')
      redis.call('ZADD', KEYS[2], {_SCORE.format(rank="ARGV[5]", ms="ms")}, id)
    end
  end
  return redis.call('HGETALL', key)
end
id = string.format('q%012d', redis.call('INCR', KEYS[1]))
local key = item_prefix .. id
redis.call('HSET', key, 'id', id, 'conversation_id', ARGV[2], 'channel', ARGV[3],
  'priority', ARGV[4], 'rank', ARGV[5], 'reason', ARGV[6], 'summary', ARGV[7],
  'flags', ARGV[8], 'enqueued_ms', ARGV[9], 'enqueued_at', ARGV[10])
if ARGV[11] ~= '' then redis.call('HSET', key, 'link', ARGV[11]) end
if ARGV[12] ~= '' then redis.call('HSET', key, 'author', ARGV[12]) end
redis.call('ZADD', KEYS[2], {_SCORE.format(rank="ARGV[5]", ms="ARGV[9]")}, id)
redis.call('SET', KEYS[3], id)
return redis.call('HGETALL', key)
"""

_TAKE = """
  redis.call('HSET', key, 'claimed_by', ARGV[2], 'claimed_ms', ARGV[3], 'claimed_at', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[3], id)
  return redis.call('HGETALL', key)
"""

CLAIM_NEXT = f"""
while true do
  local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #ids == 0 then return false end
  local id = ids[1]
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 1 then
{_TAKE}
  end
end
"""

CLAIM = f"""
local id = ARGV[5]
local key = ARGV[1] .. id
if redis.call('ZREM', KEYS[1], id) == 0 or redis.call('EXISTS', key) == 0 then return false end
{_TAKE}
"""

RELEASE = f"""
local id = ARGV[2]
local key = ARGV[1] .. id
if redis.call('HGET', key, 'claimed_by') ~= ARGV[3] then return false end
redis.call('HDEL', key, 'claimed_by', 'claimed_ms', 'claimed_at')
redis.call('ZREM', KEYS[2], id)
local rank = redis.call('HGET', key, 'rank')
local ms = redis.call('HGET', key, 'enqueued_ms')
redis.call('ZADD', KEYS[1], {_SCORE.format(rank="rank", ms="ms")}, id)
return redis.call('HGETALL', key)
"""

REASSIGN = f"""
local id = ARGV[5]
local key = ARGV[1] .. id
if redis.call('EXISTS', key) == 0 then return false end
redis.call('ZREM', KEYS[1], id)
{_TAKE}
"""

COMPLETE = """
local id = ARGV[2]
local key = ARGV[1] .. id
if redis.call('HGET', key, 'claimed_by') ~= ARGV[3] then return 0 end
local conv_key = ARGV[4] .. redis.call('HGET', key, 'conversation_id')
redis.call('DEL', key)
redis.call('ZREM', KEYS[1], id)
if redis.call('GET', conv_key) == id then redis.call('DEL', conv_key) end
return 1
"""

REMOVE = """
local id = ARGV[2]
local key = ARGV[1] .. id
local item = redis.call('HGETALL', key)
if #item == 0 then return false end
local conv_key = ARGV[3] .. redis.call('HGET', key, 'conversation_id')
redis.call('DEL', key)
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
if redis.call('GET', conv_key) == id then redis.call('DEL', conv_key) end
return item
"""


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _item(raw: Any) -> QueueItem | None:
    """A queue item from HGETALL (a dict) or a script's flat [field, value, ...] list."""
    if not raw:
        return None
    if isinstance(raw, dict):
        fields = {text(k): text(v) for k, v in raw.items()}
    else:
        values = [text(v) for v in raw]
        fields = dict(zip(values[::2], values[1::2], strict=True))
    claimed_at = fields.get("claimed_at")
    return QueueItem(
        id=fields["id"],
        conversation_id=fields["conversation_id"],
        channel=Channel(fields["channel"]),
        priority=Priority(fields["priority"]),
        reason=fields["reason"],
        summary=fields["summary"],
        flags=flags_from_json(json.loads(fields["flags"])),
        enqueued_at=datetime.fromisoformat(fields["enqueued_at"]),
        claimed_by=fields.get("claimed_by"),
        claimed_at=datetime.fromisoformat(claimed_at) if claimed_at else None,
        link=fields.get("link") or None,
        author=fields.get("author") or None,
    )


class RedisOperatorQueue(OperatorQueue):
    """The operator queue on Redis (redis.asyncio)."""

    def __init__(
        self,
        client: Redis,
        prefix: str = "bluelamp:",
        *,
        clock: Callable[[], datetime] = utcnow,
        owns_client: bool = False,
    ) -> None:
        self._r: Any = client  # redis-py's stubs mix sync and async return types
        self._owns_client = owns_client
        self._clock = clock
        base = f"{prefix}queue:"
        self._seq = f"{base}seq"
        self._waiting = f"{base}waiting"
        self._claimed = f"{base}claimed"
        self._item_prefix = f"{base}item:"
        self._conv_prefix = f"{base}conv:"
        self._enqueue = client.register_script(ENQUEUE)
        self._claim_next = client.register_script(CLAIM_NEXT)
        self._claim = client.register_script(CLAIM)
        self._release = client.register_script(RELEASE)
        self._reassign = client.register_script(REASSIGN)
        self._complete = client.register_script(COMPLETE)
        self._remove = client.register_script(REMOVE)

    @classmethod
    def from_url(cls, url: str, prefix: str = "bluelamp:", **kwargs: Any) -> RedisOperatorQueue:
        """A queue with its own client, closed by `aclose`."""
        return cls(redis_client(url), prefix, owns_client=True, **kwargs)

    def _now(self) -> tuple[str, str]:
        now = self._clock()
        return str(_epoch_ms(now)), now.isoformat()

    async def enqueue(self, request: QueueRequest) -> QueueItem:
        ms, iso = self._now()
        flags = json.dumps([flag.as_dict() for flag in dict.fromkeys(request.flags)])
        with unavailable_on_error("enqueue"):
            raw = await self._enqueue(
                keys=[self._seq, self._waiting, self._conv_prefix + request.conversation_id],
                args=[
                    self._item_prefix,
                    request.conversation_id,
                    request.channel.value,
                    request.priority.value,
                    request.priority.rank,
                    request.reason,
                    request.summary,
                    flags,
                    ms,
                    iso,
                    request.link or "",
                    request.author or "",
                ],
            )
        item = _item(raw)
        assert item is not None  # the script always returns the item
        return item

    async def claim_next(self, operator_id: str) -> QueueItem | None:
        ms, iso = self._now()
        with unavailable_on_error("claim_next"):
            raw = await self._claim_next(
                keys=[self._waiting, self._claimed],
                args=[self._item_prefix, operator_id, ms, iso],
            )
        return _item(raw)

    async def claim(self, item_id: str, operator_id: str) -> QueueItem | None:
        ms, iso = self._now()
        with unavailable_on_error("claim"):
            raw = await self._claim(
                keys=[self._waiting, self._claimed],
                args=[self._item_prefix, operator_id, ms, iso, item_id],
            )
        return _item(raw)

    async def release(self, item_id: str, operator_id: str) -> QueueItem | None:
        with unavailable_on_error("release"):
            raw = await self._release(
                keys=[self._waiting, self._claimed],
                args=[self._item_prefix, item_id, operator_id],
            )
        return _item(raw)

    async def reassign(self, item_id: str, to_operator: str) -> QueueItem | None:
        ms, iso = self._now()
        with unavailable_on_error("reassign"):
            raw = await self._reassign(
                keys=[self._waiting, self._claimed],
                args=[self._item_prefix, to_operator, ms, iso, item_id],
            )
        return _item(raw)

    async def complete(self, item_id: str, operator_id: str) -> bool:
        with unavailable_on_error("complete"):
            done = await self._complete(
                keys=[self._claimed],
                args=[self._item_prefix, item_id, operator_id, self._conv_prefix],
            )
        return bool(done)

    async def _items(self, ids: list[str]) -> list[QueueItem]:
        async with self._r.pipeline(transaction=False) as pipe:
            for item_id in ids:
                pipe.hgetall(self._item_prefix + text(item_id))
            rows = await pipe.execute()
        return [item for item in map(_item, rows) if item is not None]

    async def list_waiting(self, limit: int = 100) -> list[QueueItem]:
        if limit <= 0:
            return []
        with unavailable_on_error("list_waiting"):
            ids = await self._r.zrange(self._waiting, 0, limit - 1)
            items = await self._items(ids)
        # An item claimed between the two reads is no longer waiting.
        return [item for item in items if item.waiting]

    async def list_claimed(self) -> list[QueueItem]:
        with unavailable_on_error("list_claimed"):
            ids = await self._r.zrange(self._claimed, 0, -1)
            items = await self._items(ids)
        return [item for item in items if not item.waiting]

    async def get(self, item_id: str) -> QueueItem | None:
        with unavailable_on_error("get"):
            raw = await self._r.hgetall(self._item_prefix + item_id)
        return _item(raw)

    async def item_for(self, conversation_id: str) -> QueueItem | None:
        with unavailable_on_error("item_for"):
            item_id = await self._r.get(self._conv_prefix + conversation_id)
            if not item_id:
                return None
            raw = await self._r.hgetall(self._item_prefix + text(item_id))
        return _item(raw)

    async def list_enqueued_before(self, before: datetime, limit: int = 500) -> list[QueueItem]:
        """Reads every open item: the queue holds hundreds, not millions (the waiting set is
        ordered by priority first, so time alone cannot be ranged over)."""
        if limit <= 0:
            return []
        with unavailable_on_error("list_enqueued_before"):
            waiting = await self._r.zrange(self._waiting, 0, -1)
            claimed = await self._r.zrange(self._claimed, 0, -1)
            items = await self._items(list(dict.fromkeys([*waiting, *claimed])))
        old = [item for item in items if item.enqueued_at < before]
        old.sort(key=lambda i: (_epoch_ms(i.enqueued_at), i.id))
        return old[:limit]

    async def remove(self, item_id: str) -> QueueItem | None:
        with unavailable_on_error("remove"):
            raw = await self._remove(
                keys=[self._waiting, self._claimed],
                args=[self._item_prefix, item_id, self._conv_prefix],
            )
        return _item(raw)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._r.aclose()
