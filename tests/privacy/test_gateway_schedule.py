"""The gateway runs the retention pass itself, with no command and no other process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from channels.app import create_app
from channels.redis_store import RedisConversationStore
from channels.triage_gate import TriageModel
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.settings import Settings
from triage.staff.ports import AuditAction, AuditQuery
from triage.staff.sql_audit import SqlStaffAudit

from .support import said


def no_model() -> TriageModel:
    raise RuntimeError("not needed here")  # the gateway serves without the classifier


async def test_a_running_gateway_erases_quiet_conversations(tmp_path: Path) -> None:
    async with redis_prefix() as (client, prefix):
        store = RedisConversationStore(client, prefix)
        await store.append("ancient", said("hello from long ago", datetime(2020, 1, 1, tzinfo=UTC)))
        await store.append("today", said("hello", datetime.now(UTC)))
        settings = Settings(
            var_dir=tmp_path,
            redis_url=TEST_REDIS_URL,
            redis_prefix=prefix,
            retention_interval_seconds=0.2,
        )
        gateway = TestClient(TestServer(create_app(settings, load_model=no_model)))
        await gateway.start_server()
        try:
            async with asyncio.timeout(60):  # a bound on a hang, not a measured time
                while await store.transcript("ancient"):
                    await asyncio.sleep(0.05)
        finally:
            await gateway.close()
        assert [e.text for e in await store.transcript("today")] == ["hello"]
        audit = SqlStaffAudit.from_url(settings.effective_database_url)
        try:
            [entry] = await audit.search(AuditQuery(action=AuditAction.ERASURE))
        finally:
            await audit.aclose()
        assert (entry.actor, entry.conversation_id) == ("system:retention", "ancient")
