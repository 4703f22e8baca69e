"""The HTTP adapter against a real local server implementing docs/case-system.openapi.yaml.

The fake records system (`triage.cases.fake_server`) runs on a loopback port; failures
are injected on the server side (5xx, slow answers, malformed bodies, answers lost after
the case was stored), so the adapter's retries, timeouts and idempotency are exercised
over real sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from triage.cases.fake_server import TRAFFIC, Faults, Traffic, create_app
from triage.cases.http_adapter import HttpCaseSystem, RetryPolicy
from triage.cases.models import Case, CaseUpdate, ContactLog
from triage.cases.ports import (
    CaseSystemRejected,
    CaseSystemUnavailable,
    ContactRecord,
    HandoffRequest,
)
from triage.cases.references import new_receipt_code
from triage.cases.sql_store import SqlCaseSystem

from .support import report

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token"


@dataclass
class Records:
    """The fake records system, its store, its traffic, and an adapter pointed at it."""

    store: SqlCaseSystem
    faults: Faults
    traffic: Traffic
    adapter: HttpCaseSystem
    pauses: list[float]
    url: str

    async def cases(self) -> int:
        async with self.store.engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(Case)) or 0)


def policy(**overrides: float) -> RetryPolicy:
    # 2 s a try: short beside the fake's 5 s slow answer, long enough for a loaded CI machine.
    values = {"attempts": 3, "timeout_seconds": 2.0, "backoff_base_seconds": 0.01}
    values.update(overrides)
    return RetryPolicy(**values)  # type: ignore[arg-type]


@pytest.fixture
async def records(tmp_path: Path) -> AsyncIterator[Records]:
    store = SqlCaseSystem.from_url(f"sqlite+aiosqlite:///{tmp_path / 'records.db'}")
    await store.create_schema()
    faults = Faults(delay_seconds=4.0)  # twice the per-try timeout below
    app = create_app(store, token=TOKEN, faults=faults)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    pauses: list[float] = []

    async def record_pause(seconds: float) -> None:
        pauses.append(seconds)

    url = str(server.make_url(""))
    adapter = HttpCaseSystem(
        url, token=TOKEN, policy=policy(), sleep=record_pause, rand=lambda: 0.5
    )
    traffic = app[TRAFFIC]
    try:
        yield Records(store, faults, traffic, adapter, pauses, url)
    finally:
        await adapter.close()
        await server.close()


async def test_submit_creates_one_case_and_a_replay_returns_it(records: Records) -> None:
    first = await records.adapter.submit(report())
    again = await records.adapter.submit(report(account="sent twice by a double click"))
    assert first.created is True and again.created is False
    assert again.reference == first.reference
    assert await records.cases() == 1
    # Each request carried the form's key, so any bluelamp process gets the same answer.
    assert [key for _, key in records.traffic.requests] == ["sender-1:0", "sender-1:0"]
    stored = await records.store.get_case(first.reference)
    assert stored is not None and stored.account == "My bike was taken from the rack"


async def test_5xx_is_retried_with_backoff_until_it_succeeds(records: Records) -> None:
    records.faults.fail = 2
    receipt = await records.adapter.submit(report())
    assert receipt.created is True
    assert records.traffic.count("/v1/reports") == 3
    # Full jitter with rand=0.5: half of 0.01 * 2**(n-1).
    assert records.pauses == pytest.approx([0.005, 0.01])
    assert await records.cases() == 1


async def test_retry_after_is_honoured_up_to_a_cap(records: Records) -> None:
    records.faults.fail, records.faults.fail_status, records.faults.retry_after = 2, 429, 60
    await records.adapter.submit(report())
    assert records.pauses == [5.0, 5.0]  # the server asked for 60 s; the cap is 5 s


async def test_every_try_failing_means_unavailable(records: Records) -> None:
    records.faults.fail = 10
    with pytest.raises(CaseSystemUnavailable, match="3 tries: HTTP 503"):
        await records.adapter.submit(report())
    assert records.traffic.count("/v1/reports") == 3
    assert await records.cases() == 0


async def test_a_slow_answer_times_out_and_the_retry_returns_the_same_case(
    records: Records,
) -> None:
    records.faults.delay = 1  # the first request sleeps 4 s; each try may take 2 s
    receipt = await records.adapter.submit(report())
    assert records.traffic.count("/v1/reports") >= 2
    assert await records.cases() == 1
    stored = await records.store.get_case(receipt.reference)
    assert stored is not None


async def test_a_malformed_body_is_retried_and_the_replay_is_recognised(
    records: Records,
) -> None:
    records.faults.malformed = 1  # the case is stored, but the answer is not JSON
    receipt = await records.adapter.submit(report())
    assert receipt.created is False  # the retry found the case the first try made
    assert records.traffic.count("/v1/reports") == 2
    assert await records.cases() == 1
    assert await records.store.get_case(receipt.reference) is not None


async def test_a_lost_answer_is_replayed_without_a_second_case(records: Records) -> None:
    records.faults.lose = 2  # stored, then two answers lost in a row
    receipt = await records.adapter.submit(report())
    assert records.traffic.count("/v1/reports") == 3
    assert receipt.created is False
    assert await records.cases() == 1


async def test_a_reference_failing_its_check_character_counts_as_malformed(
    records: Records,
) -> None:
    from aiohttp import web

    async def liar(_request: web.Request) -> web.Response:
        return web.json_response({"reference": "BL-0000-0001", "created": True}, status=201)

    app = web.Application()
    app.router.add_post("/v1/reports", liar)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    adapter = HttpCaseSystem(str(server.make_url("")), policy=policy(attempts=2))
    try:
        with pytest.raises(CaseSystemUnavailable, match="malformed body"):
            await adapter.submit(report())
    finally:
        await adapter.close()
        await server.close()


async def test_a_wrong_token_is_refused_without_retrying(records: Records) -> None:
    adapter = HttpCaseSystem(records.url, token="wrong", policy=policy())
    try:
        with pytest.raises(CaseSystemRejected, match="401"):
            await adapter.submit(report())
    finally:
        await adapter.close()
    assert records.traffic.requests == []  # refused at the door, and not tried again


async def test_nothing_listening_is_unavailable_after_the_tries(tmp_path: Path) -> None:
    from tests.triage_queue.support import closed_port

    pauses: list[float] = []

    async def record_pause(seconds: float) -> None:
        pauses.append(seconds)

    adapter = HttpCaseSystem(
        f"http://127.0.0.1:{closed_port()}", policy=policy(), sleep=record_pause
    )
    try:
        with pytest.raises(CaseSystemUnavailable, match="ClientConnectorError"):
            await adapter.submit(report())
    finally:
        await adapter.close()
    assert len(pauses) == 2


async def test_lookup_needs_the_verifying_detail_and_hides_which_part_was_wrong(
    records: Records,
) -> None:
    reference = (await records.adapter.submit(report())).reference
    await records.store.send_message(reference, "We have your report.")
    view = await records.adapter.lookup(reference.lower(), "NE1 4ST")
    assert view is not None
    assert (view.reference, view.status, view.crime_type) == (reference, "received", "theft")
    assert [m.text for m in view.messages] == ["We have your report."]
    assert view.updated_at.tzinfo is not None
    assert await records.adapter.lookup(reference, "NE9 9ZZ") is None
    assert await records.adapter.lookup("BL-0000-0000", "NE1 4ST") is None
    assert await records.adapter.lookup("not a reference", "NE1 4ST") is None


async def test_lookup_by_receipt_code(records: Records) -> None:
    code = new_receipt_code()
    reference = (await records.adapter.submit(report("held:0", receipt_code=code))).reference
    view = await records.adapter.lookup(code.lower().replace("-", " "), "jo.bloggs@example.com")
    assert view is not None and view.reference == reference


async def test_add_information_retried_after_a_lost_answer_is_added_once(
    records: Records,
) -> None:
    reference = (await records.adapter.submit(report())).reference
    records.faults.lose = 1
    assert await records.adapter.add_information(reference, "NE1 4ST", "A witness saw it")
    assert await records.adapter.add_information(reference, "NE2 2AA", "spam") is False
    async with records.store.engine.connect() as connection:
        updates = await connection.scalar(select(func.count()).select_from(CaseUpdate))
    assert updates == 1


async def test_contacts_and_handoff_requests(records: Records) -> None:
    await records.adapter.record_contact(
        ContactRecord("conv-9", "webchat", "fraud_redirect", {"intent": "report_fraud"})
    )
    handoff = await records.adapter.request_handoff(
        HandoffRequest("conv-9", "webchat", "requested", "P3", summary={"crime_type": "theft"})
    )
    assert handoff.isdigit()
    async with records.store.engine.connect() as connection:
        contacts = await connection.scalar(select(func.count()).select_from(ContactLog))
    assert contacts == 1


def test_the_contract_names_every_route_the_fake_serves() -> None:
    """The OpenAPI file and the fake server describe the same API."""
    contract = yaml.safe_load((ROOT / "docs" / "case-system.openapi.yaml").read_text())
    assert contract["openapi"].startswith("3.1")
    documented = {
        (method.upper(), path) for path, item in contract["paths"].items() for method in item
    }
    from triage.cases.sql_store import SqlCaseSystem as Store

    app = create_app(Store.from_url("sqlite+aiosqlite://"))
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert served == documented
    statuses = contract["paths"]["/v1/reports"]["post"]["responses"]
    assert {"200", "201", "503"} <= set(statuses)
