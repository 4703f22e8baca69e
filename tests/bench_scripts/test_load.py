"""The load test's counting (bench/load.py): what people say, losses read back from a real
Redis transcript and queue, reports told against stored, and the targets."""

from __future__ import annotations

import random
from collections import Counter

from bench.load import (
    MIX,
    WRONG_REFERENCE,
    Afterwards,
    Sent,
    Talk,
    count_reports,
    count_transcripts,
    load_scripts,
    nlu_examples,
    targets,
)
from channels.redis_store import RedisConversationStore
from channels.store import TranscriptEntry
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.cases.references import is_valid_reference
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.queue.redis_queue import RedisOperatorQueue


def test_nlu_examples_lose_their_entity_markup() -> None:
    examples = nlu_examples(("track_case",), "enquiry.yml")["track_case"]
    assert "any update on BL-4F7K-2MQ9" in examples
    assert not any("](" in e or "[" in e for e in examples)


def test_the_mix_follows_its_weights_and_the_wrong_reference_fails_its_check() -> None:
    scripts = load_scripts(["open", "answer", "yes"])
    rng = random.Random(7)
    kinds = Counter(scripts.pick(rng)[0] for _ in range(4000))
    for kind, weight in MIX:
        assert abs(kinds[kind] / 4000 - weight) < 0.03, kinds
    assert not is_valid_reference(WRONG_REFERENCE)


def _talk(cid: str, kind: str, *texts: str) -> Talk:
    return Talk(cid, kind, "ws", [Sent(t, taken=True) for t in texts])


async def test_losses_are_read_from_the_transcript_and_the_queue() -> None:
    async with redis_prefix() as (client, prefix):
        store = RedisConversationStore(client, prefix=prefix)
        queue = RedisOperatorQueue(client, prefix)
        for text in ("hello", "thanks"):
            await store.append("answered", TranscriptEntry("in", "person", text))
            await store.append("answered", TranscriptEntry("out", "bot", "hi"))
        await store.append("silent", TranscriptEntry("in", "person", "hello"))
        await store.append("queued", TranscriptEntry("in", "person", "hello"))
        await queue.enqueue(QueueRequest("queued", Channel.WEBCHAT, Priority.P3, "engine down"))
        talks = [
            _talk("answered", "other", "hello", "thanks"),
            _talk("silent", "other", "hello"),
            _talk("queued", "other", "hello"),
            _talk("never-stored", "other", "hello"),
            Talk("not-taken", "other", "ws", [Sent("hello", taken=False)]),
        ]
        out = Afterwards()
        await count_transcripts(TEST_REDIS_URL, prefix, talks, out)
    assert (out.checked, out.missing, out.unanswered, out.queued) == (5, 1, 1, 1)


def test_reports_told_are_matched_with_stored_cases_once() -> None:
    def report(cid: str, reference: str | None) -> Talk:
        talk = _talk(cid, "report", "yes")
        talk.sent[0].replies = [f"Your reference is {reference}."] if reference else ["Thanks."]
        return talk

    talks = [
        report("a", "BL-AAAA-AAAA"),
        report("b", "BL-BBBB-BBBB"),
        report("c", None),  # timed out before the reference came
        report("d", "BL-DDDD-DDDD"),
        _talk("e", "enquiry", "BL-4F7K-2MQ8"),  # a tracking enquiry, never a report
    ]
    talks[-1].sent[0].replies = ["I could not find BL-4F7K-2MQ8."]
    stored = [
        ("a", "BL-AAAA-AAAA"),
        ("b", "BL-BBBB-BBBB"),
        ("b", "BL-BBBB-BBBC"),  # a duplicate
        ("c", "BL-CCCC-CCCC"),  # stored, never told
    ]
    out = Afterwards()
    count_reports(talks, stored, out)
    assert (out.told, out.stored, out.duplicates) == (3, 4, 1)
    assert (out.told_not_stored, out.stored_not_told) == (1, 1)


def test_targets_name_each_miss() -> None:
    figures = {
        "turns_per_s": 39.9,
        "p95_ms": 999.0,
        "errors_total": 0,
        "losses": 1,
        "duplicates": 0,
        "told_not_stored": 0,
        "stored_not_told": 0,
    }
    met = targets(figures)
    assert [k for k, ok in met.items() if not ok] == ["turns_per_s >= 40", "no losses"]
