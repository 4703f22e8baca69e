"""Migration 0005 builds exactly the staff tables the models describe, on both databases,
and the adapters work on a database migrated by the real `alembic` command."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.cases.test_migrations import alembic
from triage.staff.models import StaffBase
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, Role
from triage.staff.sql_accounts import SqlAccountStore
from triage.staff.sql_audit import SqlStaffAudit

from .support import GOOD_PASSWORD, quick_hasher

STAFF_TABLES = {"staff_accounts", "staff_audit"}
AUDIT_INDEXES = {
    "ix_staff_audit_at",
    "ix_staff_audit_actor",
    "ix_staff_audit_conversation_id",
    "ix_staff_audit_case_reference",
}


def _report(connection: Connection) -> tuple[set[str], set[str], list[Any]]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    indexes = (
        {ix["name"] or "" for ix in inspector.get_indexes("staff_audit")}
        if "staff_audit" in tables
        else set()
    )
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    # Only differences on the staff tables: the case store's are tests/cases' concern.
    differences = [
        diff
        for diff in compare_metadata(context, StaffBase.metadata)
        if _table_of(diff) in STAFF_TABLES
    ]
    return tables, indexes, differences


def _table_of(diff: Any) -> str | None:
    if isinstance(diff, list):  # column modifications come grouped
        diff = diff[0]
        return str(diff[2])
    subject = diff[1]
    table = getattr(subject, "table", subject)
    return getattr(table, "name", None)


async def report(url: str) -> tuple[set[str], set[str], list[Any]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_report)
    finally:
        await engine.dispose()


async def test_head_has_the_staff_tables_as_the_models_describe(fresh_database: str) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    tables, indexes, differences = await report(fresh_database)
    assert tables >= STAFF_TABLES
    assert indexes == AUDIT_INDEXES
    assert differences == []


async def test_an_empty_database_shows_the_staff_tables_missing(sqlite_file_url: str) -> None:
    # Guards the guard: the comparison must notice when the staff tables are absent.
    alembic("upgrade", "0004", database_url=sqlite_file_url)
    engine = create_async_engine(sqlite_file_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), StaffBase.metadata)
            )
    finally:
        await engine.dispose()
    assert {d[1].name for d in diffs if d[0] == "add_table"} == STAFF_TABLES


async def test_0005_adds_only_the_staff_tables_and_downgrades_cleanly(
    fresh_database: str,
) -> None:
    alembic("upgrade", "0004", database_url=fresh_database)
    before, _, _ = await report(fresh_database)
    assert not before & STAFF_TABLES
    alembic("upgrade", "0005", database_url=fresh_database)
    after, _, _ = await report(fresh_database)
    assert after == before | STAFF_TABLES
    alembic("downgrade", "0004", database_url=fresh_database)
    again, _, _ = await report(fresh_database)
    assert again == before


async def test_the_migrated_tables_refuse_an_unknown_role_or_kind(fresh_database: str) -> None:
    alembic("upgrade", "0005", database_url=fresh_database)
    engine = create_async_engine(fresh_database, poolclass=NullPool)
    account = (
        "INSERT INTO staff_accounts (username, display_name, role, password_hash, active, "
        "created_at, updated_at, password_changed_at) VALUES (:name, 'X', :role, 'h', true, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    audit = (
        "INSERT INTO staff_audit (at, actor, action, kind) "
        "VALUES (CURRENT_TIMESTAMP, 'a', 'claim', :kind)"
    )
    try:
        async with engine.begin() as connection:
            await connection.execute(text(account).bindparams(name="ok", role="supervisor"))
            await connection.execute(text(audit).bindparams(kind="alteration"))
        for statement in (
            text(account).bindparams(name="bad", role="admin"),
            text(audit).bindparams(kind="gossip"),
        ):
            with pytest.raises(IntegrityError):
                async with engine.begin() as connection:
                    await connection.execute(statement)
    finally:
        await engine.dispose()


async def test_the_adapters_work_on_a_migrated_database(fresh_database: str) -> None:
    alembic("upgrade", "head", database_url=fresh_database)
    accounts = SqlAccountStore.from_url(fresh_database, hasher=quick_hasher())
    audit = SqlStaffAudit.from_url(fresh_database)
    try:
        await accounts.create("pc1234", "PC Patel", Role.OPERATOR, GOOD_PASSWORD)
        signed_in = await accounts.authenticate("PC1234", GOOD_PASSWORD)
        assert signed_in is not None and signed_in.display_name == "PC Patel"
        stored = await audit.record(AuditEntry(actor="pc1234", action=AuditAction.SIGN_IN))
        assert await audit.search(AuditQuery(actor="pc1234")) == [stored]
    finally:
        await audit.aclose()
        await accounts.aclose()
