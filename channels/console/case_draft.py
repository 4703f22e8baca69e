"""From what the bot collected to a case the operator can check and submit.

The shape is the report forms' (`actions/report_spec.py`, docs/bot-contract.md) and the
mapping is the one the action server uses when the bot submits a report itself
(`actions.report_actions.ActionSubmitReport._submission`): the account, place and time have
fields of their own, the other answers go in ``details``, and an anonymous reporter gives
no name or contact. Written out here rather than imported, so the gateway never loads the
action server's package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from channels.console.canned import CRIME_TYPES
from channels.console.http import ConsoleError
from triage.cases.ports import ReportSubmission
from triage.queue.ports import QueueItem

DETAIL_SLOTS: tuple[str, ...] = (
    "property_details",
    "property_value",
    "vehicle_reg",
    "injuries",
    "hate_motivation",
    "suspect_description",
    "evidence",
)
"""Form answers without a field of their own (every report form's, in the forms' order)."""
ANONYMOUS = "anonymous"
NOT_INJURED = frozenset({"none", "not known"})
YES = frozenset({"true", "yes", "y", "1"})
STAFF_FLAG = "taken_by_staff"
"""Marks cases an operator created from the console, as the bot's own are not."""

MAX_ACCOUNT = 4000
MAX_LOCATION = 500
MAX_TIME_WINDOW = 200
MAX_DETAIL = 1000
MAX_NAME = 200
MAX_CONTACT = 320
MAX_DRAFTS = 1000


@dataclass(frozen=True)
class CaseDraft:
    """A case as the console shows it for editing (and sends back)."""

    crime_type: str = ""
    account: str = ""
    location: str | None = None
    time_window: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    reporter_name: str | None = None
    reporter_contact: str | None = None
    contact_consent: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "crime_type": self.crime_type,
            "account": self.account,
            "location": self.location,
            "time_window": self.time_window,
            "details": dict(self.details),
            "reporter_name": self.reporter_name,
            "reporter_contact": self.reporter_contact,
            "contact_consent": self.contact_consent,
        }


def _filled(collected: Mapping[str, str], slot: str) -> str | None:
    value = collected.get(slot)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def draft_from_collected(collected: Mapping[str, str]) -> CaseDraft:
    """Prefill from the bot's slots; anything it did not collect is left empty."""
    crime_type = _filled(collected, "crime_type") or ""
    name = _filled(collected, "reporter_name")
    anonymous = name is not None and name.casefold() == ANONYMOUS
    consent = (_filled(collected, "contact_consent") or "").casefold() in YES
    return CaseDraft(
        crime_type=crime_type if crime_type in CRIME_TYPES else "",
        account=_filled(collected, "incident_description") or "",
        location=_filled(collected, "incident_where"),
        time_window=_filled(collected, "incident_when"),
        details={
            slot: value for slot in DETAIL_SLOTS if (value := _filled(collected, slot)) is not None
        },
        reporter_name=ANONYMOUS if anonymous else name,
        reporter_contact=None if anonymous else _filled(collected, "reporter_contact"),
        contact_consent=consent and not anonymous,
    )


def _optional(body: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConsoleError(400, f"'{name}' must be text.")
    if len(value) > limit:
        raise ConsoleError(400, f"'{name}' must be at most {limit} characters.")
    return value.strip() or None


def _details(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConsoleError(400, "'details' must be an object of answers.")
    details: dict[str, str] = {}
    for slot in raw:
        if slot not in DETAIL_SLOTS:
            raise ConsoleError(
                400, f"'details' may hold only {', '.join(DETAIL_SLOTS)}; not {slot!r}."
            )
        text = _optional(raw, slot, MAX_DETAIL)
        if text is not None:
            details[slot] = text
    return details


def parse_draft(body: Mapping[str, Any]) -> CaseDraft:
    """The edited draft from the console; 400 with what to fix otherwise."""
    crime_type = body.get("crime_type")
    if not isinstance(crime_type, str) or crime_type not in CRIME_TYPES:  # [] / {}: unhashable
        raise ConsoleError(400, "Choose the type of crime ('crime_type') from the list.")
    account = _optional(body, "account", MAX_ACCOUNT)
    if account is None:
        raise ConsoleError(400, "Write what happened ('account') before creating the case.")
    consent = body.get("contact_consent", False)
    if not isinstance(consent, bool):
        raise ConsoleError(400, "'contact_consent' must be true or false.")
    name = _optional(body, "reporter_name", MAX_NAME)
    contact = _optional(body, "reporter_contact", MAX_CONTACT)
    if consent and contact is None:
        raise ConsoleError(
            400, "The person agreed to be contacted: give their email or phone number."
        )
    return CaseDraft(
        crime_type=str(crime_type),
        account=account,
        location=_optional(body, "location", MAX_LOCATION),
        time_window=_optional(body, "time_window", MAX_TIME_WINDOW),
        details=_details(body.get("details")),
        reporter_name=name,
        reporter_contact=contact,
        contact_consent=consent,
    )


def parse_draft_number(body: Mapping[str, Any]) -> int:
    """Which case of this conversation the draft is (``n`` from the case-draft answer)."""
    number = body.get("n", 0)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < MAX_DRAFTS:
        raise ConsoleError(400, f"'n' must be a whole number from 0 to {MAX_DRAFTS - 1}.")
    return number


def idempotency_key(conversation_id: str, number: int) -> str:
    """The same for a double click (same draft number), new for the conversation's next case."""
    return f"console:{conversation_id}:{number}"


def submission(draft: CaseDraft, item: QueueItem, channel: str, number: int) -> ReportSubmission:
    """The report as the case system takes it; priority and flags from the queue item."""
    anonymous = (draft.reporter_name or "").casefold() == ANONYMOUS
    flags: list[str] = [flag.flag.value for flag in item.flags]
    if draft.crime_type == "hate_crime":
        flags.append("hate_crime")
    if draft.details.get("injuries", "none").casefold() not in NOT_INJURED:
        flags.append("injuries")
    if anonymous:
        flags.append(ANONYMOUS)
    flags.append(STAFF_FLAG)
    return ReportSubmission(
        idempotency_key=idempotency_key(item.conversation_id, number),
        conversation_id=item.conversation_id,
        channel=channel,
        crime_type=draft.crime_type,
        details=dict(draft.details),
        reporter_name=None if anonymous else draft.reporter_name,
        reporter_contact=None if anonymous else draft.reporter_contact,
        contact_consent=draft.contact_consent and not anonymous,
        priority=item.priority.value,
        flags=tuple(dict.fromkeys(flags)),
        account=draft.account,
        location=draft.location,
        time_window=draft.time_window,
    )
