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


class CaseOutcome(StrEnum):
    """How a closed case ended (a closed case always has one; an open case never does).

    Modelled on the Home Office outcome groups a reporter can understand without jargon.
    """

    CHARGED = "charged"
    OUT_OF_COURT = "out_of_court_resolution"
    NO_SUSPECT = "no_suspect_identified"
    EVIDENTIAL_DIFFICULTIES = "evidential_difficulties"
    VICTIM_DOES_NOT_SUPPORT = "victim_does_not_support_action"
    NOT_IN_PUBLIC_INTEREST = "not_in_public_interest"
    REFERRED_ELSEWHERE = "referred_to_another_agency"
    NO_CRIME = "no_crime"


OUTCOME_LABELS: dict[CaseOutcome, str] = {
    CaseOutcome.CHARGED: "Someone has been charged",
    CaseOutcome.OUT_OF_COURT: "Dealt with out of court (for example a caution)",
    CaseOutcome.NO_SUSPECT: "Investigation complete, no suspect identified",
    CaseOutcome.EVIDENTIAL_DIFFICULTIES: "Not enough evidence to take further action",
    CaseOutcome.VICTIM_DOES_NOT_SUPPORT: "Closed at your request",
    CaseOutcome.NOT_IN_PUBLIC_INTEREST: "No further action in the public interest",
    CaseOutcome.REFERRED_ELSEWHERE: "Passed to another organisation",
    CaseOutcome.NO_CRIME: "Looked into: no crime was committed",
}


def outcome_label(outcome: str | None) -> str | None:
    """The human label of an outcome, None for no outcome; ValueError for an unknown one."""
    return None if outcome is None else OUTCOME_LABELS[CaseOutcome(outcome)]


def check_status_outcome(status: str, outcome: str | None) -> tuple[CaseStatus, CaseOutcome | None]:
    """The typed pair, or ValueError: closing needs an outcome, anything else must not have one."""
    new_status = CaseStatus(status)
    new_outcome = None if outcome is None else CaseOutcome(outcome)
    if new_status is CaseStatus.CLOSED and new_outcome is None:
        raise ValueError("closing a case needs an outcome")
    if new_status is not CaseStatus.CLOSED and new_outcome is not None:
        raise ValueError("only a closed case has an outcome")
    return new_status, new_outcome


class DraftStatus(StrEnum):
    """An unsent report draft: still ``unsent``, or taken up by staff (``following_up``)."""

    UNSENT = "unsent"
    FOLLOWING_UP = "following_up"
