"""The two-of-everything cluster (`scripts/cluster.py`): conversations spread over processes.

Seven crime reports run at once through the load balancer's REST webhook. The balancer takes
the next upstream for every request, so each conversation's messages move between the two
gateways, the gateways' calls between the two engines, and the engines' action calls between
the two action servers. (Seven, not six: were the conversations to move in lockstep, an even
number would send each one's messages to the same gateway every time.) Nothing may be lost or
reordered: the gateways' transcripts (Redis) and the engines' trackers (PostgreSQL) must hold
every message once and in order, each report must end with its own reference, and the case
store must hold exactly one case per conversation.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from scripts.cluster import Cluster
from scripts.lb import UPSTREAM_HEADER
from scripts.stack import ROOT
from triage.cases.references import is_valid_reference

pytestmark = pytest.mark.engine

CONVERSATIONS = 7
# Names the report and nothing else, so the form asks every question in its order.
OPENING = "I want to report a theft"
ANSWERS = {  # as tests/e2e/test_report_through_engine.py
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
LB_LINE = re.compile(r"^lb pool=(\w+) upstream=(\S+) method=(\S+) path=(\S+) status=(\d+)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    assert (ROOT / "models" / "current.tar.gz").exists(), "no trained model: run `make train`"
    key = uuid.uuid4().hex[:10]
    running = Cluster.on_free_ports(
        tmp_path_factory.mktemp("cluster"), database=f"bluelamp_cluster_{key}", key=key
    )
    # Every request reaches the gateways from the balancer's address: lift the per-address
    # REST limit so seven people on one machine do not look like one abusive one.
    running.extra_env["BLUELAMP_IP_LIMIT_REST"] = "6000 per minute"
    started = time.monotonic()
    try:
        with running.running(timeout=360):
            print(f"\ncluster started in {time.monotonic() - started:.1f} s")
            yield running
    finally:
        running.drop_state()


@dataclass
class Conversation:
    sender: str
    sent: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    reference: str | None = None


async def say(
    http: aiohttp.ClientSession, cluster: Cluster, talk: Conversation, message: str
) -> list[str]:
    """One turn through the balancer's REST webhook; notes which gateway served it."""
    started = time.monotonic()
    async with http.post(
        cluster.url("/webhooks/rest/webhook"),
        json={"sender": talk.sender, "message": message},
    ) as resp:
        assert resp.status == 200, await resp.text()
        replies = await resp.json()
        talk.gateways.append(resp.headers[UPSTREAM_HEADER])
    talk.latencies.append(time.monotonic() - started)
    talk.sent.append(message)
    return [str(r.get("text", "")) for r in replies]


async def tracker(http: aiohttp.ClientSession, cluster: Cluster, engine: int, sender: str) -> Any:
    """The tracker straight from one engine (not through the balancer, so these reads never
    shift which engine the balancer gives the next turn)."""
    port = cluster.engine_ports[engine % len(cluster.engine_ports)]
    url = f"http://127.0.0.1:{port}/conversations/{sender}/tracker"
    async with http.get(url, params={"token": cluster.rasa_token}) as resp:
        assert resp.status == 200
        return await resp.json()


async def report_theft(http: aiohttp.ClientSession, cluster: Cluster, talk: Conversation) -> None:
    """A theft report to its reference, every question asked (a plain opening: the more turns,
    the surer each conversation meets both gateways of the round robin). Each turn's outcome is
    read from the engine that did not necessarily handle it: both must see the same tracker."""
    replies = await say(http, cluster, talk, OPENING)
    for turn in range(20):
        state = await tracker(http, cluster, turn, talk.sender)
        slot = state["slots"].get("requested_slot")
        if slot is None:
            break
        replies = await say(http, cluster, talk, ANSWERS[slot])
    else:
        raise AssertionError(f"{talk.sender}: the form never finished")
    assert "Sam Patel" in "\n".join(replies), replies  # the summary
    replies = await say(http, cluster, talk, "yes")
    match = REFERENCE.search("\n".join(replies))
    assert match, f"{talk.sender}: no reference in {replies}"
    talk.reference = match.group(0)


def lb_requests(cluster: Cluster, skip_bytes: int) -> list[tuple[str, str, str, str, int]]:
    """(pool, upstream, method, path, status) of every request logged after ``skip_bytes``."""
    with (cluster.var_dir / "logs" / "lb.log").open("rb") as log:
        log.seek(skip_bytes)
        lines = log.read().decode(errors="replace").splitlines()
    found = []
    for line in lines:
        if m := LB_LINE.match(line):
            found.append((m[1], m[2], m[3], m[4], int(m[5])))
    return found


async def test_concurrent_reports_spread_over_every_process(cluster: Cluster) -> None:
    log_start = (cluster.var_dir / "logs" / "lb.log").stat().st_size
    talks = [Conversation(f"cluster-{uuid.uuid4().hex[:12]}") for _ in range(CONVERSATIONS)]
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(*(report_theft(http, cluster, talk) for talk in talks))
        elapsed = time.monotonic() - started
        engine_views = [
            [await tracker(http, cluster, engine, talk.sender) for engine in (0, 1)]
            for talk in talks
        ]

    latencies = sorted(x for talk in talks for x in talk.latencies)
    print(
        f"\n{len(talks)} reports, {len(latencies)} turns in {elapsed:.1f} s; turn p50 "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, p95 "
        f"{latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )

    # Each conversation reached its own, valid reference.
    references = [talk.reference for talk in talks]
    assert all(ref and is_valid_reference(ref) for ref in references), references
    assert len(set(references)) == len(talks)

    # Each conversation's messages really went through both gateways.
    for talk in talks:
        assert set(talk.gateways) == {"gateways-1", "gateways-2"}, (talk.sender, talk.gateways)

    # ... and the gateways' engine calls and the engines' action calls through both of each.
    served = Counter(
        (pool, upstream)
        for pool, upstream, method, path, status in lb_requests(cluster, log_start)
        if method == "POST" and status == 200 and path in ("/webhooks/rest/webhook", "/webhook")
    )
    turns = sum(len(talk.sent) for talk in talks)
    engine_turns = {u: n for (p, u), n in served.items() if p == "engines"}
    assert sum(engine_turns.values()) == turns, engine_turns  # one engine call per turn
    assert set(engine_turns) == {"engines-1", "engines-2"}, engine_turns
    assert min(engine_turns.values()) >= turns // 4, engine_turns
    action_calls = {u: n for (p, u), n in served.items() if p == "actions"}
    assert set(action_calls) == {"actions-1", "actions-2"}, action_calls

    # Both engines hold the same tracker: every message once, in the order it was sent.
    for talk, views in zip(talks, engine_views, strict=True):
        for view in views:
            said = [e.get("text") for e in view["events"] if e.get("event") == "user"]
            assert said == talk.sent, talk.sender
            assert view["slots"]["report_reference"] == talk.reference

    # The gateways' shared transcripts (Redis): every message once, in order, each followed
    # by the bot's answer before the next.
    redis = Redis.from_url(cluster.redis_url, decode_responses=True)
    try:
        for talk in talks:
            raw = await redis.lrange(f"{cluster.redis_prefix}conv:{talk.sender}:transcript", 0, -1)
            entries = [json.loads(item) for item in raw]
            inbound = [e["text"] for e in entries if e["direction"] == "in"]
            assert inbound == talk.sent, talk.sender
            directions = [e["direction"] for e in entries]
            assert directions[0] == "in" and directions[-1] == "out"
            assert "in,in" not in ",".join(directions), talk.sender  # no message unanswered
            assert talk.reference in entries[-1]["text"] or any(
                talk.reference in e["text"] for e in entries if e["direction"] == "out"
            )
    finally:
        await redis.aclose()

    # Exactly one case per conversation in the shared case store (PostgreSQL).
    engine = create_async_engine(cluster.pg_url(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT conversation_id, reference FROM cases WHERE conversation_id = ANY(:ids)"
                ),
                {"ids": [talk.sender for talk in talks]},
            )
            cases = sorted((str(row[0]), str(row[1])) for row in rows)
    finally:
        await engine.dispose()
    assert cases == sorted((talk.sender, str(talk.reference)) for talk in talks)


async def test_web_chat_reconnects_to_the_other_gateway_and_carries_on(cluster: Cluster) -> None:
    """The widget's WebSocket through the balancer: a reconnect lands on the other gateway,
    which continues the same conversation (the form's next question) and has its history."""
    conversation = f"cluster-ws-{uuid.uuid4().hex[:12]}"
    url = cluster.url(f"/ws?conversation={conversation}")
    log_start = (cluster.var_dir / "logs" / "lb.log").stat().st_size

    async def exchange(http: aiohttp.ClientSession, message_id: str, message: str) -> list[Any]:
        async with http.ws_connect(url) as ws:
            await ws.send_json({"type": "message", "id": message_id, "text": message})
            frames: list[Any] = []
            while True:
                frame = await asyncio.wait_for(ws.receive_json(), timeout=30)
                frames.append(frame)
                if frame["type"] == "typing" and not frame["active"]:
                    break
            await ws.send_json({"type": "history"})
            while (frame := await asyncio.wait_for(ws.receive_json(), timeout=30))["type"] not in (
                "history",
            ):
                frames.append(frame)
            frames.append(frame)
            return frames

    async with aiohttp.ClientSession() as http:
        first = await exchange(http, "m-1", OPENING)
        second = await exchange(http, "m-2", ANSWERS["incident_description"])

    served = [
        upstream
        for pool, upstream, method, path, status in lb_requests(cluster, log_start)
        if pool == "gateways" and method == "WS" and path == "/ws" and status == 101
    ]
    assert sorted(served) == ["gateways-1", "gateways-2"], served
    assert next(
        {k: f[k] for k in ("type", "id", "duplicate")} for f in first if f["type"] == "ack"
    ) == {"type": "ack", "id": "m-1", "duplicate": False}
    answers = [f["text"] for f in second if f["type"] == "bot"]
    assert any("When did it happen" in a for a in answers), answers
    history = second[-1]
    said = [e["text"] for e in history["messages"] if e["direction"] == "in"]
    assert said == [OPENING, ANSWERS["incident_description"]]


async def test_two_messages_at_once_reach_two_engines_and_are_taken_in_turn(
    cluster: Cluster,
) -> None:
    """Two messages of one conversation sent together (and nothing else in flight) go to the
    two gateways, whose engine calls go to the two engines: they must be taken one after the
    other, so each is answered once and neither turn is lost or mixed into the other (between
    two user messages the tracker has the bot's answer and its action_listen). Rasa's Redis
    lock store alone let one of the two messages vanish from the tracker here (its tickets
    are not atomic); the gateways' turn in Redis (`channels.engine_turns`) closes that."""
    log_start = (cluster.var_dir / "logs" / "lb.log").stat().st_size
    pair = ("hello", "what time does the police station open")
    talks = [Conversation(f"cluster-pair-{uuid.uuid4().hex[:12]}") for _ in range(4)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for talk in talks:  # one pair at a time, so each pair splits over both of each pool
            await asyncio.gather(*(say(http, cluster, talk, text) for text in pair))
        views = [await tracker(http, cluster, n, talk.sender) for n, talk in enumerate(talks)]

    engine_calls = [
        upstream
        for pool, upstream, method, path, status in lb_requests(cluster, log_start)
        if pool == "engines" and path == "/webhooks/rest/webhook"
    ]
    assert len(engine_calls) == 2 * len(talks), engine_calls
    for n, talk in enumerate(talks):
        assert sorted(talk.gateways) == ["gateways-1", "gateways-2"], talk.gateways
        assert sorted(engine_calls[2 * n : 2 * n + 2]) == ["engines-1", "engines-2"]
        events = views[n]["events"]
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        assert sorted(events[i]["text"] for i in users) == sorted(pair), talk.sender
        first, second = users
        between = events[first + 1 : second]
        assert any(
            e.get("event") == "action" and e.get("name") == "action_listen" for e in between
        ), f"{talk.sender}: the second message was handled inside the first's turn"
        assert any(e.get("event") == "bot" for e in between), talk.sender
        assert any(e.get("event") == "bot" for e in events[second + 1 :]), talk.sender
