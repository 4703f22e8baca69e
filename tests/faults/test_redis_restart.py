"""Redis (conversation store, operator queue, alert bus, outbox) is stopped and started
again while people are talking: reports, enquiries and emergencies over REST and the socket.

During the outage the gateway answers or says the message was not saved (and the person
sends it again, as the widget does); afterwards every message is answered or its
conversation is in the operator queue, and every emergency is a P1 queue item (an alert
or queue item that met the outage is retried until Redis is back).
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.faults.harness import (
    EMERGENCIES,
    ENQUIRIES,
    AlertListener,
    Faults,
    Injections,
    Person,
    alerts_published,
    cases_by_conversation,
    finish_report,
    gateway_events,
    queue_items,
    start_report,
    stored_once,
    table,
    told,
    transcript_outcome,
    wait_for,
)

pytestmark = pytest.mark.engine

OUTAGE_SECONDS = 3.0


async def test_nothing_is_lost_when_redis_restarts(faults: Faults) -> None:
    injections = Injections()
    async with aiohttp.ClientSession() as session, AlertListener(faults.redis.url) as alerts:
        reporters = [
            Person(session, faults.gateway, kind, f"rr{i}") for i, kind in enumerate(["rest", "ws"])
        ]
        enquirers = [
            Person(session, faults.gateway, kind, f"rq{i}") for i, kind in enumerate(["ws", "rest"])
        ]
        callers = [
            Person(session, faults.gateway, kind, f"re{i}")
            for i, kind in enumerate(["ws", "rest", "ws", "rest"])
        ]
        people = [*reporters, *enquirers, *callers]
        try:
            await asyncio.gather(*(start_report(p, session, faults.stack, 2) for p in reporters))

            async def ask(person: Person) -> None:
                for question in ENQUIRIES:
                    await person.say(question)
                    await asyncio.sleep(0.3)

            async def call(person: Person, after: float, index: int) -> None:
                await asyncio.sleep(after)
                await person.say(EMERGENCIES[index % len(EMERGENCIES)])

            async def restart_redis() -> None:
                await asyncio.sleep(1.0)
                outage = injections.begin("Redis stop (SIGTERM) and start, AOF kept")
                await asyncio.to_thread(faults.redis.stop)
                await asyncio.sleep(OUTAGE_SECONDS)
                await asyncio.to_thread(faults.redis.start)
                injections.end(outage)

            # Emergencies just before, during and just after the outage.
            reports = asyncio.ensure_future(
                asyncio.gather(*(finish_report(p, session, faults.stack) for p in reporters))
            )
            await asyncio.gather(
                reports,
                *(ask(p) for p in enquirers),
                *(call(p, 0.9 + i * 1.0, i) for i, p in enumerate(callers)),
                restart_redis(),
            )
            caller_ids = [p.conversation_id for p in callers]

            async def all_p1_queued() -> bool:
                items = await queue_items(faults, caller_ids)
                return len(items) == len(callers)

            await wait_for(all_p1_queued, 30.0)
            items = await queue_items(faults, caller_ids)
            codes = [told(s) for s in reports.result()]
            ids = [p.conversation_id for p in reporters]
            await asyncio.sleep(1.0)
            per_conversation = await cases_by_conversation(faults.direct_db_url, ids)
            once = [await stored_once(faults.direct_db_url, c) for c in codes if c]
            outcome = await transcript_outcome(faults, people)
            heard = alerts.p1_for(set(caller_ids))
            published = alerts_published(faults, set(caller_ids))
            everyone = {p.conversation_id for p in people}
            retried = len(gateway_events(faults, "back_office_recovered", everyone))
        finally:
            await asyncio.gather(*(p.close() for p in people))

    resent = sum(s.not_saved for p in people for s in p.said)
    print(
        table(
            "Redis restarted during conversations",
            injections,
            {
                "messages sent": outcome.sent,
                "  sent again after 'not saved'": resent,
                "answered (reply in the transcript)": outcome.answered,
                "answered on screen, reply not stored": outcome.answered_unstored,
                "queued for staff (not answered)": outcome.queued,
                "lost (neither)": outcome.lost,
                "not in the transcript at all": outcome.missing,
                "emergencies sent": len(callers),
                "  999 guidance seen": sum(1 for p in callers if p.said[0].guidance),
                "  P1 alerts published (gateway log)": published,
                "  P1 alerts heard by a listener": len(heard),
                "alerts/queue items retried after Redis": retried,
                "  P1 queue items": sum(1 for i in items.values() if i.priority.value == "P1"),
                "reports told": sum(1 for c in codes if c),
                "cases stored": sum(per_conversation.values()),
                "duplicates": sum(max(0, n - 1) for n in per_conversation.values()),
            },
        )
    )
    assert outcome.lost == 0 and outcome.missing == 0
    assert {cid for cid, i in items.items() if i.priority.value == "P1"} == set(caller_ids)
    assert all(c for c in codes), codes
    assert per_conversation == {cid: 1 for cid in ids}
    assert once == [1] * len(codes)
