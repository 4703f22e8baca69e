"""Subject access export: everything held about one conversation or one reporter, as JSON.

For a conversation: its transcript, mode, channel, seen message ids and last activity (the
conversation store); its open queue item; its triage decisions (redacted as stored); the
contact records, handoff requests and unsent report draft the case store's database keeps
for it; the staff
audit entries about it; and every case it was reported in or attached to. For a reporter
(an email address or phone number): every case whose reporter contact matches it once
normalised, and each of those cases' conversations as above.

Cases are read through the case store's staff API with ``Access.staff(by, reason)``, so the
case processing log records the consultation, and a disclosure entry is added for each case
(DPA 2018 s.62: disclosures are logged with who, why and to whom). The export itself is
written to the staff audit log (action ``subject_access_export``: who, why, which ids)
before it is handed back, as every other disclosure is.

Two ways in, one function (`SubjectAccess.export`): the staff command
``python -m channels privacy export`` and the console's supervisor route
``POST /console/api/supervisor/export`` (`channels.console.supervisor_api`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from channels.privacy.case_records import (
    CONTACT_RECORDS,
    HANDOFF_REQUESTS,
    REPORT_DRAFTS,
    CaseRecords,
)
from channels.privacy.retention import dm_peer_key
from channels.store import ConversationStore
from channels.x.state import XState
from triage.audit.ports import DecisionLog
from triage.cases.processing_log import Access, LogAction, LogEntry, SubjectKind
from triage.cases.sql_store import SqlCaseSystem
from triage.queue.ports import OperatorQueue
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, StaffAudit

FORMAT_VERSION = 1
RECIPIENT = "data subject (subject access request)"
AUDIT_LIMIT = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def _plain(value: Any) -> Any:
    """JSON for what `json` does not know: dataclasses, enums, times."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def to_json(export: dict[str, Any]) -> str:
    """The export as indented UTF-8 JSON text (personal data: handle it as such)."""
    return json.dumps(export, default=_plain, ensure_ascii=False, indent=2) + "\n"


def counts(export: dict[str, Any]) -> tuple[int, int]:
    """How many conversations and cases an export holds (for messages and logs)."""
    return len(export["conversations"]), len(export["cases"])


class NothingHeld(LookupError):
    """Nothing at all is held about the subject asked for."""


class SubjectAccess:
    """Gathers an export and records it. ``store``/``queue`` None: not reachable from this
    process (the demo keeps them in the gateway); ``cases``/``records`` None: no local case
    store. What could not be read is said in the export's ``notes``."""

    def __init__(
        self,
        *,
        store: ConversationStore | None,
        queue: OperatorQueue | None,
        decisions: DecisionLog,
        audit: StaffAudit,
        cases: SqlCaseSystem | None,
        records: CaseRecords | None,
        clock: Callable[[], datetime] = utcnow,
        x_state: XState | None = None,
    ) -> None:
        self.x_state = x_state
        self.store = store
        self.queue = queue
        self.decisions = decisions
        self.audit = audit
        self.cases = cases
        self.records = records
        self._clock = clock

    def _notes(self) -> list[str]:
        notes = []
        if self.store is None:
            notes.append(
                "The conversation store is kept inside the gateway process (no REDIS_URL): "
                "transcripts could not be read by this command."
            )
        if self.queue is None:
            notes.append("The operator queue is kept inside the gateway process (no REDIS_URL).")
        if self.cases is None or self.records is None:
            notes.append("Cases are held by an external case system: ask its owners.")
        return notes

    @staticmethod
    def _require(by: str, reason: str) -> tuple[str, str]:
        who, why = " ".join(by.split()), " ".join(reason.split())
        if not who or not why:
            raise ValueError("an export needs who is making it (--by) and why (--reason)")
        return who, why

    async def export(
        self,
        *,
        conversation: str | None = None,
        reporter: str | None = None,
        by: str,
        reason: str,
    ) -> dict[str, Any]:
        """The one way in for the command and the console's supervisor route: exactly one
        of ``conversation`` (an id) and ``reporter`` (an email address or phone number).

        Raises ValueError for a request that cannot be answered as asked (no who or why,
        both subjects or neither, a contact that is neither an email address nor a phone
        number) and `NothingHeld` when nothing is held. The export is in the staff audit
        log before it is returned; if the log cannot be written it is not returned.
        """
        if (conversation is None) == (reporter is None):
            raise ValueError("give either a conversation id or a reporter's contact, not both")
        if conversation is not None:
            return await self.conversation(conversation, by=by, reason=reason)
        assert reporter is not None
        return await self.reporter(reporter, by=by, reason=reason)

    async def conversation(self, conversation_id: str, *, by: str, reason: str) -> dict[str, Any]:
        """Everything about one conversation; raises `NothingHeld` when nothing is."""
        who, why = self._require(by, reason)
        conversation_id = conversation_id.strip()
        section = await self._conversation(conversation_id)
        references = section["case_references"]
        if not section.pop("held"):
            raise NothingHeld(f"nothing is held about conversation {conversation_id!r}")
        cases = [await self._case(ref, who, why) for ref in references]
        export = self._envelope("conversation", conversation_id, who, why)
        export["conversations"] = [section]
        export["cases"] = [c for c in cases if c is not None]
        await self._record(export, who, why)
        return export

    async def reporter(self, contact: str, *, by: str, reason: str) -> dict[str, Any]:
        """Every case whose reporter contact matches ``contact`` (normalised email or phone)
        and those cases' conversations; raises `NothingHeld` when there are none and
        ValueError when ``contact`` is neither an email address nor a phone number."""
        who, why = self._require(by, reason)
        if self.records is None or self.cases is None:
            raise NothingHeld("reporters can only be found in the local case store")
        references = await self.records.case_references_for_reporter(contact)
        cases = [c for c in [await self._case(ref, who, why) for ref in references] if c]
        if not cases:
            raise NothingHeld("no case has a reporter with that email address or phone number")
        conversation_ids = list(
            dict.fromkeys(cid for case in cases for cid in case["conversation_ids"])
        )
        export = self._envelope("reporter", contact.strip(), who, why)
        sections = [await self._conversation(cid) for cid in conversation_ids]
        for section in sections:
            section.pop("held")
        export["conversations"] = sections
        export["cases"] = cases
        await self._record(export, who, why)
        return export

    def _envelope(self, kind: str, subject: str, who: str, why: str) -> dict[str, Any]:
        return {
            "subject_access_export": {
                "format_version": FORMAT_VERSION,
                "kind": kind,
                "subject": subject,
                "generated_at": self._clock(),
                "generated_by": who,
                "reason": why,
                "notes": self._notes(),
            }
        }

    async def _conversation(self, conversation_id: str) -> dict[str, Any]:
        section: dict[str, Any] = {"conversation_id": conversation_id}
        held = False
        if self.store is not None:
            footprint = await self.store.footprint(conversation_id)
            transcript = await self.store.transcript(conversation_id)
            section["channel"] = await self.store.channel_of(conversation_id)
            section["mode"] = await self.store.get_mode(conversation_id) if footprint.mode else None
            section["last_activity"] = footprint.last_activity
            section["resume_pending"] = footprint.resume_pending
            section["seen_message_ids"] = await self.store.seen_message_ids(conversation_id)
            section["transcript"] = [entry.to_json() for entry in transcript]
            held = held or not footprint.empty
        peer_key = dm_peer_key(conversation_id)
        if peer_key is not None and self.x_state is not None:
            peer = await self.x_state.get(peer_key)
            section["x_dm_participant"] = peer  # the X account id replies are sent to
            held = held or bool(peer)
        if self.queue is not None:
            item = await self.queue.item_for(conversation_id)
            section["queue_item"] = item.as_json() if item is not None else None
            held = held or item is not None
        decisions = await self.decisions.for_conversation(conversation_id)
        section["triage_decisions"] = decisions
        held = held or bool(decisions)
        references: list[str] = []
        if self.records is not None:
            for table in (CONTACT_RECORDS, HANDOFF_REQUESTS, REPORT_DRAFTS):
                rows = await self.records.rows_for(table, conversation_id)
                section[table] = rows
                held = held or bool(rows)
            references = await self.records.case_references_for_conversation(conversation_id)
        section["case_references"] = references
        audit = await self.audit.search(
            AuditQuery(conversation_id=conversation_id, limit=AUDIT_LIMIT)
        )
        section["staff_audit"] = list(reversed(audit))  # oldest first, like the rest
        section["held"] = held or bool(references) or bool(audit)
        return section

    async def _case(self, reference: str, who: str, why: str) -> dict[str, Any] | None:
        """One case through the staff API (logged as a consultation by ``who``), its
        processing log, conversations and audit entries; a disclosure entry is logged."""
        if self.cases is None:
            return None
        access = Access.staff(who, why)
        detail = await self.cases.get_case(reference, access=access)
        if detail is None:
            return None
        ref = detail.summary.reference
        processing_log = await self.cases.log_for(ref, access) or []
        conversations = await self.cases.linked_conversations(ref) or []
        audit = await self.audit.search(AuditQuery(case_reference=ref, limit=AUDIT_LIMIT))
        await self.cases.record(
            [
                LogEntry(
                    action=LogAction.DISCLOSURE,
                    subject_kind=SubjectKind.CASE,
                    subject_ref=ref,
                    actor=access.actor,
                    at=self._clock(),
                    justification=access.justification,
                    recipient=RECIPIENT,
                    fields=("cases", "case_status_changes", "case_messages", "case_updates"),
                    detail="subject access export",
                )
            ]
        )
        return {
            "reference": ref,
            "case": detail,
            "conversation_ids": conversations,
            "processing_log": processing_log,
            "staff_audit": list(reversed(audit)),
        }

    async def _record(self, export: dict[str, Any], who: str, why: str) -> None:
        """One audit entry per conversation and per case exported (ids only), written
        before the export is handed back."""
        kind = export["subject_access_export"]["kind"]
        references = [case["reference"] for case in export["cases"]]
        for section in export["conversations"]:
            cases = [r for r in section["case_references"] if r in references]
            await self.audit.record(
                AuditEntry(
                    actor=who,
                    action=AuditAction.SUBJECT_ACCESS_EXPORT,
                    conversation_id=section["conversation_id"],
                    reason=why,
                    detail=f"export={kind} cases={','.join(cases) or '-'}"[:200],
                    at=self._clock(),
                )
            )
        for reference in references:
            await self.audit.record(
                AuditEntry(
                    actor=who,
                    action=AuditAction.SUBJECT_ACCESS_EXPORT,
                    case_reference=reference,
                    reason=why,
                    detail=f"export={kind}",
                    at=self._clock(),
                )
            )
