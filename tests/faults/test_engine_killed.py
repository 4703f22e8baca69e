"""The Rasa engine is killed (SIGKILL) in the middle of forms, then started again.

While it is down every message gets the fallback (or, for an emergency, the 999 guidance)
and the conversation is queued for staff; after the restart the forms carry on from the
engine's tracker store and each report is stored exactly once.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.faults.harness import (
    EMERGENCIES,
    ENQUIRIES,
    THEFT_ANSWERS,
    Faults,
    Injections,
    Person,
    Said,
    cases_by_conversation,
    finish_report,
    queue_items,
    requested_slot,
    start_report,
    stored_once,
    table,
    told,
    transcript_outcome,
)

pytestmark = pytest.mark.engine


async def test_forms_survive_an_engine_crash(faults: Faults) -> None:
    injections = Injections()
    engine = faults.stack.service("rasa engine")
    async with aiohttp.ClientSession() as session:
        reporters = [
            Person(session, faults.gateway, kind, f"en{i}")
            for i, kind in enumerate(["ws", "rest", "ws"])
        ]
        enquirer = Person(session, faults.gateway, "rest", "enq")
        caller = Person(session, faults.gateway, "ws", "ene")
        people = [*reporters, enquirer, caller]
        try:
            await asyncio.gather(*(start_report(p, session, faults.stack, 2) for p in reporters))
            slots = [
                await requested_slot(session, faults.stack, p.conversation_id) for p in reporters
            ]
            asked_before = dict(zip([p.conversation_id for p in reporters], slots, strict=True))

            # Answers in flight when the engine dies: some reach it, some do not.
            in_flight = [
                asyncio.create_task(p.say(THEFT_ANSWERS[s or "incident_where"]))
                for p, s in zip(reporters, slots, strict=True)
            ]
            await asyncio.sleep(0.2)
            down = injections.begin("Rasa engine SIGKILL (answers in flight)")
            engine.kill()
            crossed = await asyncio.gather(*in_flight)
            outage: list[Said] = await asyncio.gather(
                *(
                    p.say(THEFT_ANSWERS[s or "incident_where"])
                    for p, s in zip(reporters, slots, strict=True)
                ),
                enquirer.say(ENQUIRIES[1]),
                caller.say(EMERGENCIES[1]),
            )
            restarted = time.monotonic()
            engine.start()
            engine.wait_healthy(240)
            injections.end(down)
            restart_seconds = time.monotonic() - restarted

            queued = await queue_items(faults, [p.conversation_id for p in people])
            # The forms carry on from the tracker store (the engine's SQLite file).
            resumed = {
                p.conversation_id: await requested_slot(session, faults.stack, p.conversation_id)
                for p in reporters
            }
            finals = await asyncio.gather(
                *(finish_report(p, session, faults.stack) for p in reporters)
            )
            codes = [told(s) for s in finals]
            ids = [p.conversation_id for p in reporters]
            await asyncio.sleep(1.0)
            per_conversation = await cases_by_conversation(faults.direct_db_url, ids)
            once = [await stored_once(faults.direct_db_url, c) for c in codes if c]
            outcome = await transcript_outcome(faults, people)
        finally:
            await asyncio.gather(*(p.close() for p in people))

    fallbacks = sum(1 for s in outage if s.fallback)
    print(
        table(
            "Rasa engine killed mid-form",
            injections,
            {
                "engine restart to healthy (s)": round(restart_seconds, 1),
                "answers in flight at the kill": len(crossed),
                "  of which got the fallback": sum(1 for s in crossed if s.fallback),
                "messages during the outage": len(outage),
                "  fallback": fallbacks,
                "  999 guidance (gateway)": sum(1 for s in outage if s.guidance),
                "conversations queued for staff": len(queued),
                "messages sent (all)": outcome.sent,
                "answered": outcome.answered,
                "queued for staff (not answered)": outcome.queued,
                "lost (neither)": outcome.lost + outcome.missing,
                "forms resumed at a form slot": sum(1 for v in resumed.values() if v),
                "reports told": sum(1 for c in codes if c),
                "cases stored": sum(per_conversation.values()),
                "duplicates": sum(max(0, n - 1) for n in per_conversation.values()),
            },
        )
    )
    # Outage: the bot's stand-in, and staff told about every conversation.
    assert all(s.fallback for s in outage[:-1]), [s.replies for s in outage]
    assert outage[-1].guidance, outage[-1].replies
    assert set(queued) == {p.conversation_id for p in people}
    assert queued[caller.conversation_id].priority.value == "P1"
    # After the restart: the forms went on where they were, and each report is stored once.
    assert all(resumed.values()), f"a form was lost: before {asked_before}, after {resumed}"
    assert all(c and c.startswith("BL-") for c in codes), codes
    assert per_conversation == {cid: 1 for cid in ids}
    assert once == [1] * len(codes)
    assert outcome.lost == 0 and outcome.missing == 0
