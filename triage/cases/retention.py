"""Retention (DPA 2018 s.39): erase what is no longer needed, list what needs a decision.

- Closed cases untouched for ``retention_closed_days`` lose their personal data; the case
  row (reference, type, status history without notes) stays as the record it existed.
- Delivered outbox entries lose whatever personal data they still hold, and expired
  delivered receipt codes are forgotten.
- Open cases untouched for ``review_days`` are listed for a person to decide on.

Every erasure is logged, by reference and field names only. Outbox entries live outside
the case database, so their log entries are written first: if the log cannot be written
nothing is erased, and an erasure that then fails is retried (and logged again) next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triage.cases.models import utcnow
from triage.cases.outbox import Outbox
from triage.cases.processing_log import Access, LogAction, LogEntry, ProcessingLog, SubjectKind
from triage.cases.staff import CaseConsole, CaseSummary, Erased


@dataclass(frozen=True)
class PurgeReport:
    """What a purge erased, or in a dry run would erase."""

    dry_run: bool
    closed_before: datetime
    cases: tuple[Erased, ...]
    outbox: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    expired_receipts: int = 0


class Retention:
    """The retention rules over the case store, its processing log and the outbox."""

    def __init__(
        self,
        cases: CaseConsole,
        log: ProcessingLog,
        outbox: Outbox,
        *,
        closed_days: int,
        review_days: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if closed_days < 1 or review_days < 1:
            raise ValueError("retention and review periods must be at least one day")
        self.cases = cases
        self.log = log
        self.outbox = outbox
        self.closed_days = closed_days
        self.review_days = review_days
        self._clock = clock

    async def purge(self, access: Access, *, dry_run: bool = False) -> PurgeReport:
        cutoff = self._clock() - timedelta(days=self.closed_days)
        erased = await self.cases.purge_closed(cutoff, access, dry_run=dry_run)
        held = dict(await self.outbox.holding_personal_data())
        expired = 0
        if not dry_run:
            if held:
                now = self._clock()
                await self.log.record(
                    [
                        LogEntry(
                            action=LogAction.ERASURE,
                            subject_kind=SubjectKind.OUTBOX,
                            subject_ref=code,
                            actor=access.actor,
                            at=now,
                            justification=access.justification,
                            fields=fields,
                            detail="delivered to the case system; outbox copy not needed",
                        )
                        for code, fields in held.items()
                    ]
                )
                await self.outbox.erase_delivered(list(held))
            expired = await self.outbox.purge()
        return PurgeReport(dry_run, cutoff, tuple(erased), held, expired)

    async def review(self) -> tuple[datetime, list[CaseSummary]]:
        """The cutoff and the open cases untouched since before it."""
        cutoff = self._clock() - timedelta(days=self.review_days)
        return cutoff, await self.cases.review_cases(cutoff)
