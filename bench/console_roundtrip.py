"""Operator console round trip (issue 7): N live conversations at once, each a person on the
widget's WebSocket (`/ws`) and a console (`/console/ws` and the HTTP API) that has claimed
and taken the conversation over. Measured, in both directions, over loopback:

- operator → person: from the console's `POST .../messages` being sent to the person's socket
  receiving the `bot` frame (author "operator") with that text;
- person → console: from the person's socket sending a `message` frame to the console's
  socket receiving the live `event` (kind "message") with that text.

Each conversation asks for a person the way the widget does ("hello", then the "Talk to a
person" quick reply), waits for its item in the queue, and is claimed and taken over by one
operator account (one console socket per conversation, as if each were a browser tab, all
signed in as the same member of staff). Messages are spaced by `--think` seconds so the
person stays within the gateway's 10 messages in 10 seconds.

The stack (engine, action server, gateway) is started here with `scripts/stack.py` and the
operator account made with `python -m triage staff add --password-stdin`, unless
`--gateway-url`, `--username` and `--password` name a running gateway and an account.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
RASA_MODEL = ROOT / "models" / "current.tar.gz"
P95_TARGET_MS = 100.0
USERNAME = "bench-operator"
REPLY_TIMEOUT = 60.0


class BenchError(RuntimeError):
    """The system did not behave as the run needs; the figures would mean nothing."""


def percentile(values: list[float], pct: int) -> float:
    """Inclusive percentile (the median for 50), as statistics.quantiles computes it."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# ---------- arrivals: whoever is waiting for a text is woken with the moment it came ----------
@dataclass
class Arrivals:
    """Texts expected on one socket, resolved with `perf_counter()` when they arrive."""

    waiting: dict[str, asyncio.Future[float]] = field(default_factory=dict)

    def expect(self, text: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    def arrived(self, text: str, at: float) -> None:
        future = self.waiting.pop(text, None)
        if future is not None and not future.done():
            future.set_result(at)


# ---------- the console: HTTP API with the session cookie and CSRF token ----------
class ConsoleClient:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self._session = session
        self.base = base
        self.csrf = ""

    def _headers(self) -> dict[str, str]:
        return {"Origin": self.base, "X-CSRF-Token": self.csrf}

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self._session.request(
            method,
            f"{self.base}/console/api{path}",
            json=body,
            headers=self._headers(),
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise BenchError(f"{method} {path}: {response.status} {text[:200]}")
            return json.loads(text) if text else None

    async def login(self, username: str, password: str) -> None:
        answer = await self.call("POST", "/login", {"username": username, "password": password})
        self.csrf = str(answer["csrf"])

    async def wait_for_item(self, conversation_id: str, timeout: float = REPLY_TIMEOUT) -> str:
        """The waiting item's id once the conversation's request reaches the queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queue = await self.call("GET", "/queue")
            for item in queue["waiting"]:
                if item["conversation_id"] == conversation_id:
                    return str(item["id"])
            await asyncio.sleep(0.25)
        raise BenchError(f"{conversation_id} never reached the queue")

    async def socket(self) -> aiohttp.ClientWebSocketResponse:
        url = self.base.replace("http", "ws", 1) + "/console/ws"
        return await self._session.ws_connect(url, origin=self.base, heartbeat=30)


# ---------- one conversation ----------
@dataclass
class Conversation:
    cid: str
    to_person_ms: list[float] = field(default_factory=list)
    to_console_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    """The operator's `POST .../messages` alone, request to answer (where the time goes)."""


async def read_person(ws: aiohttp.ClientWebSocketResponse, arrivals: Arrivals) -> None:
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            continue
        at = time.perf_counter()
        frame = json.loads(msg.data)
        if frame.get("type") == "bot" and frame.get("author") == "operator":
            arrivals.arrived(str(frame.get("text", "")), at)
        elif frame.get("type") == "bot":
            arrivals.arrived("bot:" + str(frame.get("author", "bot")), at)


async def read_console(ws: aiohttp.ClientWebSocketResponse, cid: str, arrivals: Arrivals) -> None:
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            continue
        at = time.perf_counter()
        frame = json.loads(msg.data)
        if frame.get("type") == "event" and frame.get("conversation_id") == cid:
            data = frame.get("data") or {}
            if frame.get("kind") == "message" and data.get("author") == "person":
                arrivals.arrived(str(data.get("text", "")), at)
        elif frame.get("type") == "error":
            raise BenchError(f"console socket error: {frame.get('error')}")


async def person_says(
    ws: aiohttp.ClientWebSocketResponse, text: str, label: str | None = None
) -> None:
    frame: dict[str, Any] = {"type": "message", "id": uuid.uuid4().hex, "text": text}
    if label:
        frame["label"] = label
    await ws.send_json(frame)


async def run_conversation(
    session: aiohttp.ClientSession,
    console: ConsoleClient,
    cid: str,
    messages: int,
    think: float,
    start: asyncio.Event,
) -> Conversation:
    conv = Conversation(cid)
    person_in = Arrivals()
    console_in = Arrivals()
    ws_url = console.base.replace("http", "ws", 1) + "/ws"
    async with AsyncExitStack() as stack:
        person = await stack.enter_async_context(
            session.ws_connect(ws_url, params={"conversation": cid}, origin=console.base)
        )
        readers = [asyncio.create_task(read_person(person, person_in))]
        try:
            # Ask for a person as the widget does, then wait for the queue item (untimed).
            answered = person_in.expect("bot:bot")
            await person_says(person, "hello")
            await asyncio.wait_for(answered, REPLY_TIMEOUT)
            await asyncio.sleep(think)
            await person_says(person, "/request_human", "Talk to a person")
            item_id = await console.wait_for_item(cid)
            await console.call("POST", f"/items/{item_id}/claim")
            watcher = await console.socket()
            stack.push_async_callback(watcher.close)
            await watcher.send_json({"type": "watch", "conversation_id": cid})
            readers.append(asyncio.create_task(read_console(watcher, cid, console_in)))
            joined = person_in.expect("bot:system")
            await console.call("POST", f"/conversations/{cid}/takeover")
            await asyncio.wait_for(joined, REPLY_TIMEOUT)
            await start.wait()  # every conversation taken over before measuring starts
            for k in range(messages):
                await asyncio.sleep(think)
                text = f"Operator message {k} for {cid}: {secrets.token_hex(4)}"
                arrived = person_in.expect(text)
                sent = time.perf_counter()
                await console.call("POST", f"/conversations/{cid}/messages", {"text": text})
                conv.post_ms.append((time.perf_counter() - sent) * 1000)
                conv.to_person_ms.append(
                    (await asyncio.wait_for(arrived, REPLY_TIMEOUT) - sent) * 1000
                )

                await asyncio.sleep(think)
                text = f"person message {k} in {cid} {secrets.token_hex(4)}"
                arrived = console_in.expect(text)
                sent = time.perf_counter()
                await person_says(person, text)
                conv.to_console_ms.append(
                    (await asyncio.wait_for(arrived, REPLY_TIMEOUT) - sent) * 1000
                )
            await console.call("POST", f"/conversations/{cid}/handback")
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    return conv


async def measure(
    gateway_url: str, username: str, password: str, n: int, messages: int, think: float
) -> list[Conversation]:
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a 127.0.0.1 address
    timeout = aiohttp.ClientTimeout(total=300)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout, connector=connector) as s:
        console = ConsoleClient(s, gateway_url)
        await console.login(username, password)
        run = uuid.uuid4().hex[:6]
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(
                run_conversation(s, console, f"bench-console-{run}-{i}", messages, think, start)
            )
            for i in range(n)
        ]
        ready = asyncio.create_task(_release_when_taken_over(console, n, start))
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            ready.cancel()


async def _release_when_taken_over(console: ConsoleClient, n: int, start: asyncio.Event) -> None:
    """Start measuring once the operator holds every conversation in human mode."""
    while True:
        queue = await console.call("GET", "/queue")
        if sum(1 for item in queue["mine"] if item.get("mode") == "human") >= n:
            print(f"{n} conversations taken over; measuring", file=sys.stderr, flush=True)
            start.set()
            return
        await asyncio.sleep(0.25)


def report(
    conversations: list[Conversation], think: float, stores: str
) -> tuple[str, dict[str, Any]]:
    rows = {
        "operator → person socket": [ms for c in conversations for ms in c.to_person_ms],
        "person → console socket": [ms for c in conversations for ms in c.to_console_ms],
    }
    posts = [ms for c in conversations for ms in c.post_ms]
    figures: dict[str, Any] = {
        "conversations": len(conversations),
        "think_seconds": think,
        "stores": stores,
    }
    lines = [
        f"Operator console round trip: {len(conversations)} live conversations taken over, "
        f"think time {think:g}s, {stores}",
        "",
        "| direction | count | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    met = True
    for name, values in rows.items():
        p50, p95, most = percentile(values, 50), percentile(values, 95), max(values)
        figures[name] = {"count": len(values), "p50_ms": p50, "p95_ms": p95, "max_ms": most}
        met = met and p95 < P95_TARGET_MS
        lines.append(f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {most:.1f} |")
    p50, p95, most = percentile(posts, 50), percentile(posts, 95), max(posts)
    figures["operator POST answered"] = {"count": len(posts), "p50_ms": p50, "p95_ms": p95}
    lines.append(
        f"| (operator's POST alone, to its answer) | {len(posts)} | {p50:.1f} | {p95:.1f} "
        f"| {most:.1f} |"
    )
    figures["target_met"] = met
    lines += ["", f"p95 target under {P95_TARGET_MS:.0f} ms: " + ("met" if met else "NOT MET")]
    return "\n".join(lines), figures


# ---------- the stack ----------
def add_operator(env: dict[str, str], username: str, password: str) -> None:
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "triage",
            "staff",
            "add",
            username,
            "--name",
            "Bench Operator",
            "--role",
            "operator",
            "--password-stdin",
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"staff add failed: {result.stdout} {result.stderr}")


@contextmanager
def started_stack(start_timeout: float) -> Iterator[tuple[str, str]]:
    """A fresh stack and an operator account on it: (gateway URL, password)."""
    if not RASA_MODEL.exists():
        raise SystemExit("no models/current.tar.gz: run `make train` (or pass --gateway-url)")
    sys.path.insert(0, str(ROOT))
    from scripts.stack import Stack

    with tempfile.TemporaryDirectory(prefix="bluelamp-console-bench-") as tmp:
        stack = Stack.isolated(Path(tmp))
        password = secrets.token_urlsafe(18)
        print("starting engine, action server and gateway…", file=sys.stderr, flush=True)
        with stack.running(start_timeout):
            add_operator(stack._env(), USERNAME, password)
            yield f"http://127.0.0.1:{stack.gateway_port}", password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--conversations", type=int, default=20)
    parser.add_argument("-m", "--messages", type=int, default=5, help="per direction, each")
    parser.add_argument("--think", type=float, default=0.6, help="seconds between messages")
    parser.add_argument("--gateway-url", help="a running gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--username", help="an operator account on that gateway")
    parser.add_argument("--password", help="its password (or BLUELAMP_BENCH_PASSWORD)")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="run the started stack on Redis (sessions, queue, live bus shared as between "
        "gateways), e.g. redis://127.0.0.1:6379/0, under a key prefix of its own",
    )
    parser.add_argument("--start-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    if args.conversations < 1 or args.messages < 1:
        parser.error("need at least one conversation and one message")
    if args.think * 2 < 1.1:
        # The person sends one message per 2 x think: keep under the gateway's 10 in 10 s.
        parser.error("--think must be at least 0.55 seconds")

    if args.gateway_url:
        password = args.password or os.environ.get("BLUELAMP_BENCH_PASSWORD", "")
        if not args.username or not password:
            parser.error("with --gateway-url give --username and --password")
        conversations = asyncio.run(
            measure(
                args.gateway_url.rstrip("/"),
                args.username,
                password,
                args.conversations,
                args.messages,
                args.think,
            )
        )
    else:
        if args.redis:  # the services inherit this process's environment
            os.environ["REDIS_URL"] = args.redis
            os.environ["BLUELAMP_REDIS_PREFIX"] = f"bench-console-{secrets.token_hex(4)}:"
        with started_stack(args.start_timeout) as (url, password):
            conversations = asyncio.run(
                measure(url, USERNAME, password, args.conversations, args.messages, args.think)
            )
    if args.gateway_url:
        stores = "the given gateway's stores"
    else:
        stores = "Redis" if args.redis else "in-process stores"
    table, figures = report(conversations, args.think, stores)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.check and not figures["target_met"]:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
