"""Load test of the whole system (issue 8): N simulated people for a fixed time, each looping
through realistic conversations over the gateway, on the single stack or the cluster.

Mix per conversation: 40% a theft report through the whole form to its reference, 35% an
enquiry (station opening times, lost property, firearms licensing, tracking a case with a
wrong reference), 15% small talk or something out of scope, 10% an emergency followed by
"I'm safe now". Openings of enquiries, small talk and emergencies are drawn from the NLU
training data (`nlu_data/`); the report's answers are those of tests/e2e, in the order
this model asks for them (learnt once, untimed, as bench/webchat.py does). Most people use
the widget's WebSocket, `--rest-share` of conversations the REST webhook; each conversation
is a new conversation id (and a new socket). Think time: uniform between `--think-min` and
`--think-max` seconds before every message (default 0.3-1.2 s, mean 0.75 s). Arithmetic
worth keeping in mind: one person sends at most one message per think + latency, so 40
turns/s from 50 people needs a cycle of 1.25 s: at the default think times a mean latency
of about 0.5 s; at 0.5-2 s think times, never.

Per turn: latency from sending to the last reply of the turn (REST: the response; socket:
the last `bot` frame after the bot's `typing: false`, which says how many `bot` frames of
the turn follow it; from a gateway that does not say, a quiet spell of `QUIET_SECONDS`
ends the turn, not counted as latency).
Errors: `error` frames, HTTP 5xx (and other non-200), turns over 10 s (timeout), the
gateway's "cannot answer you here right now" fallback (the engine failed), connection
failures. Losses, counted at the end from the shared Redis transcript and operator queue
(as tests/faults does): a message acknowledged (socket) or answered 200 (REST) that the
transcript does not hold, or holds with no reply after it and no queue item. Reports: the
references people were told against the cases stored for their conversations (exactly once).
CPU: seconds used by each service's process tree over the run, the bench's own, and the rest
of the machine (PostgreSQL, Redis, and anything else running: the figures are only clean on a
machine with nothing else to do).

`--layout single` is `scripts/stack.py`'s stack (cases in SQLite, conversations in Redis under
a key prefix of its own); `--layout cluster` is `scripts/cluster.py` with `--engines` engines
(two action servers, two gateways, the balancer, throwaway PostgreSQL databases and Redis
prefix, dropped afterwards). `--engine-env NAME=VALUE` adds to the engines' environment for
experiments (e.g. `PYTHONPATH` pointing at another version of a library).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webchat import RASA_MODEL, REFERENCE, CpuMeter, percentile, report_script  # noqa: E402
from scripts.haproxy_local import haproxy_binary  # noqa: E402

TURN_TIMEOUT_SECONDS = 10.0
QUIET_SECONDS = 0.2
FALLBACK_MARK = "cannot answer you here right now"
TARGETS = {"turns_per_s": 40.0, "p95_ms": 1000.0}
MIX = (("report", 0.40), ("enquiry", 0.35), ("other", 0.15), ("emergency", 0.10))
WRONG_REFERENCE = "BL-4F7K-2MQ8"  # one character off a valid reference: fails its check
SAFE_AGAIN = "im safe now, the police came and he's gone"
ENQUIRY_INTENTS = ("station_opening_times", "lost_property", "firearms_licensing")
OTHER_INTENTS = ("greet", "bot_challenge", "out_of_scope", "thank")
CLOSINGS = ("thanks", "ok thank you", "cheers, bye")
ENTITY = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


# ---------- what people say -----------------------------------------------------------------
def nlu_examples(intents: tuple[str, ...], category_file: str) -> dict[str, list[str]]:
    """Training examples of these intents, entity markup removed (`[x](e)` becomes `x`)."""
    data = yaml.safe_load((ROOT / "nlu_data" / category_file).read_text())
    found: dict[str, list[str]] = {}
    for block in data.get("nlu", []):
        if block.get("intent") in intents:
            lines = [ln.strip()[2:] for ln in str(block["examples"]).splitlines() if ln.strip()]
            found[block["intent"]] = [ENTITY.sub(lambda m: m[1] or m[2], ln) for ln in lines]
    missing = set(intents) - set(found)
    if missing:
        raise SystemExit(f"no NLU examples for {sorted(missing)} in nlu_data/{category_file}")
    return found


@dataclass
class Scripts:
    report: list[str]
    enquiries: dict[str, list[str]]
    others: dict[str, list[str]]
    emergencies: list[str]

    def pick(self, rng: random.Random) -> tuple[str, list[str]]:
        kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        if kind == "report":
            return kind, list(self.report)
        if kind == "enquiry":
            which = rng.choice((*ENQUIRY_INTENTS, "track_case"))
            if which == "track_case":
                return "enquiry", ["can i check the progress of my crime report", WRONG_REFERENCE]
            return kind, [rng.choice(self.enquiries[which]), rng.choice(CLOSINGS)]
        if kind == "other":
            return kind, [rng.choice(self.others[i]) for i in rng.sample(OTHER_INTENTS, 2)]
        return kind, [rng.choice(self.emergencies), SAFE_AGAIN]


def load_scripts(report: list[str]) -> Scripts:
    emergencies = nlu_examples(
        ("emergency_intruder", "emergency_violence", "emergency_medical"), "emergency.yml"
    )
    return Scripts(
        report=report,
        enquiries=nlu_examples(ENQUIRY_INTENTS, "enquiry.yml"),
        others=nlu_examples(OTHER_INTENTS, "other.yml"),
        emergencies=[t for ts in emergencies.values() for t in ts],
    )


# ---------- what is counted -----------------------------------------------------------------
@dataclass
class Sent:
    text: str
    taken: bool
    """Acknowledged (socket) or answered 200 (REST): the gateway took responsibility."""
    replies: list[str] = field(default_factory=list)


@dataclass
class Talk:
    conversation_id: str
    kind: str
    channel: str
    sent: list[Sent] = field(default_factory=list)

    @property
    def told(self) -> str | None:
        for said in reversed(self.sent):
            match = REFERENCE.search("\n".join(said.replies))
            if match:
                return match.group(0)
        return None


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    talks: list[Talk] = field(default_factory=list)
    run: str = ""


class TurnFailed(Exception):
    """The turn ended in an error of this kind; the conversation is abandoned."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


# ---------- people --------------------------------------------------------------------------
class Person:
    def __init__(
        self,
        number: int,
        session: aiohttp.ClientSession,
        gateway: str,
        scripts: Scripts,
        args: argparse.Namespace,
        tally: Tally,
        run: str,
    ) -> None:
        self.number = number
        self.session = session
        self.gateway = gateway
        self.scripts = scripts
        self.args = args
        self.tally = tally
        self.run = run
        self.rng = random.Random(f"{args.seed}-{number}")

    async def live(self, until: float) -> None:
        n = 0
        while time.monotonic() < until:
            kind, script = self.scripts.pick(self.rng)
            channel = "rest" if self.rng.random() < self.args.rest_share else "ws"
            talk = Talk(f"load-{self.run}-{self.number}-{n}", kind, channel)
            self.tally.talks.append(talk)
            n += 1
            try:
                if channel == "ws":
                    await self._socket_talk(talk, script, until)
                else:
                    await self._rest_talk(talk, script, until)
            except TurnFailed:
                await asyncio.sleep(1.0)  # then a new conversation, as a person would retry

    async def _think(self) -> None:
        await asyncio.sleep(self.rng.uniform(self.args.think_min, self.args.think_max))

    def _record(self, started: float, ended: float, sent: Sent) -> None:
        self.tally.latencies_ms.append((ended - started) * 1000)
        if any(FALLBACK_MARK in r for r in sent.replies):
            self.tally.errors["fallback"] += 1

    async def _rest_talk(self, talk: Talk, script: list[str], until: float) -> None:
        url = f"{self.gateway}/webhooks/rest/webhook"
        for text in script:
            await self._think()
            if time.monotonic() >= until:
                return
            sent = Sent(text, taken=False)
            talk.sent.append(sent)
            started = time.monotonic()
            try:
                async with asyncio.timeout(TURN_TIMEOUT_SECONDS):
                    async with self.session.post(
                        url, json={"sender": talk.conversation_id, "message": text}
                    ) as response:
                        body = await response.json(content_type=None)
                        status = response.status
            except TimeoutError:
                self.tally.errors["timeout"] += 1
                raise TurnFailed("timeout") from None
            except (aiohttp.ClientError, ValueError):
                self.tally.errors["connection"] += 1
                raise TurnFailed("connection") from None
            if status == 429:
                self.tally.rate_limited += 1
                raise TurnFailed("rate_limited")
            if status != 200:
                self.tally.errors["http_5xx" if status >= 500 else f"http_{status}"] += 1
                raise TurnFailed("http")
            sent.taken = True
            sent.replies = [str(item.get("text", "")) for item in body]
            self._record(started, time.monotonic(), sent)

    async def _socket_talk(self, talk: Talk, script: list[str], until: float) -> None:
        url = self.gateway.replace("http", "ws", 1) + "/ws"
        try:
            ws = await self.session.ws_connect(url, params={"conversation": talk.conversation_id})
        except (aiohttp.ClientError, TimeoutError):
            self.tally.errors["connection"] += 1
            raise TurnFailed("connection") from None
        async with ws:
            for text in script:
                await self._think()
                if time.monotonic() >= until:
                    return
                await self._socket_turn(ws, talk, text)

    async def _socket_turn(
        self, ws: aiohttp.ClientWebSocketResponse, talk: Talk, text: str
    ) -> None:
        message_id = uuid.uuid4().hex
        sent = Sent(text, taken=False)
        talk.sent.append(sent)
        started = time.monotonic()
        last_reply: float | None = None
        bot_done = False
        expected: int | None = None  # replies of the turn, once the gateway has said how many
        await ws.send_json({"type": "message", "id": message_id, "text": text})
        deadline = started + TURN_TIMEOUT_SECONDS
        while True:
            if expected is not None and len(sent.replies) >= expected:
                break
            wait = QUIET_SECONDS if bot_done else deadline - time.monotonic()
            if wait <= 0:
                self.tally.errors["timeout"] += 1
                raise TurnFailed("timeout")
            try:
                msg = await ws.receive(timeout=wait)
            except TimeoutError:
                if bot_done:
                    break
                self.tally.errors["timeout"] += 1
                raise TurnFailed("timeout") from None
            if msg.type != aiohttp.WSMsgType.TEXT:
                self.tally.errors["connection"] += 1
                raise TurnFailed("connection")
            frame = json.loads(msg.data)
            kind = frame.get("type")
            if kind == "ack" and frame.get("id") == message_id:
                sent.taken = True
            elif kind == "error":
                if frame.get("code") == "rate_limited":
                    # The gateway's per-socket limit (10 in 10 s): wait and send the same id.
                    self.tally.rate_limited += 1
                    await asyncio.sleep(float(frame.get("retry_after", 1.0)))
                    started = time.monotonic()
                    deadline = started + TURN_TIMEOUT_SECONDS
                    await ws.send_json({"type": "message", "id": message_id, "text": text})
                    continue
                self.tally.errors[f"error_frame_{frame.get('code')}"] += 1
                raise TurnFailed("error_frame")
            elif kind == "typing" and frame.get("author") == "bot" and not frame.get("active"):
                bot_done = True
                last_reply = last_reply or time.monotonic()
                if isinstance(frame.get("replies"), int):
                    expected = len(sent.replies) + frame["replies"]
            elif kind == "bot":
                sent.replies.append(str(frame.get("text", "")))
                last_reply = time.monotonic()
        assert last_reply is not None
        self._record(started, last_reply, sent)


# ---------- the layouts ---------------------------------------------------------------------
@dataclass
class Running:
    gateway: str
    rasa: str
    rasa_token: str
    redis_url: str
    redis_prefix: str
    database_url: str
    engines: int
    pids: dict[str, int]


@contextmanager
def layout(args: argparse.Namespace, tmp: Path) -> Iterator[Running]:
    from scripts.stack import ONE_ADDRESS_LIMITS, Stack, free_port

    key = uuid.uuid4().hex[:10]
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if args.layout == "single":
        stack = Stack.isolated(tmp)
        prefix = f"load-{key}:"
        stack.extra_env.update({"REDIS_URL": redis_url, "BLUELAMP_REDIS_PREFIX": prefix})
        with stack.running(args.start_timeout):
            yield Running(
                f"http://127.0.0.1:{stack.gateway_port}",
                f"http://127.0.0.1:{stack.rasa_port}",
                stack.rasa_token,
                redis_url,
                prefix,
                str(stack.database_url),
                1,
                pids_of(stack.services),
            )
        drop_keys(redis_url, prefix)
        return
    from scripts.cluster import Cluster

    class LoadCluster(Cluster):
        """The cluster with `--engine-env` added to the engines' environment (experiments,
        e.g. PYTHONPATH with another library version, without changing the product)."""

        def engine_env(self) -> dict[str, str]:
            return {**super().engine_env(), **engine_overrides}

    engine_overrides = dict(item.split("=", 1) for item in args.engine_env)
    cluster = LoadCluster.on_free_ports(tmp, database=f"bluelamp_load_{key}", key=key)
    cluster.engine_ports = [free_port() for _ in range(args.engines)]
    cluster.balancer = args.balancer
    cluster.extra_env.update(ONE_ADDRESS_LIMITS)
    try:
        with cluster.running(args.start_timeout):
            yield Running(
                cluster.url("").rstrip("/"),
                f"http://127.0.0.1:{cluster.rasa_port}",
                cluster.rasa_token,
                cluster.redis_url,
                cluster.redis_prefix,
                cluster.pg_url(),
                args.engines,
                pids_of(cluster.services),
            )
    finally:
        if not args.keep_state:
            cluster.drop_state()


def pids_of(services: list[Any]) -> dict[str, int]:
    return {s.name: s.process.pid for s in services if s.process is not None}


def drop_keys(redis_url: str, prefix: str) -> None:
    from redis import Redis

    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
    finally:
        client.close()


# ---------- counting afterwards -------------------------------------------------------------
@dataclass
class Afterwards:
    checked: int = 0
    missing: int = 0
    unanswered: int = 0
    queued: int = 0
    told: int = 0
    stored: int = 0
    duplicates: int = 0
    stored_not_told: int = 0
    told_not_stored: int = 0


async def count_transcripts(
    redis_url: str, prefix: str, talks: list[Talk], out: Afterwards
) -> None:
    """Every taken message is in the shared transcript with a reply after it, or else its
    conversation is in the operator queue (as tests/faults counts)."""
    from channels.redis_store import RedisConversationStore
    from triage.queue.redis_client import redis_client
    from triage.queue.redis_queue import RedisOperatorQueue

    client = redis_client(redis_url)
    store = RedisConversationStore(client, prefix=prefix)
    queue = RedisOperatorQueue(client, prefix)
    try:
        for talk in talks:
            taken = [s for s in talk.sent if s.taken]
            if not taken:
                continue
            entries = await store.transcript(talk.conversation_id)
            inbound = [i for i, e in enumerate(entries) if e.direction == "in"]
            item = None
            position = 0
            for said in taken:
                out.checked += 1
                index = next(
                    (i for i in inbound if i >= position and entries[i].text == said.text), None
                )
                if index is None:
                    out.missing += 1
                    continue
                position = index + 1
                later = entries[index + 1 :]
                nxt = next((j for j, e in enumerate(later) if e.direction == "in"), len(later))
                if any(e.direction == "out" for e in later[:nxt]):
                    continue
                item = item or await queue.item_for(talk.conversation_id)
                if item is not None:
                    out.queued += 1
                else:
                    out.unanswered += 1
    finally:
        await client.aclose()


def count_reports(talks: list[Talk], stored: list[tuple[str, str]], out: Afterwards) -> None:
    """References told to people against (conversation id, reference) rows stored."""
    # Only reports: a tracking enquiry's answer may repeat the (wrong) reference it was given.
    told = {t.conversation_id: t.told for t in talks if t.kind == "report" and t.told}
    per_conversation = Counter(cid for cid, _ in stored)
    references: dict[str, set[str]] = {}
    for cid, ref in stored:
        references.setdefault(cid, set()).add(ref)
    out.told = len(told)
    out.stored = len(stored)
    out.duplicates = sum(n - 1 for n in per_conversation.values() if n > 1)
    out.told_not_stored = sum(1 for cid, ref in told.items() if ref not in references.get(cid, ()))
    out.stored_not_told = sum(1 for cid in per_conversation if cid not in told)


async def count_afterwards(running: Running, tally: Tally) -> Afterwards:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    out = Afterwards()
    await count_transcripts(running.redis_url, running.redis_prefix, tally.talks, out)
    engine = create_async_engine(running.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT conversation_id, reference FROM cases WHERE conversation_id LIKE :p"),
                {"p": f"load-{tally.run}-%"},
            )
            stored = [(str(r[0]), str(r[1])) for r in rows]
    finally:
        await engine.dispose()
    count_reports(tally.talks, stored, out)
    return out


# ---------- CPU -----------------------------------------------------------------------------
def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def descendants(pid: int) -> list[int]:
    """The process and all its children (Sanic's worker manager runs the work in a child)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def servers() -> dict[str, int]:
    """The machine's PostgreSQL and Redis server processes (shared with anything else that
    uses them), to show their part beside ours."""
    found: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        comm, ppid = head.split("(", 1)[1], int(rest.split()[1])
        if comm == "postgres" and ppid == 1:
            found["PostgreSQL server (shared)"] = int(stat.parent.name)
        elif comm == "redis-server" and ppid == 1:
            found["Redis server (shared)"] = int(stat.parent.name)
    return found


class TreeCpu:
    """CPU seconds per service, its child processes included (bench.webchat.CpuMeter per
    process, summed)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._names = {f"{name}#{p}": name for name, pid in pids.items() for p in descendants(pid)}
        self._meter = CpuMeter({key: int(key.rsplit("#", 1)[1]) for key in self._names})

    def read(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for key, seconds in self._meter.read().items():
            name = self._names[key]
            used[name] = used.get(name, 0.0) + seconds
        return used


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---------- the run -------------------------------------------------------------------------
@dataclass
class Result:
    args: argparse.Namespace
    engines: int
    seconds: float
    tally: Tally
    after: Afterwards
    cpu_seconds: dict[str, float]
    machine_busy: float
    load_before: float


async def drive(running: Running, args: argparse.Namespace) -> Result:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        report = await report_script(session, running.rasa, running.rasa_token)
        scripts = load_scripts(report)
        run = uuid.uuid4().hex[:8]
        tally = Tally(run=run)
        # Warm every process behind the balancer (first requests load lazily), untimed.
        warm = Tally()
        await asyncio.gather(
            *(
                Person(-1 - i, session, running.gateway, scripts, args, warm, f"w{run}").live(
                    time.monotonic() + 8
                )
                for i in range(4)
            )
        )
        meter = TreeCpu({**running.pids, **servers()})
        cpu_before, own_before, busy_before = meter.read(), own_cpu(), machine_busy()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        until = started + args.duration
        people = [
            Person(i, session, running.gateway, scripts, args, tally, run)
            for i in range(args.conversations)
        ]
        await asyncio.gather(*(p.live(until) for p in people))
        seconds = time.monotonic() - started
        cpu_after, own_after, busy_after = meter.read(), own_cpu(), machine_busy()
    await asyncio.sleep(2.0)  # let the last replies reach the store
    after = await count_afterwards(running, tally)
    cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after if k in cpu_before}
    cpu["load generator (this bench)"] = own_after - own_before
    busy_share = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    cores = os.cpu_count() or 1
    cpu["everything else (other jobs)"] = max(0.0, busy_share * cores * seconds - sum(cpu.values()))
    return Result(args, running.engines, seconds, tally, after, cpu, busy_share, load_before)


def figures(result: Result) -> dict[str, Any]:
    lat = result.tally.latencies_ms
    turns = len(lat)
    after = result.after
    errors = dict(result.tally.errors)
    return {
        "layout": result.args.layout,
        "balancer": result.args.balancer if result.args.layout == "cluster" else "none",
        "engines": result.engines,
        "conversations": result.args.conversations,
        "duration_s": round(result.seconds, 1),
        "think_s": [result.args.think_min, result.args.think_max],
        "engine_env": result.args.engine_env,
        "rest_share": result.args.rest_share,
        "conversations_started": len(result.tally.talks),
        "conversations_by_kind": dict(Counter(t.kind for t in result.tally.talks)),
        "turns": turns,
        "turns_per_s": turns / result.seconds,
        "p50_ms": percentile(lat, 50) if lat else None,
        "p95_ms": percentile(lat, 95) if lat else None,
        "p99_ms": percentile(lat, 99) if lat else None,
        "max_ms": max(lat) if lat else None,
        "errors": errors,
        "errors_total": sum(errors.values()),
        "rate_limited": result.tally.rate_limited,
        "messages_checked": after.checked,
        "losses": after.missing + after.unanswered,
        "missing_from_transcript": after.missing,
        "unanswered_not_queued": after.unanswered,
        "unanswered_but_queued": after.queued,
        "reports_told": after.told,
        "reports_stored": after.stored,
        "duplicates": after.duplicates,
        "told_not_stored": after.told_not_stored,
        "stored_not_told": after.stored_not_told,
        "cpu_seconds": {k: round(v, 1) for k, v in result.cpu_seconds.items()},
        "cpu_ms_per_turn": {
            k: round(v * 1000 / turns, 1) for k, v in result.cpu_seconds.items() if turns
        },
        "machine_busy": result.machine_busy,
        "load_average_before": result.load_before,
    }


def table(f: dict[str, Any]) -> str:
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    errors = ", ".join(f"{k} {v}" for k, v in sorted(f["errors"].items())) or "none"
    secs = f["duration_s"]
    cpu = ", ".join(
        f"{k} {v / secs:.0%}" for k, v in sorted(f["cpu_seconds"].items(), key=lambda kv: -kv[1])
    )
    per_turn = ", ".join(
        f"{k} {v:.1f}"
        for k, v in sorted(f["cpu_ms_per_turn"].items(), key=lambda kv: -kv[1])
        if v >= 0.1
    )
    rows = [
        ("layout", f["layout"]),
        ("balancer", f["balancer"]),
        ("engines", f["engines"]),
        ("conversations (concurrent people)", f["conversations"]),
        ("duration s", f"{secs:.0f}"),
        ("engine environment added", " ".join(f["engine_env"]) or "none"),
        ("think time s", f"{f['think_s'][0]:g}-{f['think_s'][1]:g} uniform"),
        ("conversations started", f"{f['conversations_started']} {f['conversations_by_kind']}"),
        ("turns", f["turns"]),
        ("turns/s", f"{f['turns_per_s']:.1f}"),
        (
            "p50 / p95 / p99 / max ms",
            " / ".join(ms(f[k]) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
        ),
        ("errors", f"{f['errors_total']} ({errors})"),
        ("rate-limited sends (resent)", f["rate_limited"]),
        (
            "losses (of messages checked)",
            f"{f['losses']} of {f['messages_checked']} "
            f"(missing {f['missing_from_transcript']}, unanswered {f['unanswered_not_queued']}; "
            f"queued for staff {f['unanswered_but_queued']})",
        ),
        (
            "reports told / stored / duplicates",
            f"{f['reports_told']} / {f['reports_stored']} / {f['duplicates']}"
            f" (told not stored {f['told_not_stored']}, stored not told {f['stored_not_told']})",
        ),
        ("CPU (share of one core)", cpu),
        ("CPU ms per turn", per_turn),
        (
            "machine busy (2 cores)",
            f"{f['machine_busy']:.0%} (load average before {f['load_average_before']:.1f})",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {k:<{width}} | {v} |" for k, v in rows]
    return "\n".join(lines)


def targets(f: dict[str, Any]) -> dict[str, bool]:
    return {
        "turns_per_s >= 40": f["turns_per_s"] >= TARGETS["turns_per_s"],
        "p95 < 1 s": f["p95_ms"] is not None and f["p95_ms"] < TARGETS["p95_ms"],
        "no errors": f["errors_total"] == 0,
        "no losses": f["losses"] == 0,
        "reports exactly once": f["duplicates"] == 0
        and f["told_not_stored"] == 0
        and f["stored_not_told"] == 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=50, help="concurrent people")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--layout", choices=("single", "cluster"), default="cluster")
    parser.add_argument("--engines", type=int, default=2, help="engines in the cluster")
    parser.add_argument(
        "--balancer",
        choices=("auto", "haproxy", "lb"),
        default="auto",
        help="the cluster's balancer: HAProxy (as deploy/) or scripts/lb.py; auto: HAProxy "
        "when installed",
    )
    parser.add_argument("--think-min", type=float, default=0.3)
    parser.add_argument("--think-max", type=float, default=1.2)
    parser.add_argument("--rest-share", type=float, default=0.2, help="conversations over REST")
    parser.add_argument("--seed", default="bluelamp")
    parser.add_argument("--start-timeout", type=float, default=420.0)
    parser.add_argument("--keep-state", action="store_true", help="keep the cluster's databases")
    parser.add_argument(
        "--engine-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for the cluster's engines (experiments; repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.layout == "single":
        args.engines = 1
        if args.engine_env:
            parser.error("--engine-env needs --layout cluster")
    if args.balancer == "auto":
        args.balancer = "haproxy" if haproxy_binary() else "lb"
    if any("=" not in item for item in args.engine_env):
        parser.error("--engine-env takes NAME=VALUE")
    if not RASA_MODEL.exists():
        raise SystemExit("no models/current.tar.gz: run `make train`")
    print(f"starting the {args.layout} layout…", file=sys.stderr, flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="bluelamp-load-") as tmp,
        layout(args, Path(tmp)) as running,
    ):
        print(
            f"running {args.conversations} people for {args.duration:g} s…",
            file=sys.stderr,
            flush=True,
        )
        result = asyncio.run(drive(running, args))
    f = figures(result)
    met = targets(f)
    f["targets_met"] = met
    print(table(f))
    print("targets: " + ", ".join(f"{k}: {'met' if ok else 'NOT MET'}" for k, ok in met.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(f, indent=2))
    return 1 if args.check and not all(met.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
