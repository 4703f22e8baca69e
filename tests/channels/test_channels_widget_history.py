"""What the widget needs from `history` after a reload: the 999 guidance marked as such, so it
is restored as prominently as it was first shown, with either conversation store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from gateway_testing import TEST_REDIS_URL, Client, frames_until, redis_test_client

from channels.store import TranscriptEntry
from triage.guidance import emergency_guidance
from triage.settings import Settings

P1_TEXT = "A man with a knife is breaking into my house right now"
GUIDANCE = emergency_guidance("emergency_violence")
Factory = Callable[[Settings], Any]


@pytest.fixture(params=["memory", "redis"])
async def store_settings(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    if request.param == "memory":
        yield {}
        return
    async with redis_test_client() as (_client, prefix):
        yield {"redis_url": TEST_REDIS_URL, "redis_prefix": prefix}


async def test_history_marks_the_999_guidance_and_nothing_else(
    gateway_factory: Factory,
    make_settings: Callable[..., Settings],
    store_settings: dict[str, Any],
) -> None:
    gateway: Client = await gateway_factory(make_settings(**store_settings))
    async with gateway.ws_connect("/ws?conversation=web-h1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": P1_TEXT})
        await frames_until(ws, lambda f: f["type"] == "bot" and "Shall" in f["text"])
    async with gateway.ws_connect("/ws?conversation=web-h1") as ws:  # the reload
        await ws.send_json({"type": "history"})
        [frame] = await frames_until(ws, lambda f: f["type"] == "history")
    rows = [(m["author"], m["text"], m["emergency"]) for m in frame["messages"]]
    assert rows == [
        ("person", P1_TEXT, False),
        *[("system", text, True) for text in GUIDANCE],
        ("bot", f"Echo: {P1_TEXT}", False),
        ("bot", "Shall I send this report?", False),
    ]


def test_entries_stored_before_the_flag_existed_read_as_ordinary() -> None:
    stored = {"direction": "out", "author": "system", "text": "Sorry", "ts": "2026-01-01T00:00Z"}
    assert TranscriptEntry.from_json(stored).emergency is False
    flagged = TranscriptEntry(direction="out", author="system", text="Call 999", emergency=True)
    assert TranscriptEntry.from_json(flagged.to_json()) == flagged
