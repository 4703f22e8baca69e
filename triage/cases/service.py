"""Use cases over the ports: taking in a report, tracking and adding to a case.

The action server calls these rather than the adapters, so the rules (outbox on an
outage, rate limits before any lookup, the same answer for a wrong reference and a wrong
detail, receipt codes leading to references) hold whichever adapters are wired in.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from enum import StrEnum

import structlog

from triage.cases.attempts import AttemptLimiter, LimiterUnavailable
from triage.cases.outbox import HeldState, Outbox, OutboxUnavailable
from triage.cases.ports import CaseSystem, CaseSystemUnavailable, CaseView, ReportSubmission
from triage.cases.processing_log import Access
from triage.cases.references import normalise_receipt_code, normalise_reference
from triage.cases.verification import detail_matches

log = structlog.get_logger(__name__)

OUTBOX_TIMEOUT_SECONDS = 2.5
TRACKING_REASON = "the reporter tracking their own case, verified"
ADDING_REASON = "the reporter adding to their own case, verified"


def key_digest(idempotency_key: str) -> str:
    """A short stand-in for an idempotency key in logs (the key holds a conversation id)."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Submitted:
    """The case system has the report: here is its reference."""

    reference: str
    created: bool


@dataclass(frozen=True)
class Held:
    """The case system is down: the report is in the outbox; the reference will follow."""

    receipt_code: str
    created: bool


class ReportIntake:
    """Submit to the case system; when it is unavailable, hold the report in the outbox."""

    def __init__(self, cases: CaseSystem, outbox: Outbox, *, budget_seconds: float) -> None:
        """``budget_seconds`` bounds the wait for the case system within one turn."""
        self.cases = cases
        self.outbox = outbox
        self.budget_seconds = budget_seconds

    async def submit(self, report: ReportSubmission) -> Submitted | Held:
        """Raises `OutboxUnavailable` only when the case system and the outbox both fail.

        ValueError and `CaseSystemRejected` (a report the system refuses) propagate: holding
        a report that can never be delivered would only delay telling the person.
        """
        try:
            receipt = await asyncio.wait_for(self.cases.submit(report), self.budget_seconds)
            return Submitted(receipt.reference, receipt.created)
        except (CaseSystemUnavailable, TimeoutError) as exc:
            log.warning(
                "case_system_unavailable_holding_report",
                key=key_digest(report.idempotency_key),
                error=type(exc).__name__,
            )
        try:
            put = await asyncio.wait_for(self.outbox.put(report), OUTBOX_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            raise OutboxUnavailable("outbox did not answer in time") from exc
        if not put.created:
            held = await self.outbox.find(put.receipt_code)
            if held is not None and held.state is HeldState.DELIVERED and held.reference:
                return Submitted(held.reference, created=False)
        log.info("report_held", receipt_code=put.receipt_code, created=put.created)
        return Held(put.receipt_code, put.created)


class TrackOutcome(StrEnum):
    """What tracking found; NOT_FOUND covers both a wrong reference and a wrong detail."""

    FOUND = "found"
    PENDING = "pending"
    NOT_FOUND = "not_found"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class TrackResult:
    """The answer to "track my case"; ``view`` only when FOUND, after verification."""

    outcome: TrackOutcome
    view: CaseView | None = None
    receipt_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class _Target:
    """What to ask the case system for, and the held report's tokens if one is waiting."""

    lookup: str
    receipt_code: str | None
    pending_tokens: tuple[str, ...] | None = None


class CaseTracking:
    """Tracking by reference or receipt code, and adding information, behind rate limits.

    A receipt code whose report still waits is answered from the outbox, but only when the
    detail matches; otherwise it takes the same path as a code nobody holds (a lookup in
    the case system), so neither the answer nor an outage tells a guesser which codes exist.
    """

    def __init__(self, cases: CaseSystem, outbox: Outbox, limiter: AttemptLimiter) -> None:
        self.cases = cases
        self.outbox = outbox
        self.limiter = limiter

    async def _admit(self, conversation_id: str, code: str) -> TrackOutcome | None:
        try:
            allowed = await self.limiter.allow(conversation_id, code)
        except LimiterUnavailable:
            log.warning("tracking_limiter_unavailable")
            return TrackOutcome.UNAVAILABLE
        return None if allowed else TrackOutcome.LIMITED

    async def _resolve(self, code: str) -> _Target | None:
        """A receipt code becomes its reference once delivered; None for a malformed code."""
        reference = normalise_reference(code)
        if reference is not None:
            return _Target(reference, None)
        receipt = normalise_receipt_code(code)
        if receipt is None:
            return None
        held = await self.outbox.find(receipt)
        if held is not None and held.state is HeldState.DELIVERED and held.reference:
            return _Target(held.reference, receipt)
        if held is not None and held.state is HeldState.PENDING:
            return _Target(receipt, receipt, held.verify_tokens)
        # Unknown here (expired, held elsewhere) or refused: the case system may know it.
        return _Target(receipt, receipt)

    async def _verified(self, code: str, detail: str) -> tuple[_Target | None, bool]:
        """(target, still pending and verified)."""
        target = await self._resolve(code)
        if target is None:
            return None, False
        pending = target.pending_tokens is not None and detail_matches(
            detail, target.pending_tokens
        )
        return target, pending

    async def track(self, conversation_id: str, code: str, detail: str) -> TrackResult:
        """The case's public view, only with the right detail and within the limits."""
        refused = await self._admit(conversation_id, code)
        if refused is not None:
            return TrackResult(refused)
        try:
            target, pending = await self._verified(code, detail)
            if target is None:
                return TrackResult(TrackOutcome.NOT_FOUND)
            if pending:
                return TrackResult(TrackOutcome.PENDING, receipt_code=target.receipt_code)
            view = await self.cases.lookup(
                target.lookup, detail, access=Access.public(conversation_id, TRACKING_REASON)
            )
        except (CaseSystemUnavailable, OutboxUnavailable, TimeoutError) as exc:
            log.warning("tracking_unavailable", error=type(exc).__name__)
            return TrackResult(TrackOutcome.UNAVAILABLE)
        if view is None:
            return TrackResult(TrackOutcome.NOT_FOUND)
        return TrackResult(TrackOutcome.FOUND, view, target.receipt_code, view.reference)

    async def add_information(
        self, conversation_id: str, code: str, detail: str, text: str
    ) -> TrackResult:
        """Attach information to a verified case; a report still held cannot take it yet."""
        refused = await self._admit(conversation_id, code)
        if refused is not None:
            return TrackResult(refused)
        try:
            target, pending = await self._verified(code, detail)
            if target is None:
                return TrackResult(TrackOutcome.NOT_FOUND)
            if pending:
                return TrackResult(TrackOutcome.PENDING, receipt_code=target.receipt_code)
            added = await self.cases.add_information(
                target.lookup, detail, text, access=Access.public(conversation_id, ADDING_REASON)
            )
        except (CaseSystemUnavailable, OutboxUnavailable, TimeoutError) as exc:
            log.warning("adding_information_unavailable", error=type(exc).__name__)
            return TrackResult(TrackOutcome.UNAVAILABLE)
        if not added:
            return TrackResult(TrackOutcome.NOT_FOUND)
        reference = normalise_reference(target.lookup) or target.lookup
        return TrackResult(
            TrackOutcome.FOUND, receipt_code=target.receipt_code, reference=reference
        )
