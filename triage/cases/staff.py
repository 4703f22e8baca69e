"""What the operator console may ask of the case store, beyond the public-facing port.

Kept apart from :mod:`triage.cases.ports` so the action server never sees staff methods.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StatusEntry:
    """One step of a case's status history."""

    status: str
    status_label: str
    note: str | None
    at: datetime


@dataclass(frozen=True)
class CaseSummary:
    """A row of the console's case list (no personal data)."""

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


@dataclass(frozen=True)
class CaseUpdateEntry:
    """Information the reporter added later."""

    text: str
    at: datetime


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


class CaseConsole(abc.ABC):
    """Staff-facing operations on cases."""

    @abc.abstractmethod
    async def list_cases(self, limit: int = 50) -> list[CaseSummary]:
        """The newest cases first."""

    @abc.abstractmethod
    async def get_case(self, reference: str) -> CaseDetail | None:
        """One case with its history and updates; None for an unknown reference."""

    @abc.abstractmethod
    async def set_status(self, reference: str, status: str, note: str | None = None) -> bool:
        """Move a case to ``status`` and record it in the history; False if unknown case.

        Raises ValueError for a status that does not exist.
        """
