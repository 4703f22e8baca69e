"""`alembic upgrade head` builds exactly the tables the models describe, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from triage.cases.migrate import ALEMBIC_INI
from triage.cases.models import Base
from triage.staff.models import StaffBase

ROOT = Path(__file__).resolve().parents[2]
CASE_TABLES = {"cases", "case_status_changes", "case_updates", "contact_logs", "handoff_requests"}
TABLES_0002 = CASE_TABLES | {"triage_decisions"}
TABLES_0003 = TABLES_0002 | {"case_messages"}
TABLES_0004 = TABLES_0003 | {"processing_log"}
STAFF_TABLES = {"staff_accounts", "staff_audit"}
TABLES_0005 = TABLES_0004 | STAFF_TABLES
TABLES_0006 = TABLES_0005 | {"case_conversation_links"}
TABLES = TABLES_0006 | {"report_drafts"}  # 0007
# What Alembic's env.py targets: the case store's tables and the staff tables (0005).
METADATA = [Base.metadata, StaffBase.metadata]


def alembic(*args: str, database_url: str) -> None:
    """The real command line, as an operator would run it, configured only by DATABASE_URL."""
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _schema_report(connection: Connection) -> tuple[set[str], list[Any]]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return set(inspect(connection).get_table_names()), compare_metadata(context, METADATA)


async def schema_report(url: str) -> tuple[set[str], list[Any]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema_report)
    finally:
        await engine.dispose()


async def test_upgrade_head_matches_models(fresh_database: str) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    tables, differences = await schema_report(fresh_database)
    assert tables == TABLES | {"alembic_version"}
    assert differences == []


async def test_downgrade_to_base_and_back(fresh_database: str) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    alembic("downgrade", "base", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == {"alembic_version"}
    alembic("upgrade", "head", database_url=fresh_database)
    tables, differences = await schema_report(fresh_database)
    assert tables == TABLES | {"alembic_version"}
    assert differences == []


async def test_an_empty_database_differs_from_the_models(sqlite_file_url: str) -> None:
    # Guards the guard: compare_metadata must report something when tables are missing.
    alembic("stamp", "head", database_url=sqlite_file_url)
    _, differences = await schema_report(sqlite_file_url)
    assert {diff[1].name for diff in differences if diff[0] == "add_table"} == TABLES


async def test_0002_adds_only_the_decision_table_and_downgrades_cleanly(
    fresh_database: str,
) -> None:
    alembic("upgrade", "0001", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == CASE_TABLES | {"alembic_version"}
    alembic("upgrade", "0002", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0002 | {"alembic_version"}
    alembic("downgrade", "0001", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == CASE_TABLES | {"alembic_version"}


INSERT_DECISION = (
    "INSERT INTO triage_decisions (contact_id, channel, category, priority, confidence, flags, "
    "reasons, route_actions, model_version, redacted_text, created_at) VALUES ('m1', 'webchat', "
    ":category, :priority, 0.5, '[]', '[]', '[]', 'v1', '', CURRENT_TIMESTAMP)"
)


@pytest.mark.parametrize(
    ("category", "priority", "allowed"),
    [("emergency", "P1", True), ("emergency", "P9", False), ("urgent", "P1", False)],
)
async def test_migrated_decision_table_checks_category_and_priority(
    fresh_database: str, category: str, priority: str, allowed: bool
) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    engine = create_async_engine(fresh_database, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            statement = text(INSERT_DECISION).bindparams(category=category, priority=priority)
            if allowed:
                await connection.execute(statement)
            else:
                with pytest.raises(IntegrityError):
                    await connection.execute(statement)
    finally:
        await engine.dispose()


LEGACY_CASE = (
    "INSERT INTO cases (reference, idempotency_key, crime_type, details, reporter_name, "
    "reporter_contact, contact_consent, channel, conversation_id, priority, flags, "
    "reporter_verify_tokens, status, created_at, updated_at) VALUES (:reference, :key, "
    ":crime_type, {details}, 'Jo', 'jo@example.com', true, 'webchat', 'c1', 'P3', '[]', "
    "'[\"jo@example.com\"]', :status, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


async def _execute(url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    json_param = "CAST(:details AS json)" if engine.dialect.name == "postgresql" else ":details"
    statement = statement.replace("{details}", json_param)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement).bindparams(**params))
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_0003_fills_the_new_columns_of_existing_cases(fresh_database: str) -> None:
    alembic("upgrade", "0002", database_url=fresh_database)
    details = (
        '{"incident_description": "Bike taken", "incident_where": "Station Road, NE1 4ST", '
        '"incident_when": "Tue 24 Nov 2026, about 15:00", "property_details": "bike"}'
    )
    await _execute(
        fresh_database,
        LEGACY_CASE,
        reference="BL-AAAA-AAAA",
        key="old:0",
        crime_type="burglary",
        details=details,
        status="closed",
    )
    await _execute(
        fresh_database,
        LEGACY_CASE,
        reference="BL-BBBB-BBBB",
        key="old:1",
        crime_type="something_new",
        details="{}",
        status="received",
    )
    alembic("upgrade", "head", database_url=fresh_database)
    rows = await _execute(
        fresh_database,
        "SELECT reference, crime_family, account, location, time_window, outcome, receipt_code "
        "FROM cases ORDER BY reference",
    )
    assert [tuple(row) for row in rows] == [
        (
            "BL-AAAA-AAAA",
            "acquisitive",
            "Bike taken",
            "Station Road, NE1 4ST",
            "Tue 24 Nov 2026, about 15:00",
            None,  # closed before outcomes were kept: still a valid row
            None,
        ),
        ("BL-BBBB-BBBB", "unclassified", "", None, None, None, None),
    ]
    # The new rule holds from now on: only a closed case may carry an outcome.
    with pytest.raises(IntegrityError):
        await _execute(
            fresh_database, "UPDATE cases SET outcome = 'charged' WHERE reference = 'BL-BBBB-BBBB'"
        )
    with pytest.raises(IntegrityError):
        await _execute(
            fresh_database, "UPDATE cases SET outcome = 'lost' WHERE reference = 'BL-AAAA-AAAA'"
        )
    await _execute(
        fresh_database, "UPDATE cases SET outcome = 'charged' WHERE reference = 'BL-AAAA-AAAA'"
    )
    alembic("downgrade", "0002", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0002 | {"alembic_version"}
    remaining = await _execute(fresh_database, "SELECT count(*) FROM cases")
    assert remaining[0][0] == 2


async def test_0006_adds_only_the_case_conversation_links_and_downgrades_cleanly(
    fresh_database: str,
) -> None:
    alembic("upgrade", "0005", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0005 | {"alembic_version"}
    alembic("upgrade", "0006", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0006 | {"alembic_version"}
    alembic("downgrade", "0005", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0005 | {"alembic_version"}


async def test_0007_adds_only_the_report_drafts_and_downgrades_cleanly(
    fresh_database: str,
) -> None:
    alembic("upgrade", "0006", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0006 | {"alembic_version"}
    alembic("upgrade", "0007", database_url=fresh_database)
    tables, differences = await schema_report(fresh_database)
    assert tables == TABLES | {"alembic_version"}
    assert differences == []
    alembic("downgrade", "0006", database_url=fresh_database)
    tables, _ = await schema_report(fresh_database)
    assert tables == TABLES_0006 | {"alembic_version"}


INSERT_DRAFT = (
    "INSERT INTO report_drafts (conversation_id, channel, crime_type, answers, status, "
    "created_at, updated_at) VALUES (:cid, 'webchat', 'theft', {details}, :status, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


async def test_migrated_report_drafts_hold_one_draft_per_conversation_with_a_known_status(
    fresh_database: str,
) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    await _execute(fresh_database, INSERT_DRAFT, cid="c1", details="{}", status="unsent")
    await _execute(fresh_database, INSERT_DRAFT, cid="c2", details="{}", status="following_up")
    with pytest.raises(IntegrityError):
        await _execute(fresh_database, INSERT_DRAFT, cid="c1", details="{}", status="unsent")
    with pytest.raises(IntegrityError):
        await _execute(fresh_database, INSERT_DRAFT, cid="c3", details="{}", status="sent")
