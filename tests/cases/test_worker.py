"""The outbox worker delivering held reports to real case systems, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from tests.triage_queue.support import closed_port
from triage.cases.fake_server import Faults, create_app
from triage.cases.http_adapter import HttpCaseSystem, RetryPolicy
from triage.cases.models import Case
from triage.cases.outbox import HeldState
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.worker import Backoff, OutboxWorker

from .support import report


async def cases_in(store: SqlCaseSystem) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.fixture
async def spool(tmp_path: Path) -> AsyncIterator[SpoolOutbox]:
    outbox = SpoolOutbox(tmp_path / "outbox.db")
    yield outbox
    await outbox.close()


async def test_delivers_each_held_report_once_with_its_receipt_code(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    codes = [(await spool.put(report(f"conv:{i}"))).receipt_code for i in range(3)]
    worker = OutboxWorker(spool, store)
    first = await worker.run_once()
    assert (first.delivered, first.retried, first.dead) == (3, 0, 0)
    assert (await worker.run_once()).delivered == 0
    assert await cases_in(store) == 3
    for code in codes:
        held = await spool.find(code)
        assert held is not None and held.state is HeldState.DELIVERED
        case = await store.get_case(code)  # staff can find the case by the receipt code
        assert case is not None and case.summary.reference == held.reference
        assert case.receipt_code == code


async def test_a_crash_after_submitting_does_not_make_a_second_case(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    code = (await spool.put(report("conv:0"))).receipt_code
    [item] = await spool.claim(1)
    first = await store.submit(item.report)  # the worker submitted, then died
    await spool.retry_later(item, 0.0, "worker restarted")
    result = await OutboxWorker(spool, store).run_once()
    assert result.delivered == 1
    assert await cases_in(store) == 1
    held = await spool.find(code)
    assert held is not None and held.reference == first.reference


async def test_an_unreachable_case_system_leaves_reports_pending_and_backs_off(
    spool: SpoolOutbox,
) -> None:
    down = SqlCaseSystem.from_url(f"postgresql+asyncpg://nobody@127.0.0.1:{closed_port()}/x")
    try:
        await spool.put(report("a:0"))
        await spool.put(report("b:0"))
        worker = OutboxWorker(spool, down, backoff=Backoff(base_seconds=10, cap_seconds=60))
        result = await worker.run_once()
        assert (result.delivered, result.retried) == (0, 2)
        assert await spool.claim(5) == []  # both wait for the backoff delay (5 to 10 s)
        assert (await spool.counts())["pending"] == 2
    finally:
        await down.close()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=30)
    assert backoff.delay(0) == 0
    assert [backoff.delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 10)] == [0.5, 1, 2, 30]
    assert [backoff.delay(n, rand=lambda: 0.0) for n in (1, 2, 10)] == [0.25, 0.5, 15]


async def test_a_refused_report_is_set_aside_not_retried(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    code = (await spool.put(report("k" * 300))).receipt_code  # too long for the case store
    await spool.put(report("fine:0"))
    result = await OutboxWorker(spool, store).run_once()
    assert (result.delivered, result.dead) == (1, 1)
    held = await spool.find(code)
    assert held is not None and held.state is HeldState.DEAD
    assert (await spool.counts())["dead"] == 1


async def test_delivers_through_the_http_adapter_despite_failures(
    tmp_path: Path, spool: SpoolOutbox
) -> None:
    records = SqlCaseSystem.from_url(f"sqlite+aiosqlite:///{tmp_path / 'records.db'}")
    await records.create_schema()
    faults = Faults(fail=3)  # the first round's three tries all fail
    server = TestServer(create_app(records, faults=faults), host="127.0.0.1")
    await server.start_server()
    adapter = HttpCaseSystem(
        str(server.make_url("")),
        policy=RetryPolicy(attempts=3, timeout_seconds=1, backoff_base_seconds=0.01),
    )
    try:
        code = (await spool.put(report())).receipt_code
        worker = OutboxWorker(spool, adapter, backoff=Backoff(base_seconds=0.01))
        assert (await worker.run_once()).retried == 1
        await asyncio.sleep(0.02)
        assert (await worker.run_once()).delivered == 1
        assert await cases_in(records) == 1
        held = await spool.find(code)
        assert held is not None and held.reference is not None
    finally:
        await adapter.close()
        await server.close()


async def test_run_delivers_in_the_background_until_stopped(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    worker = OutboxWorker(spool, store, poll_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        code = (await spool.put(report())).receipt_code
        for _ in range(100):
            held = await spool.find(code)
            if held is not None and held.state is HeldState.DELIVERED:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the worker did not deliver the report")
        client = TestClient(TestServer(worker.health_app()))
        await client.start_server()
        try:
            health = await (await client.get("/health")).json()
        finally:
            await client.close()
        assert health["outbox"] == {"pending": 0, "delivered": 1, "dead": 0}
        assert health["delivered"] == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert await cases_in(store) == 1
