"""What the fault tests share: a private Redis they really restart, a TCP proxy in front of
PostgreSQL they cut, people talking to the gateway, and the counting afterwards.

The machine's shared Redis and PostgreSQL servers are never stopped: Redis here is a
`redis-server` process of the test's own (append-only file on, so a restart keeps what was
written), and PostgreSQL is reached through `tests.cases.tcp_proxy.TcpProxy`, run on an event
loop of its own in a thread so the stack's processes can use it whatever the test is doing.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from channels.redis_store import RedisConversationStore
from scripts.stack import Stack, free_port
from tests.cases.tcp_proxy import TcpProxy
from triage.queue.alerts import Alert
from triage.queue.ports import QueueItem
from triage.queue.redis_client import redis_client
from triage.queue.redis_queue import RedisOperatorQueue

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PREFIX = "faults:"
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")
RECEIPT = re.compile(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}")

THEFT_OPENING = "my bike got nicked from outside the library yesterday"
THEFT_ANSWERS = {
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
ENQUIRIES = (
    "what time does the police station open",
    "I lost my wallet on the metro, how do I report lost property",
    "how do I apply for a shotgun certificate",
)
EMERGENCIES = (
    "there is a man with a knife outside my house right now",
    "someone is breaking into my house right now help",
    "my neighbour has collapsed and is not breathing",
)


class RedisServer:
    """A private `redis-server` (AOF on, no RDB) on a free port, stopped and started for real."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 20
        while not self._ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private redis-server did not start")
            time.sleep(0.05)

    def _ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis finishes its AOF and exits, as in a planned restart."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class ProxyThread:
    """A `TcpProxy` on its own event loop, so it keeps forwarding while a test blocks."""

    def __init__(self, host: str, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxy = TcpProxy(host, port)
        self.port = self._run(self.proxy.start())

    def _run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=30)

    def cut(self) -> None:
        self._run(self.proxy.cut())

    def restore(self) -> None:
        self._run(self.proxy.restore())

    def close(self) -> None:
        self._run(self.proxy.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Faults:
    """The running stack and the handles the tests pull."""

    stack: Stack
    redis: RedisServer
    postgres: ProxyThread
    direct_db_url: str

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.stack.gateway_port}"


# --- injections, timed --------------------------------------------------------------------


@dataclass
class Injection:
    what: str
    at: float
    seconds: float = 0.0


@dataclass
class Injections:
    """What a test did to the system, when (seconds from its start) and for how long."""

    started: float = field(default_factory=time.monotonic)
    done: list[Injection] = field(default_factory=list)

    def begin(self, what: str) -> Injection:
        injection = Injection(what, time.monotonic() - self.started)
        self.done.append(injection)
        return injection

    def end(self, injection: Injection) -> None:
        injection.seconds = time.monotonic() - self.started - injection.at


# --- people -------------------------------------------------------------------------------


@dataclass
class Said:
    """One thing a person said, after resending until the gateway took it."""

    text: str
    replies: list[str]
    attempts: int
    not_saved: int = 0
    """Times the gateway said it could not take the message (and it was sent again)."""
    fallback: bool = False
    guidance: bool = False


FALLBACK_MARK = "cannot answer you here right now"
GUIDANCE_MARK = "in immediate danger, call 999 now"


class Person:
    """A person in one conversation, over the REST webhook or the widget's socket.

    Like the widget, a message the gateway says it did not save is sent again (the socket
    resends the same id; REST has no ids, so the text is simply posted again).
    """

    def __init__(self, session: aiohttp.ClientSession, gateway: str, kind: str, tag: str) -> None:
        self.session = session
        self.gateway = gateway
        self.kind = kind
        self.conversation_id = f"fault-{tag}-{uuid.uuid4().hex[:10]}"
        self.said: list[Said] = []
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def say(self, message: str, *, deadline: float = 60.0) -> Said:
        if self.kind == "ws":
            said = await self._say_ws(message, deadline)
        else:
            said = await self._say_rest(message, deadline)
        said.fallback = any(FALLBACK_MARK in r for r in said.replies)
        said.guidance = any(GUIDANCE_MARK in r for r in said.replies)
        self.said.append(said)
        return said

    async def _say_rest(self, message: str, deadline: float) -> Said:
        url = f"{self.gateway}/webhooks/rest/webhook"
        body = {"sender": self.conversation_id, "message": message}
        until = time.monotonic() + deadline
        attempts = 0
        while True:
            attempts += 1
            try:
                async with self.session.post(url, json=body) as response:
                    data = await response.json(content_type=None)
                    if response.status == 200:
                        texts = [str(i.get("text", "")) for i in data]
                        return Said(message, texts, attempts, attempts - 1)
                    if response.status != 503:
                        raise AssertionError(f"gateway answered {response.status}: {data}")
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > until:
                raise AssertionError("the gateway never took the message")
            await asyncio.sleep(0.5)

    async def _socket(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None or self._ws.closed:
            self._ws = await self.session.ws_connect(
                f"{self.gateway}/ws", params={"conversation": self.conversation_id}
            )
        return self._ws

    async def _say_ws(self, message: str, deadline: float) -> Said:
        message_id = uuid.uuid4().hex
        until = time.monotonic() + deadline
        attempts = 0
        not_saved = 0
        replies: list[str] = []
        while True:
            attempts += 1
            ws = await self._socket()
            try:
                await ws.send_json({"type": "message", "id": message_id, "text": message})
            except ConnectionError:
                # The server closed an idle socket (its heartbeat went unanswered while this
                # person was silent): reconnect and send again, as the widget does.
                await ws.close()
                continue
            acked = False
            answered = False
            while not answered:
                try:
                    msg = await ws.receive(timeout=max(1.0, until - time.monotonic()))
                except TimeoutError:
                    raise AssertionError("the socket went quiet") from None
                if msg.type != aiohttp.WSMsgType.TEXT:
                    await ws.close()
                    break  # closed under us: reconnect and send the same id again
                frame = json.loads(msg.data)
                kind = frame.get("type")
                if kind == "ack" and frame.get("id") == message_id:
                    acked = True
                    if frame.get("duplicate"):
                        answered = True  # taken on an earlier try; its answer came then
                elif kind == "bot":
                    replies.append(str(frame.get("text", "")))
                elif kind == "typing" and frame.get("author") == "bot" and not frame["active"]:
                    answered = acked
                elif kind == "error" and frame.get("id") == message_id:
                    if frame.get("code") == "rate_limited":  # a person types slower than this
                        await asyncio.sleep(float(frame.get("retry_after", 1.0)))
                        break
                    if frame.get("code") == "unavailable" and not acked:
                        not_saved += 1
                        break  # not saved: resend the same id, as the widget does
                    if frame.get("code") == "unavailable":
                        answered = True  # stored but not answered: the staff queue has it
                    else:
                        raise AssertionError(f"socket error: {frame}")
            if answered:
                # The socket sends the bot's replies just after "typing: false"; they follow
                # at once, so a short quiet spell ends the answer.
                replies.extend(await _drain(ws, first=5.0, quiet=0.5))
                return Said(message, replies, attempts, not_saved)
            if time.monotonic() > until:
                raise AssertionError("the gateway never took the message")
            await asyncio.sleep(0.5)


async def _drain(ws: aiohttp.ClientWebSocketResponse, first: float, quiet: float) -> list[str]:
    """Bot texts until the socket has been quiet for ``quiet`` seconds (``first`` for the
    first one)."""
    texts: list[str] = []
    timeout = first
    while True:
        try:
            msg = await ws.receive(timeout=timeout)
        except TimeoutError:
            return texts
        if msg.type != aiohttp.WSMsgType.TEXT:
            return texts
        frame = json.loads(msg.data)
        if frame.get("type") == "bot":
            texts.append(str(frame.get("text", "")))
            timeout = quiet


# --- looking afterwards -------------------------------------------------------------------


@dataclass
class Outcome:
    """Per person: messages sent, answered in the transcript, only in the staff queue, lost."""

    sent: int = 0
    answered: int = 0
    queued: int = 0
    lost: int = 0
    missing: int = 0
    """Messages the person sent that the transcript does not hold at all."""
    answered_unstored: int = 0
    """Answered on the screen, but the reply did not reach the transcript (the store was
    down when it was written: the gateway sends an unsaved reply rather than none)."""


async def transcript_outcome(faults: Faults, people: list[Person]) -> Outcome:
    """Each message a person sent is either followed by a reply in the stored transcript, or
    its conversation has an open item in the operator queue."""
    client = redis_client(faults.redis.url)
    store = RedisConversationStore(client, prefix=PREFIX)
    queue = RedisOperatorQueue(client, PREFIX)
    outcome = Outcome()
    try:
        for person in people:
            entries = await store.transcript(person.conversation_id)
            item = await queue.item_for(person.conversation_id)
            inbound = [i for i, e in enumerate(entries) if e.direction == "in"]
            texts = [entries[i].text for i in inbound]
            for said in person.said:
                outcome.sent += 1
                if said.text not in texts:
                    outcome.missing += 1
                    continue
                # The last time this text was stored (REST resends store it again).
                index = max(i for i in inbound if entries[i].text == said.text)
                following = entries[index + 1 :]
                nxt = next((j for j, e in enumerate(following) if e.direction == "in"), None)
                replies = following if nxt is None else following[:nxt]
                real = [e for e in replies if e.direction == "out" and FALLBACK_MARK not in e.text]
                seen = [r for r in said.replies if FALLBACK_MARK not in r]
                if real:
                    outcome.answered += 1
                elif seen:
                    outcome.answered_unstored += 1
                elif item is not None:
                    outcome.queued += 1
                else:
                    outcome.lost += 1
    finally:
        await client.aclose()
    return outcome


async def queue_items(faults: Faults, conversation_ids: list[str]) -> dict[str, QueueItem]:
    client = redis_client(faults.redis.url)
    queue = RedisOperatorQueue(client, PREFIX)
    try:
        found = {cid: await queue.item_for(cid) for cid in conversation_ids}
    finally:
        await client.aclose()
    return {cid: item for cid, item in found.items() if item is not None}


class AlertListener:
    """Counts P1 alerts on the alert channel, resubscribing after Redis comes back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.alerts: list[Alert] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AlertListener:
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._run(ready))
        await asyncio.wait_for(ready.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, ready: asyncio.Event) -> None:
        while True:
            client = redis_client(self.url)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(f"{PREFIX}alerts")
                ready.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                    if message and message.get("type") == "message":
                        self.alerts.append(Alert.from_json(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.2)
            finally:
                await client.aclose()

    def p1_for(self, conversation_ids: set[str]) -> set[str]:
        return {
            a.conversation_id
            for a in self.alerts
            if a.priority.value == "P1" and a.conversation_id in conversation_ids
        }


async def count_cases(url: str, where: str = "true") -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text(f"SELECT count(*) FROM cases WHERE {where}")))
    finally:
        await engine.dispose()


async def wait_for(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    """Poll ``check`` (a zero-argument async callable) until true or ``within`` seconds."""
    until = time.monotonic() + within
    while time.monotonic() < until:
        if await check():
            return True
        await asyncio.sleep(0.25)
    return bool(await check())


def table(title: str, injections: Injections, counts: dict[str, Any]) -> str:
    """The short report each test prints: what was injected, what was counted."""
    lines = [f"\n== {title}", f"{'injected':<44} {'at s':>7} {'for s':>7}"]
    for i in injections.done:
        lines.append(f"{i.what:<44} {i.at:>7.1f} {i.seconds:>7.1f}")
    lines.append(f"{'counted':<44} {'':>7} {'value':>7}")
    for name, value in counts.items():
        lines.append(f"{name:<44} {'':>7} {value!s:>7}")
    return "\n".join(lines)


async def tracker(session: aiohttp.ClientSession, stack: Stack, sender: str) -> dict[str, Any]:
    """The engine's tracker for a conversation (the test reads it to know what is asked)."""
    async with session.get(stack.engine_api_url(f"/conversations/{sender}/tracker")) as response:
        response.raise_for_status()
        return dict(await response.json(content_type=None))


async def requested_slot(session: aiohttp.ClientSession, stack: Stack, sender: str) -> str | None:
    slots = (await tracker(session, stack, sender))["slots"]
    slot = slots.get("requested_slot")
    return str(slot) if slot else None


async def finish_report(
    person: Person, session: aiohttp.ClientSession, stack: Stack, turns: int = 25
) -> Said:
    """Answer whatever the form asks, then confirm the summary; the last reply is returned."""
    for _ in range(turns):
        slot = await requested_slot(session, stack, person.conversation_id)
        if slot is None:
            return await person.say("yes")
        await person.say(THEFT_ANSWERS[slot])
    raise AssertionError(f"{person.conversation_id}: the form never finished")


def told(said: Said) -> str | None:
    """The reference or receipt code the person was given in this answer, if any."""
    joined = "\n".join(said.replies)
    match = REFERENCE.search(joined) or RECEIPT.search(joined)
    return match.group(0) if match else None


async def start_report(
    person: Person, session: aiohttp.ClientSession, stack: Stack, answers: int
) -> None:
    """Open a theft report and give the first ``answers`` answers the form asks for."""
    await person.say(THEFT_OPENING)
    for _ in range(answers):
        slot = await requested_slot(session, stack, person.conversation_id)
        assert slot is not None, f"{person.conversation_id}: no form after the opening"
        await person.say(THEFT_ANSWERS[slot])


async def fill_to_summary(person: Person, session: aiohttp.ClientSession, stack: Stack) -> None:
    """Open a theft report and answer everything, stopping at the summary (before "yes")."""
    await person.say(THEFT_OPENING)
    for _ in range(25):
        slot = await requested_slot(session, stack, person.conversation_id)
        if slot is None:
            return
        await person.say(THEFT_ANSWERS[slot])
    raise AssertionError(f"{person.conversation_id}: the form never reached its summary")


async def cases_by_conversation(url: str, conversation_ids: list[str]) -> dict[str, int]:
    return {cid: await count_cases(url, f"conversation_id = '{cid}'") for cid in conversation_ids}


async def stored_once(url: str, code: str) -> int:
    """How many cases carry this reference or receipt code (1 is right)."""
    column = "reference" if code.startswith("BL-") else "receipt_code"
    return await count_cases(url, f"{column} = '{code}'")


def gateway_events(faults: Faults, event: str, conversation_ids: set[str]) -> list[dict[str, Any]]:
    """The gateway's structured log lines of one event for these conversations (ids only:
    the log never holds message text)."""
    found = []
    path = faults.stack.var_dir / "logs" / "gateway.log"
    for line in path.read_text(errors="replace").splitlines():
        if f'"{event}"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == event and record.get("conversation_id") in conversation_ids:
            found.append(record)
    return found


def alerts_published(faults: Faults, conversation_ids: set[str]) -> int:
    """P1 alerts the gateway published (at once, or retried once Redis was back)."""
    at_once = [
        r
        for r in gateway_events(faults, "triage_dispatched", conversation_ids)
        if r.get("alert_receivers") is not None
    ]
    retried = [
        r
        for r in gateway_events(faults, "back_office_recovered", conversation_ids)
        if r.get("step") == "alert"
    ]
    return len(at_once) + len(retried)
