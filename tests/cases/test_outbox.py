"""The outbox contract, on the SQLite spool and on a real Redis stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.triage_queue.support import redis_prefix
from triage.cases.outbox import HeldState, Outbox
from triage.cases.redis_outbox import RedisStreamOutbox
from triage.cases.references import is_valid_receipt_code
from triage.cases.spool_outbox import SpoolOutbox

from .support import report

# Builds a second handle on the same outbox (another process's view), with a lease.
Factory = Callable[[float], Outbox]


@pytest.fixture(params=["spool", "redis"])
async def outboxes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Factory]:
    """A factory of handles on one outbox: the same spool file, or the same Redis keys."""
    made: list[Outbox] = []
    if request.param == "spool":

        def spool(lease: float = 60.0) -> Outbox:
            made.append(SpoolOutbox(tmp_path / "outbox.db", lease_seconds=lease))
            return made[-1]

        yield spool
    else:
        async with redis_prefix() as (client, prefix):

            def stream(lease: float = 60.0) -> Outbox:
                consumer = f"worker-{len(made)}"
                made.append(
                    RedisStreamOutbox(client, prefix, consumer=consumer, lease_seconds=lease)
                )
                return made[-1]

            yield stream
            return  # the prefix's keys are deleted; the shared client is closed by it
    for outbox in made:
        await outbox.close()


async def test_put_gives_one_receipt_code_per_report(outboxes: Factory) -> None:
    outbox = outboxes(60.0)
    first = await outbox.put(report("conv:0"))
    again = await outbox.put(report("conv:0"))
    other = await outbox.put(report("conv:1"))
    assert is_valid_receipt_code(first.receipt_code)
    assert (first.created, again.created) == (True, False)
    assert again.receipt_code == first.receipt_code
    assert other.receipt_code != first.receipt_code
    assert (await outbox.counts())["pending"] == 2


async def test_racing_puts_of_one_report_hold_it_once(outboxes: Factory) -> None:
    handles = [outboxes(60.0) for _ in range(4)]
    puts = await asyncio.gather(*(handles[i % 4].put(report("race:0")) for i in range(20)))
    assert len({put.receipt_code for put in puts}) == 1
    assert sum(put.created for put in puts) == 1
    assert (await handles[0].counts())["pending"] == 1


async def test_find_shows_the_state_and_tokens_only_while_pending(outboxes: Factory) -> None:
    outbox = outboxes(60.0)
    code = (await outbox.put(report())).receipt_code
    held = await outbox.find(code)
    assert held is not None
    assert held.state is HeldState.PENDING and held.reference is None
    assert held.verify_tokens == ("NE1 4ST", "jo.bloggs@example.com")
    [item] = await outbox.claim(5)
    await outbox.delivered(item, "BL-4F7K-2MQ9")
    done = await outbox.find(code)
    assert done is not None
    assert done.state is HeldState.DELIVERED and done.reference == "BL-4F7K-2MQ9"
    assert done.verify_tokens == ()  # no personal data kept after delivery
    assert await outbox.find("RC-0000-0000") is None


async def test_a_claimed_report_carries_its_receipt_code(outboxes: Factory) -> None:
    outbox = outboxes(60.0)
    code = (await outbox.put(report("conv:0"))).receipt_code
    [item] = await outbox.claim(5)
    assert item.receipt_code == code
    assert item.report.receipt_code == code
    assert item.report.idempotency_key == "conv:0"
    assert item.report.details == report().details
    assert item.attempts == 1


async def test_a_lease_keeps_a_report_from_other_workers_until_it_expires(
    outboxes: Factory,
) -> None:
    first, second = outboxes(0.2), outboxes(0.2)
    await first.put(report())
    assert len(await first.claim(5)) == 1
    assert await second.claim(5) == []
    await asyncio.sleep(0.3)  # the first worker died without settling it
    [retaken] = await second.claim(5)
    assert retaken.attempts == 2
    await second.delivered(retaken, "BL-4F7K-2MQ9")
    await asyncio.sleep(0.3)
    assert await first.claim(5) == [] and await second.claim(5) == []


async def test_delivered_and_dead_reports_are_not_offered_again(outboxes: Factory) -> None:
    outbox = outboxes(60.0)
    await outbox.put(report("a:0"))
    await outbox.put(report("b:0"))
    items = await outbox.claim(5)
    assert len(items) == 2
    await outbox.delivered(items[0], "BL-4F7K-2MQ9")
    await outbox.dead(items[1], "refused: HTTP 400")
    assert await outbox.claim(5) == []
    assert await outbox.counts() == {"pending": 0, "delivered": 1, "dead": 1}
    dead = await outbox.find(items[1].receipt_code)
    assert dead is not None and dead.state is HeldState.DEAD


async def test_retry_later_offers_the_report_again(outboxes: Factory) -> None:
    outbox = outboxes(60.0)
    await outbox.put(report())
    [item] = await outbox.claim(5)
    await outbox.retry_later(item, 0.0, "case system unavailable")
    [again] = await outbox.claim(5)
    assert again.receipt_code == item.receipt_code
    assert again.attempts == 2


async def test_held_reports_survive_a_new_handle(outboxes: Factory) -> None:
    code = (await outboxes(60.0).put(report())).receipt_code
    reopened = outboxes(60.0)
    held = await reopened.find(code)
    assert held is not None and held.state is HeldState.PENDING
    assert [item.receipt_code for item in await reopened.claim(5)] == [code]


async def test_spool_waits_for_the_retry_delay_and_purges_old_deliveries(
    tmp_path: Path,
) -> None:
    now = [1_000.0]
    outbox = SpoolOutbox(tmp_path / "outbox.db", clock=lambda: now[0], retention_seconds=100)
    try:
        await outbox.put(report("a:0"))
        [item] = await outbox.claim(5)
        await outbox.retry_later(item, 30.0, "down")
        assert await outbox.claim(5) == []
        now[0] += 31
        [item] = await outbox.claim(5)
        await outbox.delivered(item, "BL-4F7K-2MQ9")
        assert await outbox.purge() == 0
        now[0] += 101
        assert await outbox.purge() == 1
        assert await outbox.find(item.receipt_code) is None
    finally:
        await outbox.close()


async def test_spool_drops_the_report_after_delivery(tmp_path: Path) -> None:
    import sqlite3

    outbox = SpoolOutbox(tmp_path / "outbox.db")
    try:
        await outbox.put(report())
        [item] = await outbox.claim(5)
        with sqlite3.connect(tmp_path / "outbox.db") as raw:
            payload = raw.execute("SELECT payload FROM outbox").fetchone()[0]
        assert json.loads(payload)["reporter_contact"] == "Jo.Bloggs@Example.com"
        await outbox.delivered(item, "BL-4F7K-2MQ9")
        with sqlite3.connect(tmp_path / "outbox.db") as raw:
            row = raw.execute("SELECT payload, verify_tokens FROM outbox").fetchone()
        assert row == (None, "[]")
    finally:
        await outbox.close()


async def test_redis_delivered_receipts_expire_and_keep_no_report() -> None:
    async with redis_prefix() as (client, prefix):
        outbox = RedisStreamOutbox(client, prefix, retention_seconds=1000)
        code = (await outbox.put(report())).receipt_code
        [item] = await outbox.claim(5)
        await outbox.delivered(item, "BL-4F7K-2MQ9")
        key = f"{prefix}outbox:receipt:{code}"
        assert 0 < await client.ttl(key) <= 1000
        assert set(await client.hkeys(key)) >= {"state", "reference"}
        assert not {"payload", "tokens"} & set(await client.hkeys(key))
        assert await client.xlen(f"{prefix}outbox:stream") == 0
        # conversation ids never appear in key names
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        assert not any("sender-1" in key for key in keys)


async def test_an_unwritable_spool_is_unavailable(tmp_path: Path) -> None:
    from triage.cases.outbox import OutboxUnavailable

    blocker = tmp_path / "file"
    blocker.write_text("")
    outbox = SpoolOutbox(blocker / "outbox.db")
    with pytest.raises(OutboxUnavailable):
        await outbox.put(report())
    await outbox.close()
