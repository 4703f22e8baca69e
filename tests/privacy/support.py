"""Test support: the stores together, a fixed "now", and seeding rows at chosen ages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from channels.privacy.case_records import CaseRecords
from channels.privacy.export import SubjectAccess
from channels.privacy.retention import Periods, RetentionJob
from channels.redis_store import RedisConversationStore
from channels.store import TranscriptEntry
from tests.triage_queue.support import Clock
from triage.audit.sql_log import SqlDecisionLog
from triage.cases.models import ContactLog, HandoffRequestRecord, TriageDecisionRecord
from triage.cases.sql_store import SqlCaseSystem
from triage.queue.redis_queue import RedisOperatorQueue
from triage.staff.sql_audit import SqlStaffAudit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class World:
    engine: AsyncEngine
    redis: Redis
    prefix: str
    clock: Clock
    store: RedisConversationStore
    queue: RedisOperatorQueue
    decisions: SqlDecisionLog
    audit: SqlStaffAudit
    cases: SqlCaseSystem
    records: CaseRecords

    def retention(self, periods: Periods | None = None) -> RetentionJob:
        return RetentionJob(
            store=self.store,
            queue=self.queue,
            decisions=self.decisions,
            audit=self.audit,
            records=self.records,
            periods=periods or Periods(),
            clock=self.clock,
        )

    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(
            store=self.store,
            queue=self.queue,
            decisions=self.decisions,
            audit=self.audit,
            cases=self.cases,
            records=self.records,
            clock=self.clock,
        )

    async def redis_snapshot(self) -> dict[str, object]:
        """Every key under the test's prefix with its type and value, to prove nothing moved."""
        found: dict[str, object] = {}
        async for key in self.redis.scan_iter(match=f"{self.prefix}*"):
            kind = await self.redis.type(key)
            if kind == "string":
                found[key] = await self.redis.get(key)
            elif kind == "list":
                found[key] = await self.redis.lrange(key, 0, -1)
            elif kind == "set":
                found[key] = sorted(await self.redis.smembers(key))
            elif kind == "zset":
                found[key] = await self.redis.zrange(key, 0, -1, withscores=True)
            elif kind == "hash":
                found[key] = await self.redis.hgetall(key)
        return found


def said(text: str, at: datetime, author: str = "person") -> TranscriptEntry:
    direction = "in" if author == "person" else "out"
    return TranscriptEntry(direction=direction, author=author, text=text, ts=at.isoformat())  # type: ignore[arg-type]


async def add_rows(engine: AsyncEngine, *rows: object) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        session.add_all(rows)


def decision(conversation_id: str | None, text: str, at: datetime) -> TriageDecisionRecord:
    return TriageDecisionRecord(
        contact_id=f"{conversation_id}:{text[:5]}",
        conversation_id=conversation_id,
        channel="webchat",
        category="crime_report",
        priority="P3",
        confidence=0.9,
        flags=[],
        reasons=["crime words"],
        route_actions=[{"action": "to_bot"}],
        model_version="test",
        redacted_text=text,
        created_at=at,
    )


def contact_log(conversation_id: str, what: str, at: datetime) -> ContactLog:
    return ContactLog(
        conversation_id=conversation_id,
        channel="webchat",
        kind="fraud_redirect",
        summary={"what": what},
        created_at=at,
    )


def handoff(conversation_id: str, what: str, at: datetime) -> HandoffRequestRecord:
    return HandoffRequestRecord(
        conversation_id=conversation_id,
        channel="webchat",
        reason="requested",
        priority="P3",
        intent="request_human",
        summary={"what": what},
        status="open",
        created_at=at,
    )
