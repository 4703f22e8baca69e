"""Mentions intake against the fake X server with the real tweepy client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from fake_x import FakeX
from x_testing import Harness

import channels.x.intake as intake_module
from channels.x.api import RebasedSession, XRateLimited
from channels.x.poller import MENTIONS_CURSOR
from triage.guidance import CALL_999_NOW
from triage.routing.texts import ANSWERS, AnswerKind

ENQUIRY = "@NorthshirePolice how do I report a lost wallet?"
EMERGENCY = "@NorthshirePolice stabbing on Market St NOW, man with a knife"
PERSONAL = (
    "@NorthshirePolice my bike was stolen from outside 14 Elm Road last night, "
    "call me on 07700 900123 or jo.bloggs@example.com"
)
ABUSE = "@NorthshirePolice you lot are useless pigs"
SPAM = "@NorthshirePolice WIN a FREE iPhone click here bit.ly/xyz"
PRAISE = "@NorthshirePolice great job at the parade today, thank you 👏"

Make = Callable[[], Any]


def test_rebased_session_rewrites_only_tweepys_origin() -> None:
    session = RebasedSession.__new__(RebasedSession)
    session.base = "http://127.0.0.1:9"
    assert session.rebase("https://api.twitter.com/2/tweets") == "http://127.0.0.1:9/2/tweets"
    assert session.rebase("https://example.org/x") == "https://example.org/x"


async def test_mentions_page_through_the_fake(harnesses: Make, fake_x: FakeX) -> None:
    ids = [fake_x.add_mention(f"@NorthshirePolice question {n}?") for n in range(150)]
    harness: Harness = await harnesses()
    batch = await harness.api.mentions(None)
    assert [p.id for p in batch.posts] == ids  # oldest first, both pages
    assert batch.newest_id == ids[-1]
    assert fake_x.calls("mentions") == 2
    batch = await harness.api.mentions(ids[139])
    assert [p.id for p in batch.posts] == ids[140:]
    assert batch.posts[0].author_handle == "someone"


async def test_restart_neither_loses_nor_repeats(harnesses: Make, fake_x: FakeX) -> None:
    first_ids = [fake_x.add_mention(ENQUIRY, author_id=str(3000 + n)) for n in range(3)]
    before: Harness = await harnesses()
    assert await before.poller.poll_once() == 3
    assert await before.state.get_cursor(MENTIONS_CURSOR) == first_ids[-1]
    await before.aclose()

    later_ids = [fake_x.add_mention(ENQUIRY, author_id=str(4000 + n)) for n in range(2)]
    after: Harness = await harnesses()  # a new process: new client, new lease owner
    assert await after.poller.poll_once() == 2
    reads = [query for name, _method, query in fake_x.requests if name == "mentions"]
    assert reads[-1]["since_id"] == first_ids[-1]
    assert await after.poller.poll_once() == 0
    for post_id in first_ids + later_ids:
        assert len(fake_x.replies_to(post_id)) == 1
    assert len(fake_x.tweets) == 5


async def test_failed_reply_is_retried_later_and_sent_once(
    harnesses: Make, fake_x: FakeX, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_module, "SEND_BACKOFF_SECONDS", 0.01)
    first = fake_x.add_mention(ENQUIRY, author_id="5001")
    stuck = fake_x.add_mention(ENQUIRY, author_id="5002")
    fake_x.script("tweets", 503, times=1)  # the first reply fails once, then is retried
    harness: Harness = await harnesses()
    await harness.poller.poll_once()
    assert len(fake_x.replies_to(first)) == 1
    # Now X is down for longer than one post's retries: the post stays unfinished.
    third = fake_x.add_mention(ENQUIRY, author_id="5003")
    fake_x.script("tweets", 503, times=intake_module.SEND_ATTEMPTS)
    await harness.poller.poll_once()
    assert fake_x.replies_to(third) == []
    assert await harness.state.get_cursor(MENTIONS_CURSOR) == stuck
    await harness.poller.poll_once()  # X is back: the unfinished post is finished
    assert len(fake_x.replies_to(third)) == 1
    assert await harness.state.get_cursor(MENTIONS_CURSOR) == third
    assert all(len(fake_x.replies_to(p)) == 1 for p in (first, stuck, third))


async def test_two_pollers_at_once_process_each_post_once(harnesses: Make, fake_x: FakeX) -> None:
    ids = [fake_x.add_mention(ENQUIRY, author_id=str(6000 + n)) for n in range(40)]
    one: Harness = await harnesses()
    two: Harness = await harnesses()
    counts = await asyncio.gather(one.poller.poll_once(), two.poller.poll_once())
    assert sum(counts) == 40
    assert sorted(t["reply"]["in_reply_to_tweet_id"] for t in fake_x.tweets) == sorted(ids)
    decisions = await one.back_office.decisions.recent(100)
    decisions += await two.back_office.decisions.recent(100)
    assert sorted(d.contact_id for d in decisions) == sorted(ids)


async def test_rate_limit_waits_for_the_named_reset(harnesses: Make, fake_x: FakeX) -> None:
    post = fake_x.add_mention(ENQUIRY)
    fake_x.script("mentions", 429, reset_in=1.0)
    harness: Harness = await harnesses()
    with pytest.raises(XRateLimited) as caught:
        await harness.poller.poll_once()
    assert 0.5 < caught.value.wait_seconds() <= 2.5
    fake_x.script("mentions", 429, reset_in=1.0)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(harness.poller.run(stop))
    async with asyncio.timeout(10):
        while not fake_x.replies_to(post):
            await asyncio.sleep(0.02)
    elapsed = time.monotonic() - started
    stop.set()
    await task
    assert elapsed >= 0.9  # waited for the reset, not the 0.05 s poll interval
    assert harness.poller.stats.rate_limited == 1
    assert fake_x.calls("mentions") == 3  # no hammering while limited


async def test_server_errors_back_off_then_recover(harnesses: Make, fake_x: FakeX) -> None:
    post = fake_x.add_mention(ENQUIRY)
    fake_x.script("mentions", 503, times=2)
    harness: Harness = await harnesses()
    stop = asyncio.Event()
    task = asyncio.create_task(harness.poller.run(stop))
    async with asyncio.timeout(10):
        while not fake_x.replies_to(post):
            await asyncio.sleep(0.02)
    stop.set()
    await task
    assert harness.poller.stats.errors == 2
    assert len(fake_x.replies_to(post)) == 1


async def test_emergency_gets_999_reply_and_alert_with_link(harnesses: Make, fake_x: FakeX) -> None:
    post = fake_x.add_mention(EMERGENCY, author_id="7001", handle="worried_resident")
    harness: Harness = await harnesses()
    async with harness.back_office.alerts.subscribe() as alerts:
        await harness.poller.poll_once()
        alert = await asyncio.wait_for(alerts.__anext__(), timeout=2)
    [reply] = fake_x.replies_to(post)
    assert CALL_999_NOW in reply["text"] and len(reply["text"]) <= 280
    assert alert.priority.value == "P1"
    assert f"https://x.com/i/web/status/{post}" in alert.summary
    assert "@worried_resident" in alert.summary
    assert "weapon" in {f.flag.value for f in alert.flags}
    [item] = await harness.back_office.queue.list_waiting()
    assert item.priority.value == "P1" and post in item.summary


async def test_personal_details_never_repeated(harnesses: Make, fake_x: FakeX) -> None:
    post = fake_x.add_mention(PERSONAL, author_id="7002", handle="jo")
    harness: Harness = await harnesses()
    await harness.poller.poll_once()
    [reply] = fake_x.replies_to(post)
    assert reply["text"] == ANSWERS[AnswerKind.INVITE_DM]
    for detail in ("07700", "900123", "jo.bloggs", "example.com", "14 Elm", "Elm Road"):
        assert detail not in reply["text"]
    [entry] = await harness.back_office.decisions.recent(5)
    assert "07700" not in entry.redacted_text and "jo.bloggs" not in entry.redacted_text


async def test_abuse_and_spam_are_recorded_without_reply(harnesses: Make, fake_x: FakeX) -> None:
    posts = [fake_x.add_mention(ABUSE, "7003"), fake_x.add_mention(SPAM, "7004")]
    harness: Harness = await harnesses()
    assert await harness.poller.poll_once() == 2
    assert fake_x.tweets == []
    recorded = await harness.back_office.decisions.recent(5)
    assert sorted(d.contact_id for d in recorded) == sorted(posts)


async def test_praise_thanked_once_per_author_per_day(harnesses: Make, fake_x: FakeX) -> None:
    day = ["2026-11-26"]
    harness: Harness = await harnesses()
    harness.intake._today = lambda: day[0]
    first = fake_x.add_mention(PRAISE, author_id="8001")
    again = fake_x.add_mention(PRAISE, author_id="8001")
    other = fake_x.add_mention(PRAISE, author_id="8002")
    await harness.poller.poll_once()
    assert len(fake_x.replies_to(first)) == 1
    assert fake_x.replies_to(first)[0]["text"] in intake_module.THANKS
    assert fake_x.replies_to(again) == []
    assert len(fake_x.replies_to(other)) == 1
    day[0] = "2026-11-27"
    tomorrow = fake_x.add_mention(PRAISE, author_id="8001")
    await harness.poller.poll_once()
    assert len(fake_x.replies_to(tomorrow)) == 1
