"""Model-level rules: personal data is labelled, timestamps are never naive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from triage.cases.models import UTCDateTime, personal_data_columns


def test_personal_data_columns_are_labelled() -> None:
    labelled = {f"{c.table.name}.{c.name}" for c in personal_data_columns()}
    assert labelled == {
        "cases.details",
        "cases.reporter_name",
        "cases.reporter_contact",
        "cases.reporter_verify_tokens",
        "cases.account",
        "cases.location",
        "case_status_changes.note",
        "case_status_changes.changed_by",
        "case_messages.body",
        "case_messages.sent_by",
        "case_updates.information_text",
        "contact_logs.summary",
        "handoff_requests.summary",
        "report_drafts.answers",
        "triage_decisions.flags",
        "triage_decisions.reasons",
        "triage_decisions.redacted_text",
    }
    assert all((c.comment or "").startswith("Personal data") for c in personal_data_columns())


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_aware_datetimes_are_stored_in_utc_and_read_back_aware() -> None:
    column_type = UTCDateTime()
    dialect = sqlite.dialect()
    london_summer = datetime(2026, 7, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    stored = column_type.process_bind_param(london_summer, dialect)
    assert stored == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    read = column_type.process_result_value(datetime(2026, 7, 1, 12, 0), dialect)
    assert read == london_summer and read is not None and read.tzinfo is UTC
