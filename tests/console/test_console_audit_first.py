"""Nothing is shown or changed that the audit log did not record first: with the audit
table gone (an outage of the log alone), views and changes answer 503 and do nothing."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from channels.keys import back_office_key, store_key
from channels.store import TranscriptEntry
from tests.cases.support import run_blocking
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest

from .conftest import StaffFactory, prepare_database
from .support import FakeRasa, error_of


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this module's own: its audit table is taken away."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('outage') / 'console.db'}"
    run_blocking(prepare_database(url))
    return url


def break_audit_log(url: str) -> None:
    path = make_url(url).database
    assert path
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE staff_audit RENAME TO staff_audit_gone")


async def test_views_and_changes_refuse_when_the_audit_log_cannot_be_written(
    staff: StaffFactory, gateway: TestServer, fake_rasa: FakeRasa, database_url: str
) -> None:
    cid = f"web-{uuid.uuid4().hex[:10]}"
    await gateway.app[store_key].append(
        cid, TranscriptEntry(direction="in", author="person", text="private words")
    )
    queue = gateway.app[back_office_key].queue
    item = await queue.enqueue(QueueRequest(cid, Channel.WEBCHAT, Priority.P3, "human_requested"))
    other = await queue.enqueue(
        QueueRequest(f"{cid}-2", Channel.WEBCHAT, Priority.P3, "human_requested")
    )
    op1 = await staff("op1")
    assert (await op1.post(f"/console/api/items/{item.id}/claim")).status == 200

    break_audit_log(database_url)

    view = await op1.get(f"/console/api/conversations/{cid}")
    assert view.status == 503
    assert "private words" not in await view.text()
    await error_of(view)

    takeover = await op1.post(f"/console/api/conversations/{cid}/takeover")
    assert takeover.status == 503
    assert await gateway.app[store_key].get_mode(cid) == "bot"
    assert fake_rasa.events == []

    assert (await op1.post(f"/console/api/items/{item.id}/release")).status == 503
    assert (await op1.post(f"/console/api/items/{other.id}/claim")).status == 503
    held = await queue.get(item.id)
    untouched = await queue.get(other.id)
    assert held is not None and held.claimed_by == "op1"
    assert untouched is not None and untouched.waiting
