"""Wait targets per priority and the breach rule the console and supervisor view share."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem
from triage.queue.targets import is_breached, target_seconds, waited_seconds

from .support import T0


def item(priority: Priority) -> QueueItem:
    return QueueItem(
        id="q1",
        conversation_id="c1",
        channel=Channel.WEBCHAT,
        priority=priority,
        reason="human_requested",
        summary="",
        flags=(),
        enqueued_at=T0,
    )


@pytest.mark.parametrize(
    ("priority", "seconds"),
    [(Priority.P1, 0), (Priority.P2, 180), (Priority.P3, 600), (Priority.P4, 600)],
)
def test_targets_per_priority(priority: Priority, seconds: int) -> None:
    assert target_seconds(priority) == seconds


@pytest.mark.parametrize(
    ("priority", "waited", "breached"),
    [
        (Priority.P1, 0, False),
        (Priority.P1, 1, True),
        (Priority.P2, 180, False),
        (Priority.P2, 181, True),
        (Priority.P3, 600, False),
        (Priority.P3, 601, True),
        (Priority.P4, 3600, True),
    ],
)
def test_breached_only_past_the_target(priority: Priority, waited: int, breached: bool) -> None:
    now = T0 + timedelta(seconds=waited)
    assert waited_seconds(item(priority), now) == waited
    assert is_breached(item(priority), now) is breached


def test_the_wait_of_a_claimed_item_stops_at_the_claim() -> None:
    claimed = replace(item(Priority.P2), claimed_by="op-1", claimed_at=T0 + timedelta(seconds=100))
    later = T0 + timedelta(hours=1)
    assert waited_seconds(claimed, later) == 100
    assert not is_breached(claimed, later)


def test_clock_skew_never_gives_a_negative_wait() -> None:
    assert waited_seconds(item(Priority.P3), T0 - timedelta(seconds=5)) == 0
