"""JSON shapes of reports and case views, shared by the HTTP adapter, the fake records
system and the outbox, so all three read and write exactly what
docs/case-system.openapi.yaml describes.

Readers are strict: a malformed body raises `MalformedBody` instead of producing a
half-filled dataclass, because a wrong reference shown to the public is worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from triage.cases.ports import CaseView, ReporterMessage, ReportSubmission


class MalformedBody(ValueError):
    """A JSON body that does not match the contract."""


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise MalformedBody(f"{key} must be a string")
    return value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedBody(f"{key} must be a string or null")
    return value


def _time(data: Mapping[str, Any], key: str) -> datetime:
    try:
        value = datetime.fromisoformat(_str(data, key))
    except ValueError as exc:
        raise MalformedBody(f"{key} must be an ISO 8601 date-time") from exc
    if value.tzinfo is None:
        raise MalformedBody(f"{key} must carry a time zone")
    return value


def report_to_json(report: ReportSubmission) -> dict[str, Any]:
    """The ``Report`` schema."""
    return {
        "idempotency_key": report.idempotency_key,
        "conversation_id": report.conversation_id,
        "channel": report.channel,
        "crime_type": report.crime_type,
        "details": dict(report.details),
        "account": report.account,
        "location": report.location,
        "time_window": report.time_window,
        "reporter_name": report.reporter_name,
        "reporter_contact": report.reporter_contact,
        "contact_consent": report.contact_consent,
        "priority": report.priority,
        "flags": list(report.flags),
        "receipt_code": report.receipt_code,
    }


def report_from_json(data: Any) -> ReportSubmission:
    """A report from the ``Report`` schema; `MalformedBody` when it does not fit."""
    if not isinstance(data, Mapping):
        raise MalformedBody("a report must be a JSON object")
    details = data.get("details")
    if not isinstance(details, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in details.items()
    ):
        raise MalformedBody("details must map strings to strings")
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        raise MalformedBody("flags must be a list of strings")
    consent = data.get("contact_consent")
    if not isinstance(consent, bool):
        raise MalformedBody("contact_consent must be true or false")
    return ReportSubmission(
        idempotency_key=_str(data, "idempotency_key"),
        conversation_id=_str(data, "conversation_id"),
        channel=_str(data, "channel"),
        crime_type=_str(data, "crime_type"),
        details=dict(details),
        reporter_name=_optional_str(data, "reporter_name"),
        reporter_contact=_optional_str(data, "reporter_contact"),
        contact_consent=consent,
        priority=_str(data, "priority") if "priority" in data else "P3",
        flags=tuple(flags),
        account=_str(data, "account") if "account" in data else "",
        location=_optional_str(data, "location"),
        time_window=_optional_str(data, "time_window"),
        receipt_code=_optional_str(data, "receipt_code"),
    )


def view_to_json(view: CaseView) -> dict[str, Any]:
    """The ``CaseView`` schema."""
    return {
        "reference": view.reference,
        "crime_type": view.crime_type,
        "status": view.status,
        "status_label": view.status_label,
        "updated_at": view.updated_at.isoformat(),
        "outcome": view.outcome,
        "outcome_label": view.outcome_label,
        "messages": [{"text": m.text, "at": m.at.isoformat()} for m in view.messages],
    }


def view_from_json(data: Any) -> CaseView:
    """A case view from the ``CaseView`` schema; `MalformedBody` when it does not fit."""
    if not isinstance(data, Mapping):
        raise MalformedBody("a case must be a JSON object")
    raw_messages = data.get("messages", [])
    if not isinstance(raw_messages, list) or not all(isinstance(m, Mapping) for m in raw_messages):
        raise MalformedBody("messages must be a list of objects")
    return CaseView(
        reference=_str(data, "reference"),
        crime_type=_str(data, "crime_type"),
        status=_str(data, "status"),
        status_label=_str(data, "status_label"),
        updated_at=_time(data, "updated_at"),
        outcome=_optional_str(data, "outcome"),
        outcome_label=_optional_str(data, "outcome_label"),
        messages=tuple(ReporterMessage(_str(m, "text"), _time(m, "at")) for m in raw_messages),
    )
