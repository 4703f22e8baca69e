"""The console on PostgreSQL (accounts, audit log and cases in a database migrated by
Alembic): sign in, claim, view, create and attach a case, and the supervisor's search."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from channels.keys import back_office_key, console_key
from tests.cases.support import (
    POSTGRES_URL,
    admin_execute,
    postgres_unreachable_reason,
    run_blocking,
)
from triage.cases.sql_store import SqlCaseSystem
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest

from .conftest import StaffFactory, prepare_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A database of this module's own, migrated to head, with the staff accounts."""
    reason = run_blocking(postgres_unreachable_reason(POSTGRES_URL))
    if reason:
        pytest.skip(str(reason))
    name = f"bluelamp_console_{uuid.uuid4().hex[:12]}"
    run_blocking(admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        run_blocking(prepare_database(url))
        yield url
    finally:
        run_blocking(admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_a_conversation_worked_end_to_end_is_audited_on_postgresql(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cases = gateway.app[console_key].cases
    assert isinstance(cases, SqlCaseSystem) and cases.engine.dialect.name == "postgresql"
    first, second = f"web-{uuid.uuid4().hex[:10]}", f"web-{uuid.uuid4().hex[:10]}"
    queue = gateway.app[back_office_key].queue
    items = [
        await queue.enqueue(QueueRequest(cid, Channel.WEBCHAT, Priority.P2, "human_requested"))
        for cid in (first, second)
    ]
    op1 = await staff("op1")
    for item in items:
        assert (await op1.post(f"/console/api/items/{item.id}/claim")).status == 200
    assert (await op1.get(f"/console/api/conversations/{first}")).status == 200
    draft = {"crime_type": "burglary", "account": "Shed broken into overnight", "n": 0}
    made = await op1.post(f"/console/api/conversations/{first}/case", draft)
    again = await op1.post(f"/console/api/conversations/{first}/case", draft)
    assert (made.status, again.status) == (201, 200)
    reference = (await made.json())["reference"]
    assert (await again.json())["reference"] == reference
    attach = await op1.post(f"/console/api/conversations/{second}/attach", {"reference": reference})
    assert attach.status == 200
    assert await cases.linked_conversations(reference) == [first, second]

    sup = await staff("sup1")
    rows = await (await sup.get("/console/api/audit", params={"case": reference})).json()
    assert [(r["actor"], r["action"], r["conversation_id"]) for r in rows] == [
        ("sup1", "search_audit", None),
        ("op1", "attach_case", second),
        ("op1", "create_case", first),
        ("op1", "create_case", first),
    ]
    own = await (await sup.get("/console/api/audit", params={"actor": "op1"})).json()
    assert {"sign_in", "claim", "view_conversation", "create_case", "attach_case"} <= {
        r["action"] for r in own
    }
