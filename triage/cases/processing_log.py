"""The processing log the Data Protection Act 2018 (Part 3, s.62) asks for.

Every collection, alteration, consultation, disclosure, combination and erasure of a
case's personal data leaves one entry: what was done, to which case (by reference or
receipt code), by whom, why, for whom, when, and which fields it touched. An entry never
holds the personal data itself, so it can outlive the data it describes (an erasure entry
names the erased fields, not their contents).

The local SQL store writes entries in the same transaction as the work they describe: if
the entry cannot be written, the work is not done either. Callers say who is acting with
an `Access`; the store falls back to ``unattributed`` rather than logging nothing.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_ACTOR = 120
MAX_JUSTIFICATION = 500


class LogAction(StrEnum):
    """The kinds of processing s.62(1) lists."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"


class SubjectKind(StrEnum):
    """What an entry's ``subject_ref`` names."""

    CASE = "case"
    OUTBOX = "outbox"


class ReasonRequired(ValueError):
    """A consultation by staff without a justification (s.62(3)(a) needs one)."""


def public_actor(conversation_id: str) -> str:
    """A member of the public, by a digest of their conversation id (not the id itself)."""
    return "public:" + hashlib.sha256(conversation_id.encode()).hexdigest()[:16]


def _clean(text: str | None, limit: int) -> str | None:
    if text is None or not text.strip():
        return None
    return " ".join(text.split())[:limit]


@dataclass(frozen=True)
class Access:
    """Who is acting and why: given by the caller, written into every entry it causes."""

    actor: str
    justification: str | None = None

    @classmethod
    def staff(cls, name: str | None, reason: str | None = None) -> Access:
        """A member of staff; ``name`` is their login or collar number."""
        who = _clean(name, MAX_ACTOR - len("staff:"))
        return cls(f"staff:{who}" if who else UNATTRIBUTED.actor, _clean(reason, MAX_JUSTIFICATION))

    @classmethod
    def public(cls, conversation_id: str, reason: str | None = None) -> Access:
        return cls(public_actor(conversation_id), reason)

    @classmethod
    def system(cls, name: str, reason: str | None = None) -> Access:
        """A process acting on its own (the outbox worker, the retention job)."""
        return cls(f"system:{name}", _clean(reason, MAX_JUSTIFICATION))

    def require_reason(self) -> Access:
        """This access, or `ReasonRequired` when it gives no justification."""
        if not self.justification:
            raise ReasonRequired("a reason is needed to consult a case")
        return self


UNATTRIBUTED = Access("unattributed")


@dataclass(frozen=True)
class LogEntry:
    """One line of the processing log (no personal data of the case in it)."""

    action: LogAction
    subject_kind: SubjectKind
    subject_ref: str
    actor: str
    at: datetime
    justification: str | None = None
    recipient: str | None = None
    fields: tuple[str, ...] = ()
    detail: str | None = None


class ProcessingLog(abc.ABC):
    """Port: reading the log, and writing entries for work done outside the case store."""

    @abc.abstractmethod
    async def record(self, entries: Sequence[LogEntry]) -> None:
        """Write ``entries`` in one transaction; raises if they cannot all be written."""

    @abc.abstractmethod
    async def log_for(self, reference: str, access: Access) -> list[LogEntry] | None:
        """The entries of one case, oldest first; None for an unknown case.

        Reading the log is itself a consultation, and is logged before it is answered.
        """
