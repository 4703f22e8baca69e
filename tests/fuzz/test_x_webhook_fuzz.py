"""The X webhook under abuse: bad, missing and near-miss signatures are refused (401, JSON)
and nothing is handled; correctly signed garbage gets a 4xx or is accepted without a
crash; replayed signed deliveries are accepted but every DM reaches the bot once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.keys import x_webhook_key
from channels.x.webhook import SIGNATURE_HEADER, signature

from .checks import check_answer
from .live import X_SECRET, LiveGateway

hook_settings = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
event_keys = st.sampled_from(["tweet_create_events", "direct_message_events", "for_user_id"])
shaped_bodies = st.dictionaries(event_keys, json_values | st.lists(json_values, max_size=3))


def post(live: LiveGateway, payload: bytes, header: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[SIGNATURE_HEADER] = header
    resp = requests.post(f"{live.base_url}/webhooks/x", data=payload, headers=headers, timeout=10)
    check_answer(resp.status_code, resp.headers, resp.content)
    return resp


def drain(live: LiveGateway) -> None:
    live.run(live.app[x_webhook_key].drain(10))


def engine_messages(live: LiveGateway, marker: str) -> list[str]:
    return [r["message"] for r in live.engine.requests if marker in str(r.get("message"))]


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
"""What a header value may hold; anything else (control characters) is refused by aiohttp's
HTTP parser with a plain 400 before the gateway sees the request."""


@given(payload=st.binary(max_size=300), header=st.one_of(st.none(), HEADER_TEXT))
@hook_settings
def test_unsigned_or_badly_signed_deliveries_are_refused(
    live: LiveGateway, payload: bytes, header: str | None
) -> None:
    if header is not None and header == signature(X_SECRET, payload):
        return
    before = len(live.engine.requests)
    resp = post(live, payload, header)
    assert resp.status_code == 401
    drain(live)
    assert len(live.engine.requests) == before


@given(payload=st.binary(min_size=1, max_size=200))
@hook_settings
def test_a_signature_for_another_body_or_key_is_refused(live: LiveGateway, payload: bytes) -> None:
    for header in (
        signature("not-the-secret", payload),
        signature(X_SECRET, payload + b" "),
        signature(X_SECRET, payload).lower(),
        signature(X_SECRET, payload).removeprefix("sha256="),
    ):
        if header != signature(X_SECRET, payload):
            assert post(live, payload, header).status_code == 401


@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
@hook_settings
def test_signed_garbage_gets_a_clear_answer(live: LiveGateway, payload: bytes) -> None:
    resp = post(live, payload, signature(X_SECRET, payload))
    assert resp.status_code in (200, 400)


@given(shaped_bodies)
@hook_settings
def test_signed_bodies_of_the_wrong_shape_never_crash(
    live: LiveGateway, body: dict[str, Any]
) -> None:
    payload = json.dumps(body).encode()
    resp = post(live, payload, signature(X_SECRET, payload))
    assert resp.status_code in (200, 400)
    drain(live)


def dm_event(event_id: str, text: str, sender: str = "2001") -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": event_id,
        "message_create": {
            "sender_id": sender,
            "target": {"recipient_id": "1000"},
            "message_data": {"text": text},
        },
    }


@given(
    dms=st.integers(min_value=1, max_value=4),
    plan=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=6),
)
@settings(max_examples=15, derandomize=True, deadline=None, database=None)
def test_replayed_signed_deliveries_are_handled_once(
    live: LiveGateway, dms: int, plan: list[tuple[int, int]]
) -> None:
    """``plan``: (which DM, how many times its signed delivery is sent); all DMs at least
    once, in one delivery together at the end."""
    marker = uuid.uuid4().hex
    events = [dm_event(f"{marker[:12]}{i}", f"dm {marker} {i}") for i in range(dms)]
    deliveries = [[events[which % dms]] for which, _times in plan for _ in range(_times)]
    deliveries.append(events)
    for batch in deliveries:
        payload = json.dumps({"for_user_id": "1000", "direct_message_events": batch}).encode()
        assert post(live, payload, signature(X_SECRET, payload)).status_code == 200
    drain(live)
    assert sorted(engine_messages(live, marker)) == sorted(
        e["message_create"]["message_data"]["text"] for e in events
    )
