"""``python -m channels privacy retention|export`` as staff run them: a real process on a
real Redis and the demo's kind of SQLite file (migrated by the command itself)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from channels.redis_store import RedisConversationStore
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.cases.migrate import upgrade_to_head
from triage.staff.models import StaffAuditRecord
from triage.staff.sql_support import create_engine

from .support import add_rows, decision, said

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployment:
    env: dict[str, str]
    url: str
    redis: Redis
    store: RedisConversationStore

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "channels", "privacy", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    async def audit_rows(self) -> list[tuple[str, str, str | None, str | None]]:
        engine = create_engine(self.url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    StaffAuditRecord.__table__.select().order_by(StaffAuditRecord.id)
                )
                return [(r.actor, r.action, r.conversation_id, r.detail) for r in rows]
        finally:
            await engine.dispose()


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bluelamp.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    async with redis_prefix() as (client, prefix):
        env = {
            **os.environ,
            "REDIS_URL": TEST_REDIS_URL,
            "BLUELAMP_REDIS_PREFIX": prefix,
            "DATABASE_URL": url,
            "BLUELAMP_VAR_DIR": str(tmp_path),
        }
        yield Deployment(env, url, client, RedisConversationStore(client, prefix))


async def seed(deployment: Deployment) -> None:
    now = datetime.now(UTC)
    await deployment.store.append("old-chat", said("my bike was stolen", now - timedelta(days=40)))
    await deployment.store.append("new-chat", said("hello", now - timedelta(hours=1)))
    engine = create_engine(deployment.url)
    try:
        await add_rows(
            engine,
            decision("old-chat", "my bike was stolen", now - timedelta(days=100)),
            decision("new-chat", "hello", now - timedelta(hours=1)),
        )
    finally:
        await engine.dispose()


async def test_retention_dry_run_then_pass_then_nothing(deployment: Deployment) -> None:
    await seed(deployment)

    dry = deployment.run("retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was changed." in dry.stdout
    assert "Would erase 1 conversation(s)" in dry.stdout
    assert "old-chat  transcript=1" in dry.stdout
    assert "Would erase 1 triage decision(s)" in dry.stdout
    assert len(await deployment.store.transcript("old-chat")) == 1
    assert await deployment.audit_rows() == []

    done = deployment.run("retention")
    assert done.returncode == 0, done.stderr
    assert "Erased 1 conversation(s)" in done.stdout
    assert await deployment.store.transcript("old-chat") == []
    assert len(await deployment.store.transcript("new-chat")) == 1
    rows = await deployment.audit_rows()
    assert {(actor, action, conversation) for actor, action, conversation, _ in rows} == {
        ("system:retention", "erasure", "old-chat")
    }
    assert all("bike" not in (detail or "") for *_, detail in rows)

    again = deployment.run("retention")
    assert again.returncode == 0, again.stderr
    assert "Erased 0 conversation(s)" in again.stdout
    assert "Erased 0 triage decision(s)" in again.stdout
    assert await deployment.audit_rows() == rows


async def test_export_writes_private_json_and_is_audited(
    deployment: Deployment, tmp_path: Path
) -> None:
    await seed(deployment)
    out = tmp_path / "sar.json"

    done = deployment.run(
        "export",
        "--conversation",
        "new-chat",
        "--by",
        "dpo1",
        "--reason",
        "SAR-9",
        "--out",
        str(out),
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "Exported 1 conversation(s) and 0 case(s)" in done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    export = json.loads(out.read_text(encoding="utf-8"))
    [section] = export["conversations"]
    assert [e["text"] for e in section["transcript"]] == ["hello"]
    assert [d["redacted_text"] for d in section["triage_decisions"]] == ["hello"]
    assert await deployment.audit_rows() == [
        ("dpo1", "subject_access_export", "new-chat", "export=conversation cases=-")
    ]

    piped = deployment.run("export", "--conversation", "new-chat", "--by", "dpo1", "--reason", "x")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["subject_access_export"]["subject"] == "new-chat"


async def test_unknown_conversation_and_missing_reason_are_clear(deployment: Deployment) -> None:
    unknown = deployment.run(
        "export", "--conversation", "nobody", "--by", "dpo1", "--reason", "SAR-1"
    )
    assert unknown.returncode == 1
    assert "Nothing exported: nothing is held about conversation 'nobody'." in unknown.stderr
    assert unknown.stdout == ""

    blank = deployment.run("export", "--conversation", "x", "--by", "dpo1", "--reason", " ")
    assert blank.returncode == 2
    assert "--reason" in blank.stderr

    missing = deployment.run("export", "--conversation", "x", "--by", "dpo1")
    assert missing.returncode == 2
    assert "--reason" in missing.stderr
    assert await deployment.audit_rows() == []
