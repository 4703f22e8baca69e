"""The outbox as a Redis stream, shared by every action server and worker (REDIS_URL set).

Keys (under the deployment's prefix):

- ``outbox:stream``: one entry per held report, read through the consumer group
  ``delivery``. An entry stays in the group's pending list until it is settled, so a
  worker that dies mid-delivery leaves it to be claimed by another after the lease.
- ``outbox:receipt:<code>``: a hash with the state, the report (while pending), the
  verifying tokens (while pending) and, once delivered, the reference. Delivered hashes
  expire after the retention period; dead ones are kept for staff.
- ``outbox:key:<sha256 of the idempotency key>``: the receipt code for a key, so the
  same report held twice gets one code. Hashed so conversation ids stay out of key names.
- ``outbox:dead``: the set of dead receipt codes.

Putting a report is one Lua script (check the key, write the hash, add the stream entry),
so two racing submissions of one report cannot both be held. Redis must persist what it
is given (``appendonly yes``) for the outbox to survive a Redis restart; a warning is
logged when the server says it does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from triage.cases.outbox import (
    DELIVERED_RETENTION_SECONDS,
    HeldReport,
    HeldState,
    Outbox,
    OutboxItem,
    OutboxUnavailable,
    Put,
    verify_tokens_of,
    with_receipt,
)
from triage.cases.ports import ReportSubmission
from triage.cases.references import new_receipt_code
from triage.cases.wire import MalformedBody, report_from_json, report_to_json
from triage.queue.redis_client import redis_client, text

log = structlog.get_logger(__name__)

GROUP = "delivery"
LEASE_SECONDS = 60.0
CODE_ATTEMPTS = 8

# KEYS: key string, receipt hash, stream. ARGV: code, payload, tokens, created_at.
# Returns {code, 1} when held now, {code, 0} when the key was held before, {"", 0} when
# the random code is taken (the caller picks another).
_PUT = """
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 0} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'', 0} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'state', 'pending', 'payload', ARGV[2], 'tokens', ARGV[3],
           'created_at', ARGV[4], 'attempts', 0)
redis.call('XADD', KEYS[3], '*', 'receipt', ARGV[1])
return {ARGV[1], 1}
"""


@contextmanager
def _unavailable(operation: str) -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError) as exc:
        raise OutboxUnavailable(f"Redis outbox unavailable during {operation}") from exc


def _consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisStreamOutbox(Outbox):
    """Held reports in a Redis stream with a consumer group."""

    def __init__(
        self,
        client: Redis,
        prefix: str,
        *,
        consumer: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        retention_seconds: float = DELIVERED_RETENTION_SECONDS,
        clock: Callable[[], float] = time.time,
        code_factory: Callable[[], str] = new_receipt_code,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.consumer = consumer or _consumer_name()
        self.lease_seconds = lease_seconds
        self.retention_seconds = retention_seconds
        self._clock = clock
        self._new_code = code_factory
        self._put_script = client.register_script(_PUT)
        self._group_ready = False
        self.stream = f"{prefix}outbox:stream"
        self.dead_set = f"{prefix}outbox:dead"

    @classmethod
    def from_url(cls, url: str, prefix: str, **kwargs: Any) -> RedisStreamOutbox:
        """An outbox with its own fail-fast client (nothing connects until first use)."""
        return cls(redis_client(url), prefix, **kwargs)

    def _receipt_key(self, code: str) -> str:
        return f"{self.prefix}outbox:receipt:{code}"

    def _idempotency_key(self, key: str) -> str:
        return f"{self.prefix}outbox:key:{hashlib.sha256(key.encode()).hexdigest()}"

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        try:
            config = await self.client.config_get("appendonly")
            if config.get("appendonly") == "no":
                log.warning("redis_outbox_not_persistent", hint="set appendonly yes")
        except ResponseError:
            pass  # CONFIG may be disabled on managed Redis; nothing to check then
        self._group_ready = True

    # --- the port -------------------------------------------------------------------------

    async def put(self, report: ReportSubmission) -> Put:
        tokens = json.dumps(verify_tokens_of(report))
        created_at = str(self._clock())
        with _unavailable("put"):
            await self._ensure_group()
            for _ in range(CODE_ATTEMPTS):
                code = self._new_code()
                payload = json.dumps(report_to_json(with_receipt(report, code)))
                keys = [
                    self._idempotency_key(report.idempotency_key),
                    self._receipt_key(code),
                    self.stream,
                ]
                held, created = await self._put_script(
                    keys=keys, args=[code, payload, tokens, created_at]
                )
                if text(held):
                    return Put(text(held), created=bool(int(created)))
        raise RuntimeError(f"no free receipt code after {CODE_ATTEMPTS} attempts")

    async def find(self, receipt_code: str) -> HeldReport | None:
        with _unavailable("find"):
            fields = await self.client.hgetall(self._receipt_key(receipt_code))
        if not fields:
            return None
        values = {text(k): text(v) for k, v in fields.items()}
        return HeldReport(
            receipt_code=receipt_code,
            state=HeldState(values["state"]),
            reference=values.get("reference") or None,
            verify_tokens=tuple(json.loads(values.get("tokens") or "[]")),
            created_at=datetime.fromtimestamp(float(values["created_at"]), UTC),
        )

    async def claim(self, limit: int) -> list[OutboxItem]:
        """This consumer's own unsettled entries first, then abandoned ones, then new ones."""
        with _unavailable("claim"):
            await self._ensure_group()
            entries: list[tuple[str, str]] = []
            own = await self.client.xreadgroup(
                GROUP, self.consumer, {self.stream: "0"}, count=limit
            )
            entries += self._entries(own)
            if len(entries) < limit:
                lease_ms = int(self.lease_seconds * 1000)
                claimed = await self.client.xautoclaim(
                    self.stream, GROUP, self.consumer, lease_ms, "0-0", count=limit - len(entries)
                )
                entries += self._entries([(self.stream, claimed[1])])
            if len(entries) < limit:
                new = await self.client.xreadgroup(
                    GROUP, self.consumer, {self.stream: ">"}, count=limit - len(entries)
                )
                entries += self._entries(new)
            return [item for entry in entries[:limit] if (item := await self._item(*entry))]

    @staticmethod
    def _entries(reply: Any) -> list[tuple[str, str]]:
        """(entry id, receipt code) pairs from an XREADGROUP reply (RESP2 list or RESP3 map)."""
        streams = reply.items() if isinstance(reply, dict) else (reply or [])
        found = []
        for _stream, messages in streams:
            for entry_id, fields in messages:
                if not fields:  # deleted while pending
                    continue
                values = {text(k): text(v) for k, v in fields.items()}
                found.append((text(entry_id), values["receipt"]))
        return found

    async def _item(self, entry_id: str, code: str) -> OutboxItem | None:
        key = self._receipt_key(code)
        state, payload, attempts = await self.client.hmget(key, "state", "payload", "attempts")
        if state is None or text(state) != HeldState.PENDING.value or payload is None:
            # settled by another worker, or expired: nothing left to deliver
            await self._drop_entry(entry_id)
            return None
        attempts_now = int(text(attempts) if attempts is not None else "0") + 1
        await self.client.hset(key, mapping={"attempts": attempts_now, "entry": entry_id})
        try:
            report = report_from_json(json.loads(text(payload)))
        except (ValueError, MalformedBody):
            log.error("outbox_payload_unreadable", receipt_code=code)
            await self._settle(code, HeldState.DEAD, None, "unreadable payload")
            return None
        return OutboxItem(code, report, attempts_now)

    async def _drop_entry(self, entry_id: str) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, entry_id)
            pipe.xdel(self.stream, entry_id)
            await pipe.execute()

    async def _settle(
        self, code: str, state: HeldState, reference: str | None, reason: str | None
    ) -> None:
        key = self._receipt_key(code)
        entry = await self.client.hget(key, "entry")
        async with self.client.pipeline(transaction=True) as pipe:
            mapping: dict[Any, Any] = {"state": state.value, "settled_at": str(self._clock())}
            if reference is not None:
                mapping["reference"] = reference
            if reason is not None:
                mapping["last_error"] = reason
            pipe.hset(key, mapping=mapping)
            if state is HeldState.DELIVERED:
                pipe.hdel(key, "payload", "tokens")
                pipe.expire(key, int(self.retention_seconds))
            else:
                pipe.sadd(self.dead_set, code)
            if entry is not None:
                pipe.xack(self.stream, GROUP, text(entry))
                pipe.xdel(self.stream, text(entry))
            await pipe.execute()

    async def delivered(self, item: OutboxItem, reference: str) -> None:
        with _unavailable("delivered"):
            await self._settle(item.receipt_code, HeldState.DELIVERED, reference, None)
            key = self._idempotency_key(item.report.idempotency_key)
            await self.client.expire(key, int(self.retention_seconds))

    async def retry_later(self, item: OutboxItem, delay_seconds: float, reason: str) -> None:
        """The entry stays in this consumer's pending list; the worker's backoff paces it."""
        with _unavailable("retry_later"):
            await self.client.hset(self._receipt_key(item.receipt_code), "last_error", reason)

    async def dead(self, item: OutboxItem, reason: str) -> None:
        with _unavailable("dead"):
            await self._settle(item.receipt_code, HeldState.DEAD, None, reason)

    async def counts(self) -> dict[str, int]:
        with _unavailable("counts"):
            await self._ensure_group()
            pending = await self.client.xlen(self.stream)
            dead = await self.client.scard(self.dead_set)
            delivered = 0
            async for key in self.client.scan_iter(match=self._receipt_key("*"), count=500):
                state = await self.client.hget(key, "state")
                delivered += state is not None and text(state) == HeldState.DELIVERED.value
        return {
            HeldState.PENDING.value: int(pending),
            HeldState.DELIVERED.value: delivered,
            HeldState.DEAD.value: int(dead),
        }

    async def purge(self) -> int:
        """Delivered receipts expire by themselves (EXPIRE), so there is nothing to do."""
        return 0

    async def holding_personal_data(self) -> Mapping[str, tuple[str, ...]]:
        """Delivered hashes drop the report and tokens at once; this finds any that did not
        (the key names carry only a digest of the idempotency key)."""
        found: dict[str, tuple[str, ...]] = {}
        prefix = self._receipt_key("")
        with _unavailable("holding_personal_data"):
            async for key in self.client.scan_iter(match=self._receipt_key("*"), count=500):
                state, payload, tokens = await self.client.hmget(key, "state", "payload", "tokens")
                if state is None or text(state) != HeldState.DELIVERED.value:
                    continue
                fields = tuple(
                    f"outbox.{name}"
                    for name, value in (("payload", payload), ("verify_tokens", tokens))
                    if value is not None
                )
                if fields:
                    found[text(key)[len(prefix) :]] = fields
        return found

    async def erase_delivered(self, receipt_codes: Sequence[str]) -> int:
        erased = 0
        with _unavailable("erase_delivered"):
            for code in receipt_codes:
                key = self._receipt_key(code)
                state = await self.client.hget(key, "state")
                if state is not None and text(state) == HeldState.DELIVERED.value:
                    await self.client.hdel(key, "payload", "tokens")
                    erased += 1
        return erased

    async def close(self) -> None:
        await self.client.aclose()
