"""PostgreSQL (the case store) is cut while reports are being submitted, then restored.

Every report the person was told about (a reference, or a receipt code while the store was
down) is in the case store exactly once after the outbox worker has run; none twice.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.faults.harness import (
    EMERGENCIES,
    ENQUIRIES,
    Faults,
    Injections,
    Person,
    cases_by_conversation,
    fill_to_summary,
    stored_once,
    table,
    told,
    transcript_outcome,
    wait_for,
)

pytestmark = pytest.mark.engine


async def test_reports_survive_a_database_cut_exactly_once(faults: Faults) -> None:
    injections = Injections()
    async with aiohttp.ClientSession() as session:
        kinds = ["rest", "ws", "rest", "ws", "ws"]
        reporters = [Person(session, faults.gateway, k, f"db{i}") for i, k in enumerate(kinds)]
        enquirer = Person(session, faults.gateway, "rest", "dbq")
        caller = Person(session, faults.gateway, "ws", "dbe")
        people = [*reporters, enquirer, caller]
        try:
            await asyncio.gather(*(fill_to_summary(p, session, faults.stack) for p in reporters))
            # The first says "yes" while the store is up; the others just after it dies.
            first = await reporters[0].say("yes")
            cut = injections.begin("PostgreSQL cut (proxy: resets, refuses)")
            faults.postgres.cut()
            during = await asyncio.gather(
                *(p.say("yes") for p in reporters[1:]),
                enquirer.say(ENQUIRIES[0]),
                caller.say(EMERGENCIES[0]),
            )
            await asyncio.sleep(2.0)  # the worker meets the outage too
            faults.postgres.restore()
            injections.end(cut)
            codes = [told(first), *(told(s) for s in during[: len(reporters) - 1])]
            assert all(codes), f"a person was not told a reference or receipt: {codes}"
            receipts = [c for c in codes if c and c.startswith("RC-")]

            ids = [p.conversation_id for p in reporters]

            async def all_delivered() -> bool:
                # These conversations' cases only: the other fault tests share the database.
                stored = await cases_by_conversation(faults.direct_db_url, ids)
                return all(stored.values())

            # The worker backs off while the database is away (up to 30 s between rounds, with
            # jitter), and a loaded machine slows it further: allow a few of its longest pauses.
            await wait_for(all_delivered, 150.0)
            await asyncio.sleep(1.0)  # a second delivery, if there were one, would show now
            per_conversation = await cases_by_conversation(faults.direct_db_url, ids)
            once = [await stored_once(faults.direct_db_url, c) for c in codes if c]
            outcome = await transcript_outcome(faults, people)
        finally:
            await asyncio.gather(*(p.close() for p in people))

    total = sum(per_conversation.values())
    print(
        table(
            "PostgreSQL cut during submissions",
            injections,
            {
                "messages sent": outcome.sent,
                "answered": outcome.answered,
                "queued for staff (not answered)": outcome.queued,
                "lost (neither)": outcome.lost + outcome.missing,
                "reports told (reference or receipt)": len([c for c in codes if c]),
                "  of which receipts (held in outbox)": len(receipts),
                "cases stored for these conversations": total,
                "duplicates": sum(max(0, n - 1) for n in per_conversation.values()),
                "told codes found exactly once": sum(1 for n in once if n == 1),
            },
        )
    )
    assert receipts, "no report met the outage: the cut came too late to test anything"
    assert per_conversation == {cid: 1 for cid in ids}
    assert once == [1] * len(codes)
    assert outcome.lost == 0 and outcome.missing == 0
