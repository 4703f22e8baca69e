"""What the action server and the gateway may ask of a case system.

Adapters: the local SQL store (default) and, later, an external records system over HTTP.
Callers depend only on these classes.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ReportSubmission:
    """A completed crime report as collected by a form."""

    idempotency_key: str
    conversation_id: str
    channel: str
    crime_type: str
    details: Mapping[str, str]
    reporter_name: str | None
    reporter_contact: str | None
    contact_consent: bool
    priority: str = "P3"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the person is told after a submission.

    `created` is False when the idempotency key had been seen, so the same reference
    comes back for a retried or replayed submission.
    """

    reference: str
    created: bool


@dataclass(frozen=True)
class CaseView:
    """The part of a case a verified member of the public may see."""

    reference: str
    crime_type: str
    status: str
    status_label: str
    updated_at: datetime


@dataclass(frozen=True)
class ContactRecord:
    """A contact that did not become a case (e.g. a fraud redirect), kept for the record."""

    conversation_id: str
    channel: str
    kind: str
    summary: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HandoffRequest:
    """A request for a human operator to join a conversation."""

    conversation_id: str
    channel: str
    reason: str  # "emergency" | "requested" | "failure"
    priority: str  # "P1" .. "P4"
    intent: str | None = None
    summary: Mapping[str, str] = field(default_factory=dict)


class CaseSystem(abc.ABC):
    """Port to wherever cases are kept."""

    @abc.abstractmethod
    async def submit(self, report: ReportSubmission) -> Receipt:
        """Store a report once per idempotency key and return its reference."""

    @abc.abstractmethod
    async def lookup(self, reference: str, verify_detail: str) -> CaseView | None:
        """The case, only if the reference exists and the detail matches; else None."""

    @abc.abstractmethod
    async def add_information(self, reference: str, verify_detail: str, text: str) -> bool:
        """Attach new information to a verified case; False when verification fails."""

    @abc.abstractmethod
    async def record_contact(self, contact: ContactRecord) -> None:
        """Keep a record of a contact that did not become a case."""

    @abc.abstractmethod
    async def request_handoff(self, request: HandoffRequest) -> str:
        """Record a request for a human operator; returns the request id."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""
