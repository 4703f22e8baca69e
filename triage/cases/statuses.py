"""Case statuses and the words the public sees for each.

One list, so the store, the console and the bot's tracking answer cannot disagree.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case is in the force's process."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    CRIME_RECORDED = "crime_recorded"
    ALLOCATED = "allocated"
    FURTHER_INFORMATION_NEEDED = "further_information_needed"
    CLOSED = "closed"


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.RECEIVED: "Received, waiting to be reviewed",
    CaseStatus.UNDER_REVIEW: "Being reviewed by our team",
    CaseStatus.CRIME_RECORDED: "Recorded as a crime",
    CaseStatus.ALLOCATED: "Allocated to an officer",
    CaseStatus.FURTHER_INFORMATION_NEEDED: "We need more information from you",
    CaseStatus.CLOSED: "Closed",
}


def status_label(status: str) -> str:
    """The human label; raises ValueError for a status that does not exist."""
    return STATUS_LABELS[CaseStatus(status)]


class HandoffStatus(StrEnum):
    """Life of a request for a human operator."""

    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"
