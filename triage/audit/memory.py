"""Decisions kept in a list: for tests and for running triage with nothing else started."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from triage.audit.ports import DecisionEntry, DecisionLog, DecisionRef, redacted_entry
from triage.decisions import Contact, Decision
from triage.routing.plan import RoutePlan

MAX_KEPT = 10_000


class InMemoryDecisionLog(DecisionLog):
    """Keeps the newest ``max_kept`` decisions (so a long demo cannot exhaust memory)."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._entries: list[DecisionEntry] = []
        self._next_id = 1
        self._max_kept = max_kept

    async def record(
        self, contact: Contact, decision: Decision, plan: RoutePlan, model_version: str
    ) -> DecisionEntry:
        entry = replace(redacted_entry(contact, decision, plan, model_version), id=self._next_id)
        self._next_id += 1
        self._entries.append(entry)
        del self._entries[: -self._max_kept]
        return entry

    async def recent(self, limit: int = 50) -> list[DecisionEntry]:
        return list(reversed(self._entries[-limit:])) if limit > 0 else []

    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[DecisionRef]:
        old = sorted(
            (e for e in self._entries if e.created_at < before), key=lambda e: (e.created_at, e.id)
        )
        return [DecisionRef(e.id, e.conversation_id, e.created_at) for e in old[: max(limit, 0)]]

    async def erase(self, ids: Sequence[int]) -> int:
        doomed = set(ids)
        before = len(self._entries)
        self._entries = [e for e in self._entries if e.id not in doomed]
        return before - len(self._entries)

    async def for_conversation(
        self, conversation_id: str, limit: int = 1000
    ) -> list[DecisionEntry]:
        return [e for e in self._entries if e.conversation_id == conversation_id][: max(limit, 0)]

    async def aclose(self) -> None:
        return None
