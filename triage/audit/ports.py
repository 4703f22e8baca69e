"""The decision log port: every triage decision, what was done, and why.

What is stored is redacted here, in one place, before any adapter sees it, so no adapter can
forget to. Records serve audit ("why did this go to the bot?") and measuring the classifier
on real traffic.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triage.decisions import Category, Channel, Contact, Decision, Flag, Priority
from triage.redact import redact
from triage.routing.plan import RoutePlan


@dataclass(frozen=True)
class DecisionEntry:
    """One stored decision; every text field is redacted."""

    id: int
    contact_id: str
    conversation_id: str | None
    channel: Channel
    category: Category
    priority: Priority
    confidence: float
    flags: tuple[Flag, ...]
    reasons: tuple[str, ...]
    route_actions: tuple[dict[str, Any], ...]
    model_version: str
    redacted_text: str
    created_at: datetime


@dataclass(frozen=True)
class DecisionRef:
    """Which decision, of which conversation, when: all retention needs (no text)."""

    id: int
    conversation_id: str | None
    created_at: datetime


def redacted_entry(
    contact: Contact,
    decision: Decision,
    plan: RoutePlan,
    model_version: str,
    created_at: datetime | None = None,
) -> DecisionEntry:
    """The entry to store, with id 0 until an adapter assigns one."""
    return DecisionEntry(
        id=0,
        contact_id=contact.id,
        conversation_id=contact.conversation_id,
        channel=contact.channel,
        category=decision.category,
        priority=decision.priority,
        confidence=float(decision.confidence),
        flags=tuple(Flag(flag.flag, redact(flag.evidence)) for flag in decision.flags),
        reasons=tuple(redact(reason) for reason in decision.reasons),
        route_actions=tuple(plan.as_list()),
        model_version=model_version,
        redacted_text=redact(contact.text),
        created_at=created_at or datetime.now(UTC),
    )


class DecisionLog(abc.ABC):
    """Port to wherever decisions are kept."""

    @abc.abstractmethod
    async def record(
        self, contact: Contact, decision: Decision, plan: RoutePlan, model_version: str
    ) -> DecisionEntry:
        """Store the decision (redacted) and return what was stored."""

    @abc.abstractmethod
    async def recent(self, limit: int = 50) -> list[DecisionEntry]:
        """The newest decisions first."""

    # --- retention and subject access (channels.privacy) --------------------------------

    @abc.abstractmethod
    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[DecisionRef]:
        """Decisions recorded before ``before``, oldest first (ids only, for retention)."""

    @abc.abstractmethod
    async def erase(self, ids: Sequence[int]) -> int:
        """Delete these decisions; how many there were."""

    @abc.abstractmethod
    async def for_conversation(
        self, conversation_id: str, limit: int = 1000
    ) -> list[DecisionEntry]:
        """One conversation's decisions, oldest first (for a subject access export)."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release connections."""
