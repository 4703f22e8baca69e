"""What staff (the command line, the operator console) may ask of the case store.

Kept apart from :mod:`triage.cases.ports` so the action server never sees staff methods.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from triage.cases.processing_log import Access


@dataclass(frozen=True)
class StatusEntry:
    """One step of a case's status history."""

    status: str
    status_label: str
    note: str | None
    at: datetime
    outcome: str | None = None
    changed_by: str | None = None


@dataclass(frozen=True)
class CaseSummary:
    """A row of the case list (no personal data)."""

    reference: str
    crime_type: str
    status: str
    status_label: str
    priority: str
    flags: tuple[str, ...]
    channel: str
    conversation_id: str
    created_at: datetime
    updated_at: datetime
    crime_family: str = ""
    outcome: str | None = None


@dataclass(frozen=True)
class CaseUpdateEntry:
    """Information the reporter added later."""

    text: str
    at: datetime


@dataclass(frozen=True)
class MessageEntry:
    """A message staff left for the reporter."""

    text: str
    at: datetime
    sent_by: str | None = None


@dataclass(frozen=True)
class CaseDetail:
    """Everything about one case, for a member of staff."""

    summary: CaseSummary
    details: Mapping[str, str]
    reporter_name: str | None
    reporter_contact: str | None
    contact_consent: bool
    history: tuple[StatusEntry, ...] = ()
    updates: tuple[CaseUpdateEntry, ...] = field(default_factory=tuple)
    messages: tuple[MessageEntry, ...] = ()
    account: str = ""
    location: str | None = None
    time_window: str | None = None
    receipt_code: str | None = None


@dataclass(frozen=True)
class Erased:
    """What retention erased (or, in a dry run, would erase) from one case: names only."""

    reference: str
    fields: tuple[str, ...]
    last_changed: datetime


class CaseConsole(abc.ABC):
    """Staff-facing operations on cases."""

    @abc.abstractmethod
    async def list_cases(
        self, limit: int = 50, *, status: str | None = None, family: str | None = None
    ) -> list[CaseSummary]:
        """The newest cases first, optionally only those in one status or crime family."""

    @abc.abstractmethod
    async def get_case(self, reference: str, *, access: Access | None = None) -> CaseDetail | None:
        """One case by reference (or by the receipt code it arrived with); None if unknown.

        Logged as a consultation by ``access`` (who and why).
        """

    @abc.abstractmethod
    async def set_status(
        self,
        reference: str,
        status: str,
        note: str | None = None,
        *,
        outcome: str | None = None,
        changed_by: str | None = None,
        access: Access | None = None,
    ) -> bool:
        """Move a case to ``status`` and record it in the history; False if unknown case.

        Raises ValueError for a status or outcome that does not exist, for closing without
        an outcome, and for an outcome on a status other than closed.
        """

    @abc.abstractmethod
    async def send_message(
        self,
        reference: str,
        text: str,
        *,
        sent_by: str | None = None,
        access: Access | None = None,
    ) -> bool:
        """Leave a message the reporter sees when they next track the case; False if unknown."""

    @abc.abstractmethod
    async def link_conversation(
        self, reference: str, conversation_id: str, *, access: Access | None = None
    ) -> bool:
        """Attach a conversation to an existing case (e.g. the reporter came back through the
        console); False if the case is unknown. Linking twice is not an error and adds nothing.

        Logged as a combination by ``access``.
        """

    @abc.abstractmethod
    async def review_cases(self, untouched_since: datetime, limit: int = 500) -> list[CaseSummary]:
        """Open cases nobody has changed since ``untouched_since``, the longest idle first."""

    @abc.abstractmethod
    async def purge_closed(
        self, closed_before: datetime, access: Access, *, dry_run: bool = False
    ) -> list[Erased]:
        """Erase the personal data of cases closed and untouched since before the cutoff,
        logging each erasure (names of fields, never their contents)."""
