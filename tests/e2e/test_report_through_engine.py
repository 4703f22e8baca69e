"""A crime report from first message to reference, through the real Rasa 3.6 engine.

The engine calls our rasa-sdk 3.21 action server for every form validation, question and
the submission, so this also proves the two speak the same action protocol.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
import uuid
from typing import Any

import pytest

from scripts.stack import Stack
from triage.cases.references import is_valid_reference
from triage.cases.sql_store import SqlCaseSystem

pytestmark = pytest.mark.engine

ANSWERS = {
    "incident_description": "someone cut the lock and took my bike from the rack",
    "incident_when": "yesterday about 3pm",
    "incident_where": "outside the library on Front Street, NE1 4ST",
    "property_details": "a black Trek mountain bike",
    "property_value": "about £450",
    "suspect_description": "a man in a grey hoodie, about 20",
    "evidence": "there is a CCTV camera above the library door",
    "reporter_name": "Sam Patel",
    "reporter_contact": "sam.patel@example.com",
    "contact_consent": "yes",
}
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _request(url: str, payload: dict[str, Any] | None = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        return json.loads(response.read())


def say(stack: Stack, sender: str, text: str) -> list[str]:
    url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
    replies = _request(url, {"sender": sender, "message": text})
    return [r.get("text", "") for r in replies]


def tracker(stack: Stack, sender: str) -> dict[str, Any]:
    return dict(_request(stack.engine_api_url(f"/conversations/{sender}/tracker")))


def test_engine_reports_its_version(stack: Stack) -> None:
    version = _request(f"http://127.0.0.1:{stack.rasa_port}/version")
    assert version["version"] == "3.6.21"


def test_theft_report_to_reference(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:12]}"
    opening = "my bike got nicked from outside the library yesterday"
    replies = say(stack, sender, opening)
    assert replies, "the bot said nothing"
    state = tracker(stack, sender)
    assert state["active_loop"].get("name") == "theft_form"
    assert state["slots"]["crime_type"] == "theft"
    # the opening told what happened, when, where and what: noted, shown back, not asked
    assert state["slots"]["incident_description"] == opening
    assert state["slots"]["incident_where"] == "outside the library"
    assert state["slots"]["property_details"] == "bike"
    assert any("I have noted" in reply and "outside the library" in reply for reply in replies)

    asked = []
    for _ in range(20):
        slot = tracker(stack, sender)["slots"].get("requested_slot")
        if slot is None:
            break
        asked.append(slot)
        replies = say(stack, sender, ANSWERS[slot])
    assert asked[0] == "property_value"
    given = {"incident_description", "incident_when", "incident_where", "property_details"}
    assert set(asked) == set(ANSWERS) - given, f"asked {asked}"
    summary = "\n".join(replies)
    assert "outside the library" in summary and "Sam Patel" in summary

    replies = say(stack, sender, "yes")
    text = "\n".join(replies)
    match = REFERENCE.search(text)
    assert match, f"no reference in {replies}"
    reference = match.group(0)
    assert is_valid_reference(reference)

    slots = tracker(stack, sender)["slots"]
    assert slots["report_reference"] == reference
    assert slots["property_details"] is None  # cleared for the next report

    async def stored() -> Any:
        store = SqlCaseSystem.from_url(stack.database_url or "")
        try:
            return await store.lookup(reference, "sam.patel@example.com")
        finally:
            await store.close()

    case = asyncio.run(stored())
    assert case is not None and case.crime_type == "theft"


def test_emergency_interrupts_a_form_and_resumes_when_safe(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:12]}"
    say(stack, sender, "I want to report a burglary")
    assert tracker(stack, sender)["active_loop"].get("name") == "theft_form"
    say(stack, sender, ANSWERS["incident_description"])

    replies = say(stack, sender, "he's back and he's trying to get in the house right now help")
    assert any("999" in r for r in replies), replies
    state = tracker(stack, sender)
    assert not state["active_loop"].get("name")
    assert state["slots"]["paused_form"] == "theft_form"
    assert state["slots"]["incident_description"] == ANSWERS["incident_description"]

    say(stack, sender, "im safe now, the police came and he's gone")
    state = tracker(stack, sender)
    assert state["active_loop"].get("name") == "theft_form"
    assert state["slots"]["requested_slot"] == "incident_when"


def fill_form(stack: Stack, sender: str, answers: dict[str, str]) -> list[str]:
    """Answer whatever the form asks until it stops asking; the last replies are returned."""
    replies: list[str] = []
    for _ in range(20):
        slot = tracker(stack, sender)["slots"].get("requested_slot")
        if slot is None:
            return replies
        replies = say(stack, sender, answers[slot])
    raise AssertionError("the form never finished")


def test_answer_corrected_from_the_summary(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:12]}"
    say(stack, sender, "someone stole my phone on the bus last night")
    summary = "\n".join(fill_form(stack, sender, ANSWERS))
    assert "on the bus" in summary  # from the opening, never asked

    replies = say(stack, sender, "/correct_field")
    assert replies, "no choice of answers to change"
    replies = say(stack, sender, '/correct_field{"field":"incident_where"}')
    state = tracker(stack, sender)
    assert state["active_loop"].get("name") == "theft_form"
    assert state["slots"]["requested_slot"] == "incident_where"

    summary = "\n".join(say(stack, sender, "the number 12 bus near Grey Street, NE1 6AE"))
    assert "Grey Street" in summary and "Where: on the bus" not in summary
    assert tracker(stack, sender)["slots"]["property_details"] == "phone"

    text = "\n".join(say(stack, sender, "yes"))
    assert REFERENCE.search(text), text
