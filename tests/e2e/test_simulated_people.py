"""Fifteen simulated people (bench/people.yml) through the real stack's REST channel, with
the same harness as `make conversation-bench` (bench/conversations.py): one of each kind of
person and a spread of crime families and enquiries.

All of them talk at once in one module fixture (about half a minute); each test then asserts
one person's behaviour: what they came for was done, nothing they had said was asked for
again, no report was lost, the summary shows what they said, and never more than two
fallbacks in a row.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.conversations import Outcome, load_people, run_people
from scripts.stack import Stack

pytestmark = pytest.mark.engine

SUBSET = (
    "theft-direct",  # also makes the reference that track-upfront asks about
    "assault-direct",
    "burglary-story",
    "vehicle-facts",
    "road-wrong",
    "theft-correct-summary",
    "damage-correct-form",
    "theft-side-hours",
    "track-upfront",
    "theft-cancel",
    "theft-slang",
    "fraud-direct",
    "council-noise",
    "vehicle-story",
    "harassment-wrong",
)


@pytest.fixture(scope="module")
def outcomes(stack: Stack) -> dict[str, Outcome]:
    people = [p for p in load_people() if p.id in SUBSET]
    assert len(people) == len(SUBSET)
    url = f"http://127.0.0.1:{stack.gateway_port}"
    done = asyncio.run(run_people(url, people, concurrency=4))
    return {o.id: o for o in done}


@pytest.mark.parametrize("person", SUBSET)
def test_person_is_served(outcomes: dict[str, Outcome], person: str) -> None:
    out = outcomes[person]
    story = "\n".join(out.transcript)
    assert out.completed, f"{out.why}\n{story}"
    assert not out.asked_again, f"asked again for {out.asked_again}\n{story}"
    assert not out.lost, f"report lost\n{story}"
    assert not out.wrong_in_summary, f"summary wrong for {out.wrong_in_summary}\n{story}"
    assert out.max_fallback_run <= 2, f"{out.max_fallback_run} fallbacks in a row\n{story}"
