"""The database dies in the middle of a conversation; the report still arrives, exactly once.

The case store is the real PostgreSQL server, reached through a TCP proxy the test cuts
(connections reset, new ones refused) or blackholes (connections hang). The conversation
runs through the real actions; delivery afterwards through the real outbox worker, built
from the same settings as a separate `python -m triage outbox-worker` process would be.
Run with the spool outbox and with the Redis stream outbox.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from action_testing import DOMAIN, make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from actions.case_access import reset_case_system
from actions.enquiries import ActionTrackCase
from actions.report_actions import ActionReportSummary, ActionSubmitReport
from tests.cases.support import (
    POSTGRES_URL,
    admin_execute,
    postgres_unreachable_reason,
    run_blocking,
)
from tests.cases.tcp_proxy import TcpProxy
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.cases.migrate import upgrade_to_head
from triage.cases.wiring import build_case_system, build_outbox, build_worker
from triage.settings import Settings

pytestmark = pytest.mark.postgres

RECEIPT = re.compile(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}")
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")
DAMAGE = {
    "crime_type": "criminal_damage",
    "incident_description": "Someone smashed the front window of my shop overnight",
    "incident_when": "Tue 24 Nov 2026, at night",
    "incident_where": "4 Market Street, NE1 6JQ",
    "property_details": "the front window",
    "property_value": "£600",
    "suspect_description": "none given",
    "evidence": "CCTV from the shop",
    "reporter_name": "Sam Patel",
    "reporter_contact": "sam@example.com",
    "contact_consent": True,
}
THEFT = {
    **{k: v for k, v in DAMAGE.items() if k != "crime_type"},
    "crime_type": "theft",
    "incident_description": "My bike was taken from the rack outside",
    "property_details": "a red bike",
}


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated to head, dropped afterwards."""
    reason = run_blocking(postgres_unreachable_reason(POSTGRES_URL))
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(str(reason))
    name = f"bluelamp_outage_{uuid.uuid4().hex[:12]}"
    run_blocking(admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_to_head(url)
        yield name
    finally:
        run_blocking(admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Person:
    """One person's conversation, turn by turn, through the real actions."""

    sender_id: str
    slots: dict[str, Any]

    async def turn(self, action: Any, **slots: Any) -> str:
        self.slots.update(slots)
        dispatcher = CollectingDispatcher()
        events = await action.run(
            dispatcher, make_tracker(dict(self.slots), sender_id=self.sender_id), DOMAIN
        )
        self.slots.update(slot_events(events))
        return " ".join(texts(dispatcher))


async def count_cases(url: str, where: str = "true") -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text(f"SELECT count(*) FROM cases WHERE {where}")))
    finally:
        await engine.dispose()


async def deliver(settings: Settings) -> tuple[int, int]:
    """One round of the outbox worker, as a separate process would run it."""
    cases, outbox = build_case_system(settings), build_outbox(settings)
    try:
        result = await build_worker(settings, cases, outbox).run_once()
        return result.delivered, result.retried
    finally:
        await outbox.close()
        await cases.close()


async def deliver_when_due(settings: Settings, within: float = 10.0) -> int:
    """Rounds until the outbox is empty (a deferred report waits out its backoff first)."""
    delivered = 0
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        outbox = build_outbox(settings)
        try:
            pending = (await outbox.counts())["pending"]
        finally:
            await outbox.close()
        if pending == 0:
            return delivered
        delivered += (await deliver(settings))[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox was not emptied in time")


@pytest.fixture(params=["spool", "redis"])
async def outbox_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    if request.param == "spool":
        yield "spool"
        return
    async with redis_prefix() as (_client, prefix):
        monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
        monkeypatch.setenv("BLUELAMP_REDIS_PREFIX", prefix)
        yield "redis"


async def test_database_killed_mid_conversation_the_report_arrives_exactly_once(
    database: str, outbox_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = make_url(POSTGRES_URL)
    proxy = TcpProxy(upstream.host or "127.0.0.1", upstream.port or 5432)
    port = await proxy.start()
    proxied = upstream.set(port=port, database=database).render_as_string(hide_password=False)
    direct = upstream.set(database=database).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", proxied)
    await reset_case_system()
    person = Person("conv-outage", {})
    try:
        # An earlier report in the same conversation goes straight in: the pool is warm.
        said = await person.turn(ActionSubmitReport(), **THEFT)
        first = REFERENCE.search(said)
        assert first is not None
        assert first.group() in await person.turn(
            ActionTrackCase(), case_reference=first.group(), verify_detail="sam@example.com"
        )

        # A second report: the answers are in, the summary is shown ...
        summary = await person.turn(ActionReportSummary(), **DAMAGE)
        assert "Shall I send this report?" in summary
        # ... and the database dies before the person says "yes, send it".
        await proxy.cut()
        held = await person.turn(ActionSubmitReport())
        receipt = RECEIPT.search(held)
        assert receipt is not None, held
        assert "reference will follow" in held
        assert person.slots["submission_count"] == 2
        # The send button pressed again (a double click, or the engine retrying the action).
        again = await person.turn(ActionSubmitReport(), **DAMAGE, submission_count=1.0)
        assert receipt.group() in again and "already received" in again
        waiting = await person.turn(
            ActionTrackCase(), case_reference=receipt.group(), verify_detail="NE1 6JQ"
        )
        assert "safe with us" in waiting

        # The worker cannot deliver while the database is down, and says so by waiting.
        settings = Settings.from_env()
        assert await deliver(settings) == (0, 1)

        await proxy.restore()
        assert await deliver_when_due(settings) == 1
        assert await deliver(settings) == (0, 0)  # nothing left, nothing twice

        key = "idempotency_key = 'conv-outage:1'"
        assert await count_cases(direct, key) == 1
        assert await count_cases(direct) == 2
        assert await count_cases(direct, f"receipt_code = '{receipt.group()}'") == 1

        # The person comes back with the receipt code and learns the reference.
        found = await person.turn(
            ActionTrackCase(), case_reference=receipt.group(), verify_detail="NE1 6JQ"
        )
        reference = REFERENCE.search(found)
        assert reference is not None and reference.group() != first.group()
        assert "now has the reference" in found
        # A replay of the same form, now the database is back, finds the same case.
        replay = await person.turn(ActionSubmitReport(), **DAMAGE, submission_count=1.0)
        assert f"already sent. Your reference is {reference.group()}" in replay
        assert await count_cases(direct, key) == 1
    finally:
        await reset_case_system()
        await proxy.close()


async def test_a_hung_database_costs_the_person_only_the_submit_budget(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = make_url(POSTGRES_URL)
    proxy = TcpProxy(upstream.host or "127.0.0.1", upstream.port or 5432)
    port = await proxy.start()
    proxied = upstream.set(port=port, database=database).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", proxied)
    monkeypatch.setenv("BLUELAMP_SUBMIT_BUDGET_SECONDS", "1.0")
    await reset_case_system()
    person = Person("conv-hung", {})
    try:
        await proxy.blackhole()
        started = time.monotonic()
        held = await person.turn(ActionSubmitReport(), **DAMAGE)
        elapsed = time.monotonic() - started
        assert RECEIPT.search(held) is not None
        assert elapsed < 3.0
        await proxy.restore()
        assert await deliver_when_due(Settings.from_env()) == 1
        direct = upstream.set(database=database).render_as_string(hide_password=False)
        assert await count_cases(direct) == 1
    finally:
        await reset_case_system()
        await proxy.close()
