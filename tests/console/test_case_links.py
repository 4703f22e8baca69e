"""`CaseConsole.link_conversation` on the SQL case store (SQLite and PostgreSQL): a link is
made once, logged as a combination by the member of staff, and unknown cases are refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.cases.support import (
    DATABASES,
    postgres_schema_engine,
    report,
    sqlite_url,
)
from triage.cases.processing_log import Access, LogAction
from triage.cases.references import new_reference
from triage.cases.sql_store import SqlCaseSystem

STAFF = Access.staff("op1", "attached from the console")


@pytest.fixture(params=DATABASES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlCaseSystem]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            cases = SqlCaseSystem.from_url(sqlite_url(tmp_path))
        else:
            engine = await stack.enter_async_context(
                postgres_schema_engine(request.getfixturevalue("postgres_url"))
            )
            cases = SqlCaseSystem(engine)
        stack.push_async_callback(cases.close)
        await cases.create_schema()
        yield cases


async def combinations(store: SqlCaseSystem, reference: str) -> list[tuple[str, str | None]]:
    log = await store.log_for(reference, Access.staff("test", "checking"))
    assert log is not None
    return [(e.actor, e.justification) for e in log if e.action is LogAction.COMBINATION]


async def test_link_once_and_log_it_as_a_combination(store: SqlCaseSystem) -> None:
    receipt = await store.submit(report())
    assert await store.link_conversation(receipt.reference, "web-later", access=STAFF)
    assert await store.link_conversation(receipt.reference.lower(), "web-later", access=STAFF)
    assert await store.linked_conversations(receipt.reference) == ["sender-1", "web-later"]
    assert await combinations(store, receipt.reference) == [
        ("staff:op1", "attached from the console")
    ]


async def test_the_conversation_a_case_came_from_is_already_linked(store: SqlCaseSystem) -> None:
    receipt = await store.submit(report())
    assert await store.link_conversation(receipt.reference, "sender-1", access=STAFF)
    assert await store.linked_conversations(receipt.reference) == ["sender-1"]
    assert await combinations(store, receipt.reference) == []


async def test_unknown_or_malformed_references_link_nothing(store: SqlCaseSystem) -> None:
    assert not await store.link_conversation(new_reference(), "web-x", access=STAFF)
    assert not await store.link_conversation("not a reference", "web-x", access=STAFF)
    assert await store.linked_conversations(new_reference()) is None
    with pytest.raises(ValueError):
        await store.link_conversation(new_reference(), " ", access=STAFF)


async def test_racing_links_of_one_conversation_make_one_link(store: SqlCaseSystem) -> None:
    receipt = await store.submit(report())
    results = await asyncio.gather(
        *(store.link_conversation(receipt.reference, "web-race", access=STAFF) for _ in range(5))
    )
    assert all(results)
    assert await store.linked_conversations(receipt.reference) == ["sender-1", "web-race"]
    assert len(await combinations(store, receipt.reference)) == 1


async def test_several_conversations_keep_their_order(store: SqlCaseSystem) -> None:
    receipt = await store.submit(report())
    for cid in ("web-b", "web-a", "web-c"):
        assert await store.link_conversation(receipt.reference, cid, access=STAFF)
    assert await store.linked_conversations(receipt.reference) == [
        "sender-1",
        "web-b",
        "web-a",
        "web-c",
    ]
