"""What the action server and the gateway may ask of a case system.

Adapters: the local SQL store (default) and an external records system over HTTP
(`triage.cases.http_adapter`, contract in docs/case-system.openapi.yaml). Callers depend
only on these classes.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triage.cases.processing_log import Access


class CaseSystemUnavailable(Exception):
    """The case system could not be reached or did not answer in time.

    Transient by nature: the same call may succeed later, so a report that meets this goes
    to the outbox instead of being lost. Anything else (a refused report, a bug) is not
    retried blindly.
    """


class CaseSystemRejected(Exception):
    """The case system understood the request and refused it; retrying will not help."""


@dataclass(frozen=True)
class ReportSubmission:
    """A completed crime report as collected by a form.

    ``account``, ``location`` and ``time_window`` are the free-text account, the place and
    the normalised "when"; ``details`` holds the remaining answers of the form.
    ``receipt_code`` is set when the report waited in the outbox, so the case remembers
    the code the person was given.
    """

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
    account: str = ""
    location: str | None = None
    time_window: str | None = None
    receipt_code: str | None = None


@dataclass(frozen=True)
class Receipt:
    """What the person is told after a submission.

    `created` is False when the idempotency key had been seen, so the same reference
    comes back for a retried or replayed submission.
    """

    reference: str
    created: bool


@dataclass(frozen=True)
class ReporterMessage:
    """A message from the force to the person who reported, shown after verification."""

    text: str
    at: datetime


@dataclass(frozen=True)
class CaseView:
    """The part of a case a verified member of the public may see."""

    reference: str
    crime_type: str
    status: str
    status_label: str
    updated_at: datetime
    outcome: str | None = None
    outcome_label: str | None = None
    messages: tuple[ReporterMessage, ...] = ()


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
    """Port to wherever cases are kept.

    Adapters raise `CaseSystemUnavailable` for failures worth retrying later and
    `CaseSystemRejected` (or ValueError for a malformed call) for the rest.
    """

    @abc.abstractmethod
    async def submit(self, report: ReportSubmission, *, access: Access | None = None) -> Receipt:
        """Store a report once per idempotency key and return its reference.

        ``access`` is who collected it, for the processing log: the reporter themselves
        (the default) or a member of staff creating a case from a live chat.
        """

    @abc.abstractmethod
    async def lookup(
        self, reference: str, verify_detail: str, *, access: Access | None = None
    ) -> CaseView | None:
        """The case, only if the reference exists and the detail matches; else None.

        ``access`` says who is looking, for the processing log (DPA 2018 s.62).
        """

    @abc.abstractmethod
    async def add_information(
        self, reference: str, verify_detail: str, text: str, *, access: Access | None = None
    ) -> bool:
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


@dataclass(frozen=True)
class ReportDraft:
    """What a person has answered of a crime report not yet sent, one per conversation.

    ``answers`` maps slot names to the text shown back to the person (personal data);
    ``asking`` is the slot being asked for. Timestamps and ``status`` are set by the store.
    """

    conversation_id: str
    channel: str
    crime_type: str
    answers: Mapping[str, str]
    asking: str | None = None
    status: str = "unsent"
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DraftStore(abc.ABC):
    """Port to where unsent report drafts are kept (`triage.cases.drafts`).

    Raises `CaseSystemUnavailable` when the store cannot be reached, ValueError for a
    malformed call.
    """

    @abc.abstractmethod
    async def keep_draft(self, draft: ReportDraft) -> None:
        """Insert or replace the conversation's draft (one statement); ``created_at`` and
        ``status`` of an existing draft are kept."""

    @abc.abstractmethod
    async def discard_draft(self, conversation_id: str) -> bool:
        """Delete the conversation's draft (submitted, or cancelled by the person); False
        when there was none."""

    @abc.abstractmethod
    async def unsent_drafts(self, idle_for: timedelta, limit: int = 100) -> list[ReportDraft]:
        """Drafts not updated for at least ``idle_for``, the most recently updated first."""

    @abc.abstractmethod
    async def draft_for(self, conversation_id: str) -> ReportDraft | None:
        """The conversation's draft, or None."""

    @abc.abstractmethod
    async def mark_following_up(self, conversation_id: str) -> bool:
        """Staff have taken the draft up; False when there is no draft."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""
