"""The action server is stopped (SIGTERM) in the middle of forms, then started again.

The engine still answers 200 but with nothing when a custom action cannot run; the gateway
treats that as an outage: the fallback, and the conversation queued for staff. After the
restart the forms carry on and each report is stored exactly once.

A "yes, send it" that meets the outage is not spent: Rasa logs the failed
`action_submit_report` with no events, so the `report_ready` slot set by the summary is still
true and the rule "a send that did not happen -> yes sends again" (bot/data/rules/reports.yml)
sends on the person's next "yes"; the report is stored once and the person told its reference.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.faults.harness import (
    THEFT_ANSWERS,
    THEFT_OPENING,
    Faults,
    Injections,
    Person,
    cases_by_conversation,
    fill_to_summary,
    finish_report,
    queue_items,
    requested_slot,
    start_report,
    stored_once,
    table,
    told,
    tracker,
    transcript_outcome,
)

pytestmark = pytest.mark.engine


async def test_forms_survive_an_action_server_restart(faults: Faults) -> None:
    injections = Injections()
    actions = faults.stack.service("action server")
    async with aiohttp.ClientSession() as session:
        reporters = [
            Person(session, faults.gateway, kind, f"as{i}")
            for i, kind in enumerate(["rest", "ws", "ws"])
        ]
        at_summary = Person(session, faults.gateway, "ws", "assum")
        people = [*reporters, at_summary]
        try:
            await asyncio.gather(
                *(start_report(p, session, faults.stack, 3) for p in reporters),
                fill_to_summary(at_summary, session, faults.stack),
            )
            slots = [
                await requested_slot(session, faults.stack, p.conversation_id) for p in reporters
            ]
            down = injections.begin("action server SIGTERM")
            actions.stop()
            outage = await asyncio.gather(
                *(
                    p.say(THEFT_ANSWERS[s or "property_details"])
                    for p, s in zip(reporters, slots, strict=True)
                ),
                at_summary.say("yes"),
            )
            started = time.monotonic()
            actions.start()
            actions.wait_healthy(120)
            injections.end(down)
            restart_seconds = time.monotonic() - started

            queued = await queue_items(faults, [p.conversation_id for p in people])
            resumed = [
                await requested_slot(session, faults.stack, p.conversation_id) for p in reporters
            ]
            finals = await asyncio.gather(
                *(finish_report(p, session, faults.stack) for p in reporters)
            )
            codes = [told(s) for s in finals]
            ids = [p.conversation_id for p in reporters]
            # The "yes" that met the outage: nothing stored, the answers kept; then said again.
            held_cases = await cases_by_conversation(
                faults.direct_db_url, [at_summary.conversation_id]
            )
            kept = (await tracker(session, faults.stack, at_summary.conversation_id))["slots"]
            again = told(await at_summary.say("yes"))
            await asyncio.sleep(1.0)
            per_conversation = await cases_by_conversation(faults.direct_db_url, ids)
            after_again = await cases_by_conversation(
                faults.direct_db_url, [at_summary.conversation_id]
            )
            once = [await stored_once(faults.direct_db_url, c) for c in codes if c]
            outcome = await transcript_outcome(faults, people)
        finally:
            await asyncio.gather(*(p.close() for p in people))

    print(
        table(
            "action server stopped mid-form",
            injections,
            {
                "action server restart to healthy (s)": round(restart_seconds, 1),
                "messages during the outage": len(outage),
                "  fallback": sum(1 for s in outage if s.fallback),
                "conversations queued for staff": len(queued),
                "forms resumed at a form slot": sum(1 for s in resumed if s),
                "messages sent (all)": outcome.sent,
                "answered": outcome.answered,
                "queued for staff (not answered)": outcome.queued,
                "lost (neither)": outcome.lost + outcome.missing,
                "reports told (mid-form at the stop)": sum(1 for c in codes if c),
                "cases stored (mid-form at the stop)": sum(per_conversation.values()),
                "duplicates": sum(max(0, n - 1) for n in per_conversation.values()),
                "'send it' during the stop: cases": held_cases[at_summary.conversation_id],
                "'send it' again after: reference": again or "none",
                "'send it' again after: cases": after_again[at_summary.conversation_id],
            },
        )
    )
    assert all(s.fallback for s in outage), [s.replies for s in outage]
    assert set(queued) == {p.conversation_id for p in people}
    assert all(resumed), "a form was lost in the outage"
    assert all(c and c.startswith("BL-") for c in codes), codes
    assert per_conversation == {cid: 1 for cid in ids}
    assert once == [1] * len(codes)
    assert outcome.lost == 0 and outcome.missing == 0
    assert held_cases == {at_summary.conversation_id: 0}
    # The answers waited in the tracker (the conversation was also queued for staff); the
    # second "yes" sends them: one case, whose reference the person is told.
    # the opening told what happened, so the form took it as the account
    assert kept["incident_description"] == THEFT_OPENING
    assert kept["evidence"] == THEFT_ANSWERS["evidence"]
    assert kept["report_ready"] is True
    assert again is not None and again.startswith("BL-"), again
    assert await stored_once(faults.direct_db_url, again) == 1
    assert after_again == {at_summary.conversation_id: 1}
