"""The widget's socket under random frames: any JSON, not JSON, binary, unicode edge cases
(lone surrogates, RTL marks, NUL), over-long texts and frames over the size limit. Each
frame gets an ``error`` frame (or an ``ack``/``history`` when it was valid) and the socket
stays usable: a normal message sent next is acknowledged. Frames over the size limit and
invalid UTF-8 close the socket with the protocol's code, and the gateway takes new ones."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.limits import body_limit

from .live import LiveGateway

ANSWERS = ("error", "ack", "history")
EXAMPLES = 150

frame_settings = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

surrogates = st.characters(categories=["Cs"])
awkward = st.sampled_from(["\u202e", "\u200b", "\x00", "\ufeff", "\U0001f6a8", "\n"])
unicode_text = st.text(st.one_of(st.characters(), surrogates, awkward), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | unicode_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(unicode_text, children, max_size=4)
    ),
    max_leaves=12,
)
message_frames = st.fixed_dictionaries(
    {"type": st.just("message")},
    optional={
        "id": st.one_of(json_values, st.text(max_size=140)),
        "text": st.one_of(json_values, unicode_text, st.text(min_size=2001, max_size=2100)),
        "label": json_values,
    },
)
text_frames = st.one_of(
    json_values.map(json.dumps),
    message_frames.map(json.dumps),
    st.dictionaries(st.sampled_from(["type", "id", "text"]), json_values).map(json.dumps),
    unicode_text.filter(lambda s: not _is_surrogate_text(s)),
    st.just("{" * 5000),  # deep nesting: no RecursionError reaches the loop
)


def _is_surrogate_text(text: str) -> bool:
    """A raw text frame must be valid UTF-8, so lone surrogates go inside JSON escapes."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


async def _answer(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The first answer frame (typing and bot frames of an earlier message are skipped)."""
    while True:
        msg = await ws.receive(timeout=5)
        assert msg.type == WSMsgType.TEXT, f"socket ended: {msg.type} {msg.data!r}"
        frame = json.loads(msg.data)
        if frame.get("type") in ANSWERS:
            return frame


async def _still_usable(ws: aiohttp.ClientWebSocketResponse) -> None:
    probe = f"probe-{uuid.uuid4().hex}"
    await ws.send_json({"type": "message", "id": probe, "text": "hello, is anyone there?"})
    while True:
        frame = await _answer(ws)
        if frame.get("type") == "ack" and frame.get("id") == probe:
            return


async def exchange(live: LiveGateway, data: str | bytes) -> dict[str, Any]:
    """Open a socket, send ``data``, return the answer after checking the socket still works."""
    url = f"{live.base_url}/ws?conversation=fuzz-{uuid.uuid4().hex}"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        if isinstance(data, bytes):
            await ws.send_bytes(data)
        else:
            await ws.send_str(data)
        answer = await _answer(ws)
        await _still_usable(ws)
        return answer


def check_error(frame: dict[str, Any]) -> None:
    if frame["type"] == "error":
        assert frame["code"] in ("invalid", "rate_limited", "unavailable"), frame
        assert isinstance(frame["error"], str) and frame["error"].strip()


@given(text_frames)
@frame_settings
def test_any_text_frame_gets_an_answer_and_the_socket_stays_usable(
    live: LiveGateway, data: str
) -> None:
    frame = live.run(exchange(live, data))
    check_error(frame)


@given(st.binary(max_size=2000))
@frame_settings
def test_binary_frames_are_refused_politely(live: LiveGateway, data: bytes) -> None:
    frame = live.run(exchange(live, data))
    assert frame["type"] == "error" and frame["code"] == "invalid"


@given(message_frames)
@frame_settings
def test_malformed_messages_are_refused_and_valid_ones_acknowledged(
    live: LiveGateway, message: dict[str, Any]
) -> None:
    frame = live.run(exchange(live, json.dumps(message)))
    check_error(frame)
    if frame["type"] == "ack":
        assert frame["id"] == message["id"]
        assert isinstance(message["text"], str) and message["text"].strip()


def test_an_over_long_text_is_refused_with_the_limit(live: LiveGateway) -> None:
    text = "a" * (live.settings.max_message_chars + 1)
    frame = live.run(exchange(live, json.dumps({"type": "message", "id": "m1", "text": text})))
    assert frame["type"] == "error" and frame["id"] == "m1"
    assert str(live.settings.max_message_chars) in frame["error"]


async def _closed_by(live: LiveGateway, send: str) -> int | None:
    url = f"{live.base_url}/ws?conversation=fuzz-{uuid.uuid4().hex}"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        if send == "huge":
            await ws.send_str("x" * (body_limit(live.settings) + 1))
        else:
            await ws.send_frame(b"\xff\xfe\xfd", WSMsgType.TEXT)
        msg = await ws.receive(timeout=5)
        assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), msg
        return ws.close_code


def test_a_frame_over_the_size_limit_closes_that_socket_only(live: LiveGateway) -> None:
    assert live.run(_closed_by(live, "huge")) == WSCloseCode.MESSAGE_TOO_BIG
    assert live.run(exchange(live, '{"type": "history"}'))["type"] == "history"


def test_invalid_utf8_closes_that_socket_only(live: LiveGateway) -> None:
    assert live.run(_closed_by(live, "utf8")) == WSCloseCode.INVALID_TEXT
    assert live.run(exchange(live, '{"type": "history"}'))["type"] == "history"
