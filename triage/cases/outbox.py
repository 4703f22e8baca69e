"""The outbox: reports held while the case system is down, until a worker delivers them.

The person gets a receipt code at once; the worker (`triage.cases.worker`) submits the held
report when the case system is back and records the reference against the receipt code,
so the person can learn it by tracking the receipt code. Delivery is at least once, and
the case system's idempotency key turns that into exactly one case.

Adapters: a Redis stream (`redis_outbox`, when REDIS_URL is set: shared by every process)
and a local SQLite spool file (`spool_outbox`, the default: one machine). Neither uses the
case database, whose outage is what the outbox is for.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from triage.cases.ports import ReportSubmission
from triage.cases.verification import extract_tokens

DELIVERED_RETENTION_SECONDS = 30 * 24 * 3600
"""How long a delivered receipt code still leads to its reference (no personal data kept)."""


ERASED_KEY_PREFIX = "sha256:"


def erased_key(idempotency_key: str) -> str:
    """What a delivered entry keeps instead of its idempotency key (which names the
    conversation): enough to recognise a replay of the same report, not to read it."""
    return ERASED_KEY_PREFIX + hashlib.sha256(idempotency_key.encode()).hexdigest()


class OutboxUnavailable(Exception):
    """The outbox itself could not be written or read."""


class HeldState(StrEnum):
    """Where a held report is."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    """Refused by the case system (not an outage): kept for staff, never retried."""


@dataclass(frozen=True)
class HeldReport:
    """What the outbox knows about a receipt code, for tracking.

    ``verify_tokens`` (the normalised email, phone and postcode) are kept only while the
    report waits, so the person can be verified before anything is said about it; after
    delivery the case system verifies them instead and the outbox keeps no personal data.
    """

    receipt_code: str
    state: HeldState
    reference: str | None
    verify_tokens: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """A held report leased to one worker for one delivery attempt."""

    receipt_code: str
    report: ReportSubmission
    attempts: int


@dataclass(frozen=True)
class Put:
    """The receipt code for a report; ``created`` is False when its key was already held."""

    receipt_code: str
    created: bool


def verify_tokens_of(report: ReportSubmission) -> list[str]:
    """The details that verify the reporter, normalised as the case store keeps them."""
    return extract_tokens([report.reporter_contact, report.location])


def with_receipt(report: ReportSubmission, receipt_code: str) -> ReportSubmission:
    """The report as it will be delivered: carrying the receipt code the person holds."""
    return replace(report, receipt_code=receipt_code)


class Outbox(abc.ABC):
    """Port to the durable store of reports waiting for the case system."""

    @abc.abstractmethod
    async def put(self, report: ReportSubmission) -> Put:
        """Hold ``report`` durably; the same idempotency key always gets the same code."""

    @abc.abstractmethod
    async def find(self, receipt_code: str) -> HeldReport | None:
        """The held report with this canonical receipt code, or None."""

    @abc.abstractmethod
    async def claim(self, limit: int) -> list[OutboxItem]:
        """Up to ``limit`` reports due for delivery, leased to the caller.

        A lease that is not settled (delivered, retry_later, dead) in time expires and the
        report is offered again, so a worker that dies mid-delivery loses nothing.
        """

    @abc.abstractmethod
    async def delivered(self, item: OutboxItem, reference: str) -> None:
        """Record the reference and drop the report's personal data from the outbox."""

    @abc.abstractmethod
    async def retry_later(self, item: OutboxItem, delay_seconds: float, reason: str) -> None:
        """Release the lease; offer the report again after ``delay_seconds``."""

    @abc.abstractmethod
    async def dead(self, item: OutboxItem, reason: str) -> None:
        """Stop trying: the case system refused the report. Staff see it in the counts."""

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]:
        """How many reports are in each state (pending, delivered, dead)."""

    @abc.abstractmethod
    async def purge(self) -> int:
        """Forget delivered receipt codes older than the retention period; how many went."""

    @abc.abstractmethod
    async def holding_personal_data(self) -> Mapping[str, tuple[str, ...]]:
        """Delivered entries that still hold personal data: receipt code -> field names."""

    @abc.abstractmethod
    async def erase_delivered(self, receipt_codes: Sequence[str]) -> int:
        """Erase the personal data of these delivered entries; how many were erased.

        Entries not (or no longer) delivered are left alone.
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""
