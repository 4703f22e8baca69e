"""Small pieces the channels depend on: the rate limiter, input rules, engine reply parsing,
the origin check and the body limit."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from channels.engine import BotMessage, EngineUnavailable, parse_replies
from channels.limits import body_limit
from channels.ratelimit import RateLimiter
from channels.security import origin_allowed
from channels.store import Button
from channels.validation import InvalidInput, check_conversation_id, check_text
from triage.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_ten_per_window_then_frees_up() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 10.0, clock=clock)
    for _ in range(10):
        assert limiter.hit() is None
        clock.now += 0.5
    retry = limiter.hit()  # 5 s after the first
    assert retry == pytest.approx(5.0)
    clock.now += 4.9
    assert limiter.hit() is not None
    clock.now += 0.2
    assert limiter.hit() is None  # the first event has left the window


def test_refused_events_do_not_extend_the_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 10.0, clock=clock)
    assert limiter.hit() is None
    for _ in range(5):
        clock.now += 1
        assert limiter.hit() is not None
    clock.now += 5
    assert limiter.hit() is None


@pytest.mark.parametrize("value", ["a", "A-z_0.9:x", "x" * 128, "x:123456789"])
def test_valid_conversation_ids(value: str) -> None:
    assert check_conversation_id(value) == value


@pytest.mark.parametrize("value", ["", "x" * 129, "abc\n", "\nabc", "a;b", "a\x00b", "ünï"])
def test_invalid_conversation_ids(value: str) -> None:
    with pytest.raises(InvalidInput):
        check_conversation_id(value)


def test_text_length_counts_characters_not_bytes() -> None:
    assert check_text("é" * 10, 10) == "é" * 10
    with pytest.raises(InvalidInput):
        check_text("é" * 11, 10)


def test_parse_replies_keeps_text_buttons_and_custom_payloads_only() -> None:
    data = [
        {"recipient_id": "s", "text": "Hello"},
        {"recipient_id": "s", "image": "https://x/y.png"},
        {"recipient_id": "s", "text": "Pick", "buttons": [{"title": "A", "payload": "/a"}, "junk"]},
        "junk",
        {"recipient_id": "s", "buttons": [{"title": "B"}]},
        {"recipient_id": "s", "custom": {"bluelamp": {"handoff": {}}}},
        {"recipient_id": "s", "custom": "not an object"},
    ]
    assert parse_replies(data) == [
        BotMessage("Hello"),
        BotMessage("Pick", (Button("A", "/a"),)),
        BotMessage("", (Button("B", ""),)),
        BotMessage("", custom={"bluelamp": {"handoff": {}}}),
    ]


def test_parse_replies_rejects_a_non_list() -> None:
    with pytest.raises(EngineUnavailable):
        parse_replies({"text": "hi"})


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),
        ("http://gateway.test:8080", True),
        ("https://gateway.test:8080", True),  # TLS ended at a proxy: host decides
        ("https://www.northshire.police.uk", True),
        ("https://www.northshire.police.uk/", True),
        ("https://evil.example", False),
        ("http://gateway.test:9999", False),
        ("null", False),
    ],
)
def test_origin_check(origin: str | None, allowed: bool) -> None:
    headers = {"Host": "gateway.test:8080"}
    if origin is not None:
        headers["Origin"] = origin
    request = make_mocked_request("GET", "/ws", headers=headers)
    settings = Settings(extra={"allowed_origins": "https://www.northshire.police.uk"})
    assert origin_allowed(request, settings) is allowed


def test_body_limit_fits_a_maximal_message_of_four_byte_characters() -> None:
    settings = Settings(max_message_chars=10_000)
    assert body_limit(settings) >= 4 * 10_000 + 1024
    assert body_limit(Settings()) >= 16 * 1024
