"""Retention of what the gateway and triage hold about conversations (DPA 2018 s.39).

The shared domain notes (``domain.md``, "Data protection") say personal data is kept no
longer than needed, with time limits for periodic review (s.39), and that erasure is logged
without copying the erased data (s.62). One pass of `RetentionJob`:

- conversations quiet for ``retention_conversation_days`` (default 30): transcript, mode,
  channel, seen message ids and resume flag, plus the conversation's open queue item and,
  for an X direct-message conversation, the X account id kept to answer it;
- operator queue items still open ``retention_queue_days`` (default 30) after they were
  queued, and the action server's handoff requests as old: nobody will answer them now;
- triage decisions (redacted) and contact records older than ``retention_decision_days``
  (default 90): long enough to audit a quarter's routing, no longer;
- unsent report drafts (what a person answered of a report they left) not changed for
  ``retention_draft_days`` (default 30);
- staff audit log entries older than ``retention_audit_days`` (default 2190, six years, a
  common retention for police audit logs; 0 keeps them for ever). The log holds ids, codes
  and redacted reasons, but it is still personal data about staff and the public.

Cases keep their own rules (`triage.cases.retention`, ``python -m triage cases purge``).

Every erasure is written to the staff audit log as ``system:retention`` with the
conversation id (and queue item id) and counts only, never content (old audit entries: one
entry per pass with the count and the cut-off). The entry is written *before* the data is
deleted: if the audit log cannot be written nothing is erased, and an erasure that then
fails is retried (and recorded again) on the next pass, so there is never an erasure
without its record. A conversation whose person wrote again between listing and
erasure is left alone (the store checks atomically) and a second entry says so. Running the
pass again erases nothing more: everything it would find is gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from channels.privacy.case_records import (
    CONTACT_RECORDS,
    HANDOFF_REQUESTS,
    REPORT_DRAFTS,
    CaseRecords,
)
from channels.store import ConversationStore, Footprint
from channels.x.intake import DM_PREFIX
from channels.x.state import XState
from triage.audit.ports import DecisionLog
from triage.queue.ports import OperatorQueue
from triage.settings import Settings
from triage.staff.ports import AuditAction, AuditEntry, StaffAudit

log = structlog.get_logger(__name__)

ACTOR = "system:retention"
REASON = "retention period passed (DPA 2018 s.39)"
DECISIONS = "triage_decisions"
STAFF_AUDIT = "staff_audit"
DEFAULT_AUDIT_DAYS = 2190
"""Six years: a common UK policing retention for audit logs (DPA 2018 s.62 logs)."""
MAX_PER_PASS = 5000
"""At most this many of each kind per pass; the rest go on the next one."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def dm_peer_key(conversation_id: str) -> str | None:
    """The X state key holding a DM conversation's participant (`channels.x.intake`)."""
    if not conversation_id.startswith(DM_PREFIX):
        return None
    return f"dmpeer:{conversation_id.removeprefix(DM_PREFIX)}"


@dataclass(frozen=True)
class Periods:
    """How long each kind of record is kept, in days (from `triage.settings.Settings`)."""

    conversation_days: int = 30
    queue_days: int = 30
    decision_days: int = 90
    audit_days: int = DEFAULT_AUDIT_DAYS
    """Staff audit log entries; 0 keeps them for ever."""
    draft_days: int = 30
    """Unsent report drafts, counted from their last change."""

    def __post_init__(self) -> None:
        days = (self.conversation_days, self.queue_days, self.decision_days, self.draft_days)
        if min(days) < 1:
            raise ValueError("retention periods must be at least one day")
        if self.audit_days < 0:
            raise ValueError("the audit log's retention period must be 0 (for ever) or more")

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(
            settings.retention_conversation_days,
            settings.retention_queue_days,
            settings.retention_decision_days,
            settings.retention_audit_days,
            settings.retention_draft_days,
        )


@dataclass(frozen=True)
class ErasedConversation:
    """A conversation erased (or, in a dry run, to be): its id and counts."""

    conversation_id: str
    footprint: Footprint
    queue_item: str | None = None
    x_dm_peer: bool = False
    """The X account id a DM conversation is answered on was held (and erased)."""


@dataclass(frozen=True)
class ErasedItem:
    """A stale queue item erased: ids only."""

    item_id: str
    conversation_id: str
    enqueued_at: datetime


@dataclass(frozen=True)
class ErasedRows:
    """Rows of one table erased for one conversation (None: rows with no conversation)."""

    table: str
    conversation_id: str | None
    count: int


@dataclass
class RetentionReport:
    """What a pass erased, or in a dry run would erase."""

    dry_run: bool
    conversations_before: datetime
    queue_before: datetime
    decisions_before: datetime
    audit_before: datetime | None = None
    """Staff audit entries made before this go; None when they are kept for ever."""
    drafts_before: datetime | None = None
    """Unsent report drafts last changed before this go."""
    conversation_store: bool = True
    """False when the pass could not reach the conversation store (the demo's is in the
    gateway process), so conversations were not looked at."""
    queue: bool = True
    """As ``conversation_store``, for the operator queue."""
    conversations: list[ErasedConversation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Conversations that became active again before they could be erased."""
    queue_items: list[ErasedItem] = field(default_factory=list)
    rows: list[ErasedRows] = field(default_factory=list)

    def rows_in(self, table: str) -> int:
        return sum(r.count for r in self.rows if r.table == table)

    @property
    def nothing(self) -> bool:
        return not (self.conversations or self.queue_items or self.rows)


class RetentionJob:
    """One retention pass over the conversation store, the queue and the SQL records.

    ``store`` and ``queue`` are None when this process cannot reach them (a command run
    beside a demo gateway that keeps them in its own memory); ``records`` is None without
    the case store's database; ``x_state`` is None without the X channel.
    """

    def __init__(
        self,
        *,
        store: ConversationStore | None,
        queue: OperatorQueue | None,
        decisions: DecisionLog,
        audit: StaffAudit,
        records: CaseRecords | None,
        periods: Periods,
        clock: Callable[[], datetime] = utcnow,
        max_per_pass: int = MAX_PER_PASS,
        x_state: XState | None = None,
    ) -> None:
        self.x_state = x_state
        self.store = store
        self.queue = queue
        self.decisions = decisions
        self.audit = audit
        self.records = records
        self.periods = periods
        self._clock = clock
        self.max_per_pass = max_per_pass

    async def run(self, *, dry_run: bool = False) -> RetentionReport:
        now = self._clock()
        report = RetentionReport(
            dry_run=dry_run,
            conversations_before=now - timedelta(days=self.periods.conversation_days),
            queue_before=now - timedelta(days=self.periods.queue_days),
            decisions_before=now - timedelta(days=self.periods.decision_days),
            audit_before=now - timedelta(days=self.periods.audit_days)
            if self.periods.audit_days
            else None,
            conversation_store=self.store is not None,
            queue=self.queue is not None,
            drafts_before=now - timedelta(days=self.periods.draft_days),
        )
        await self._conversations(report)
        await self._queue_items(report)
        await self._decisions(report)
        if self.records is not None:
            await self._rows(report, CONTACT_RECORDS, report.decisions_before)
            await self._rows(report, HANDOFF_REQUESTS, report.queue_before)
            assert report.drafts_before is not None
            await self._rows(report, REPORT_DRAFTS, report.drafts_before)
        await self._audit_log(report)
        log.info(
            "retention_pass",
            dry_run=dry_run,
            conversations=len(report.conversations),
            skipped=len(report.skipped),
            queue_items=len(report.queue_items),
            decisions=report.rows_in(DECISIONS),
            contact_records=report.rows_in(CONTACT_RECORDS),
            handoff_requests=report.rows_in(HANDOFF_REQUESTS),
            report_drafts=report.rows_in(REPORT_DRAFTS),
            staff_audit=report.rows_in(STAFF_AUDIT),
        )
        return report

    async def _record(
        self,
        detail: str,
        *,
        conversation_id: str | None = None,
        item_id: str | None = None,
    ) -> None:
        await self.audit.record(
            AuditEntry(
                actor=ACTOR,
                action=AuditAction.ERASURE,
                conversation_id=conversation_id,
                item_id=item_id,
                reason=REASON,
                detail=detail,
                at=self._clock(),
            )
        )

    async def _conversations(self, report: RetentionReport) -> None:
        store = self.store
        if store is None:
            return
        cutoff = report.conversations_before
        if not report.dry_run:
            added = await store.index_unlisted()
            if added:
                log.info("retention_indexed_conversations", count=added)
        for conversation_id in await store.list_inactive(cutoff, self.max_per_pass):
            held = await store.footprint(conversation_id)
            item = await self.queue.item_for(conversation_id) if self.queue else None
            item_id = item.id if item is not None else None
            peer_key = dm_peer_key(conversation_id)
            peer = bool(peer_key and self.x_state and await self.x_state.get(peer_key))
            if report.dry_run:
                report.conversations.append(
                    ErasedConversation(conversation_id, held, item_id, peer)
                )
                continue
            if held.empty and item is None and not peer:
                await store.erase(conversation_id, inactive_before=cutoff)  # index entry only
                continue
            detail = f"conversation erased: {held.counts()} queue_item={int(item is not None)}" + (
                " x_dm_peer=1" if peer else ""
            )
            await self._record(detail, conversation_id=conversation_id, item_id=item_id)
            erased = await store.erase(conversation_id, inactive_before=cutoff)
            if erased is None:
                report.skipped.append(conversation_id)
                await self._record(
                    "conversation not erased: active again", conversation_id=conversation_id
                )
                continue
            if item is not None and self.queue is not None:
                await self.queue.remove(item.id)
            if peer and peer_key and self.x_state is not None:
                await self.x_state.release(peer_key)
            report.conversations.append(ErasedConversation(conversation_id, erased, item_id, peer))

    async def _queue_items(self, report: RetentionReport) -> None:
        if self.queue is None:
            return
        for item in await self.queue.list_enqueued_before(report.queue_before, self.max_per_pass):
            erased = ErasedItem(item.id, item.conversation_id, item.enqueued_at)
            if not report.dry_run:
                detail = (
                    f"queue item erased: priority={item.priority.value} "
                    f"channel={item.channel.value} claimed={int(not item.waiting)} "
                    f"queued={item.enqueued_at.date().isoformat()}"
                )
                await self._record(detail, conversation_id=item.conversation_id, item_id=item.id)
                if await self.queue.remove(item.id) is None:
                    continue  # closed by its operator meanwhile: nothing left to erase
            report.queue_items.append(erased)

    async def _decisions(self, report: RetentionReport) -> None:
        refs = await self.decisions.recorded_before(report.decisions_before, self.max_per_pass)
        groups: defaultdict[str | None, list[int]] = defaultdict(list)
        for ref in refs:
            groups[ref.conversation_id].append(ref.id)
        for conversation_id, ids in groups.items():
            if not report.dry_run:
                await self._record(f"{DECISIONS}={len(ids)}", conversation_id=conversation_id)
                await self.decisions.erase(ids)
            report.rows.append(ErasedRows(DECISIONS, conversation_id, len(ids)))

    async def _rows(self, report: RetentionReport, table: str, before: datetime) -> None:
        assert self.records is not None
        refs = await self.records.rows_before(table, before, self.max_per_pass)
        groups: defaultdict[str | None, list[int]] = defaultdict(list)
        for ref in refs:
            groups[ref.conversation_id].append(ref.id)
        for conversation_id, ids in groups.items():
            if not report.dry_run:
                await self._record(f"{table}={len(ids)}", conversation_id=conversation_id)
                await self.records.erase(table, ids)
            report.rows.append(ErasedRows(table, conversation_id, len(ids)))

    async def _audit_log(self, report: RetentionReport) -> None:
        """Old staff audit entries, last (so this pass's own entries are long clear of the
        cut-off): one entry records how many went and the cut-off, then they are deleted in
        batches. Nothing of the erased entries is copied."""
        before = report.audit_before
        if before is None:
            return
        ids = await self.audit.recorded_before(before, self.max_per_pass)
        if not ids:
            return
        if not report.dry_run:
            await self._record(f"{STAFF_AUDIT}={len(ids)} before={before:%Y-%m-%dT%H:%MZ}")
            await self.audit.erase(ids)
        report.rows.append(ErasedRows(STAFF_AUDIT, None, len(ids)))


def group_counts(rows: Sequence[ErasedRows]) -> dict[str, int]:
    """Rows erased per table."""
    totals: defaultdict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.table] += row.count
    return dict(totals)
