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
from channels.x.models import public_handle
from channels.x.poller import MENTIONS_CURSOR
from triage.guidance import CALL_999_NOW
from triage.queue.alerts import Alert
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
    link = f"https://x.com/i/web/status/{post}"
    assert (alert.link, alert.author) == (link, "@worried_resident")
    assert "x.com" not in alert.summary and "knife" in alert.summary  # the text, redacted
    assert "weapon" in {f.flag.value for f in alert.flags}
    [item] = await harness.back_office.queue.list_waiting()
    assert item.priority.value == "P1"
    assert (item.link, item.author) == (link, "@worried_resident")
    assert item.summary == alert.summary
    assert item.as_json()["link"] == link


async def test_queued_crime_report_carries_link_and_author(harnesses: Make, fake_x: FakeX) -> None:
    post = fake_x.add_mention(PERSONAL, author_id="7005", handle="jo")
    harness: Harness = await harnesses()
    await harness.poller.poll_once()
    items = await harness.back_office.queue.list_waiting()
    for item in items:  # queued or not is the router's call; when queued, it links the post
        assert (item.link, item.author) == (f"https://x.com/i/web/status/{post}", "@jo")
        assert "07700" not in item.summary


def test_only_a_handle_shaped_author_is_passed_on() -> None:
    assert public_handle("worried_resident") == "@worried_resident"
    assert public_handle("@Jo_99") == "@Jo_99"
    for not_a_handle in ("", "Jo Bloggs", "07700 900123", "jo.bloggs@example.com", "x" * 51):
        assert public_handle(not_a_handle) is None


async def test_p1_in_a_backlog_is_answered_and_alerted_before_routine_posts(
    harnesses: Make, fake_x: FakeX
) -> None:
    routine = [fake_x.add_mention(ENQUIRY, author_id=str(9000 + n)) for n in range(50)]
    emergency = fake_x.add_mention(EMERGENCY, author_id="9999", handle="at_the_back")
    harness: Harness = await harnesses()
    bus = harness.back_office.alerts
    sent_before_alert: list[list[str]] = []
    publish = bus.publish

    async def noting_publish(alert: Alert) -> int:
        sent_before_alert.append([t["reply"]["in_reply_to_tweet_id"] for t in fake_x.tweets])
        return await publish(alert)

    bus.publish = noting_publish  # type: ignore[method-assign]
    assert await harness.poller.poll_once() == 51
    replied_to = [t["reply"]["in_reply_to_tweet_id"] for t in fake_x.tweets]
    assert replied_to[0] == emergency
    assert sorted(replied_to[1:]) == sorted(routine)  # each routine post answered once, after
    assert CALL_999_NOW in fake_x.tweets[0]["text"]
    [before] = sent_before_alert  # one alert, published before any routine reply went out
    assert set(before) <= {emergency}
    assert await harness.state.get_cursor(MENTIONS_CURSOR) == emergency
    assert await harness.poller.poll_once() == 0  # nothing repeated on the next read
    assert len(fake_x.tweets) == 51


async def test_an_unfinished_p1_holds_the_cursor_before_it(
    harnesses: Make, fake_x: FakeX, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handled first, but the cursor is still decided in post order: a routine post that is
    done after an emergency that failed does not move the cursor past the emergency."""
    monkeypatch.setattr(intake_module, "SEND_BACKOFF_SECONDS", 0.01)
    first = fake_x.add_mention(ENQUIRY, author_id="9101")
    emergency = fake_x.add_mention(EMERGENCY, author_id="9102")
    last = fake_x.add_mention(ENQUIRY, author_id="9103")
    fake_x.script("tweets", 503, times=intake_module.SEND_ATTEMPTS)  # the P1 reply fails
    harness: Harness = await harnesses()
    assert await harness.poller.poll_once() == 2
    assert fake_x.replies_to(emergency) == []
    assert len(fake_x.replies_to(first)) == 1 and len(fake_x.replies_to(last)) == 1
    assert await harness.state.get_cursor(MENTIONS_CURSOR) == first
    assert await harness.poller.poll_once() == 1  # re-read: only the emergency is redone
    assert len(fake_x.replies_to(emergency)) == 1
    assert all(len(fake_x.replies_to(p)) == 1 for p in (first, last))
    assert await harness.state.get_cursor(MENTIONS_CURSOR) == last


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
    # The two are handled at once, so either may win the author's one thank-you of the day.
    thanked = fake_x.replies_to(first) + fake_x.replies_to(again)
    assert len(thanked) == 1 and thanked[0]["text"] in intake_module.THANKS
    assert len(fake_x.replies_to(other)) == 1
    day[0] = "2026-11-27"
    tomorrow = fake_x.add_mention(PRAISE, author_id="8001")
    await harness.poller.poll_once()
    assert len(fake_x.replies_to(tomorrow)) == 1
