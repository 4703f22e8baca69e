"""Web chat under load (issue 5, "Tests and figures"): N concurrent conversations, each a full
crime report, over the gateway's WebSocket and, in the same run, the same conversations
straight to the Rasa engine's REST channel; then the emergency fast path at 50 concurrent
conversations.

By default the two paths run at once, each conversation beside its twin on the other path,
so both meet the same engine load and the same noise from anything else on this shared
machine; the difference is what the gateway adds to a reply (`--alternate` runs the paths one
after the other instead, where each has the engine to itself but not the same moment).

Reply latency is from sending a message to the first reply of the bot for it: the REST
response from the engine, the first `bot` frame after `typing: false` over the socket (the
rest of a turn's replies follow in the same write burst). Every conversation waits `--think`
seconds between a reply and its next message, like a person (and within the gateway's limit
of 10 messages in 10 s per connection). The 999 guidance latency is from sending the
message to its first `emergency` frame, measured while every conversation is in the middle
of a report and the engine is busy answering them.

The stack (engine, action server, gateway) is started here with `scripts/stack.py` unless
`--gateway-url` and `--rasa-url` are given; then CPU per turn is also reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
RASA_MODEL = ROOT / "models" / "current.tar.gz"
OVERHEAD_TARGET = 0.10
EMERGENCY_P95_TARGET_MS = 200.0
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")
FALLBACK_START = "Sorry, "
NO_REPLY_SECONDS = 2.0

OPENING = "my bike got nicked from outside the library yesterday"
ANSWERS = {
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
CONFIRM = "yes"
EMERGENCIES = (
    "he's back and he's trying to get in the house right now help",
    "A man with a knife is breaking into my house right now",
)
SAFE_AGAIN = "im safe now, the police came and he's gone"


class BenchError(RuntimeError):
    """The system did not answer as a conversation expects; the run is not valid."""


@dataclass
class Turn:
    reply_ms: float
    guidance_ms: float | None = None
    fallback: bool = False


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def reference(self) -> str | None:
        match = REFERENCE.search("\n".join(self.texts[-5:]))
        return match.group(0) if match else None


@dataclass
class Phase:
    name: str
    conversations: list[Conversation]
    seconds: float

    @property
    def turns(self) -> list[Turn]:
        return [t for c in self.conversations for t in c.turns]

    def replies_ms(self) -> list[float]:
        return [t.reply_ms for t in self.turns]

    @property
    def reports(self) -> int:
        return sum(c.reference is not None for c in self.conversations)

    @property
    def fallbacks(self) -> int:
        return sum(t.fallback for t in self.turns)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def percentile(values: list[float], pct: int) -> float:
    """Inclusive percentile (the median for 50), as statistics.quantiles computes it."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# ---------- the two paths -------------------------------------------------------------------
class RestPath:
    """Rasa's REST channel, straight to the engine."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str) -> None:
        self._session = session
        self._url = f"{rasa_url}/webhooks/rest/webhook"

    async def conversation(self, sender: str, script: list[str], think: float) -> Conversation:
        conv = Conversation()
        for i, text in enumerate(script):
            if i:
                await asyncio.sleep(think)
            started = time.perf_counter()
            async with self._session.post(self._url, json={"sender": sender, "message": text}) as r:
                r.raise_for_status()
                replies = await r.json()
            elapsed = (time.perf_counter() - started) * 1000
            texts = [str(m.get("text", "")) for m in replies]
            conv.turns.append(Turn(elapsed))
            conv.texts.extend(texts)
        return conv


class SocketPath:
    """The widget's protocol over the gateway's WebSocket (channels/README.md)."""

    def __init__(self, session: aiohttp.ClientSession, gateway_url: str) -> None:
        self._session = session
        self._url = gateway_url.replace("http", "ws", 1) + "/ws"

    async def conversation(
        self, sender: str, script: list[str], think: float, timeout: float = 120.0
    ) -> Conversation:
        conv = Conversation()
        async with self._session.ws_connect(self._url, params={"conversation": sender}) as ws:
            for i, text in enumerate(script):
                if i:
                    await asyncio.sleep(think)
                conv.turns.append(await self._turn(ws, text, conv, timeout))
            # The turn's remaining replies (the reference may be in the second) are already
            # on their way: collect them, untimed.
            await self._drain(ws, conv, quiet=1.0)
        return conv

    async def _turn(
        self, ws: aiohttp.ClientWebSocketResponse, text: str, conv: Conversation, timeout: float
    ) -> Turn:
        message_id = uuid.uuid4().hex
        started = time.perf_counter()
        await ws.send_json({"type": "message", "id": message_id, "text": text})
        guidance_ms: float | None = None
        engine_done_ms: float | None = None
        async with asyncio.timeout(timeout):
            while True:
                try:
                    # Once the engine has answered, its replies follow at once; none at all
                    # (everything it said was the guidance already shown) ends the turn too.
                    wait = None if engine_done_ms is None else NO_REPLY_SECONDS
                    frame = await ws.receive_json(timeout=wait)
                except TimeoutError:
                    assert engine_done_ms is not None
                    return Turn(engine_done_ms, guidance_ms)
                kind = frame.get("type")
                if kind == "error":
                    raise BenchError(f"gateway refused a message: {frame}")
                if kind == "bot" and frame.get("emergency"):
                    if guidance_ms is None:
                        guidance_ms = (time.perf_counter() - started) * 1000
                elif kind == "typing" and frame.get("active") is False:
                    engine_done_ms = (time.perf_counter() - started) * 1000
                elif kind == "bot":
                    conv.texts.append(frame["text"])
                    if engine_done_ms is not None:  # else a late reply of the previous turn
                        elapsed = (time.perf_counter() - started) * 1000
                        fallback = frame["text"].startswith(FALLBACK_START)
                        return Turn(elapsed, guidance_ms, fallback)

    async def _drain(
        self, ws: aiohttp.ClientWebSocketResponse, conv: Conversation, quiet: float
    ) -> None:
        try:
            while True:
                frame = await ws.receive_json(timeout=quiet)
                if frame.get("type") == "bot":
                    conv.texts.append(frame["text"])
        except TimeoutError:
            return


Runner = Callable[[str, list[str], float], Awaitable[Conversation]]


async def run_phases(
    paths: list[tuple[str, Runner]], prefix: str, scripts: list[list[str]], think: float
) -> list[Phase]:
    """Every conversation of every path at once, their starts spread over one think time;
    conversation i of each path starts at the same moment as its twins on the other paths."""

    async def one(name: str, runner: Runner, i: int, script: list[str]) -> Conversation:
        await asyncio.sleep(think * i / len(scripts))
        return await runner(f"{prefix}-{name}-{i}", script, think)

    async def path_phase(name: str, runner: Runner) -> Phase:
        started = time.perf_counter()
        conversations = await asyncio.gather(
            *(one(name, runner, i, s) for i, s in enumerate(scripts))
        )
        return Phase(name, list(conversations), time.perf_counter() - started)

    return list(await asyncio.gather(*(path_phase(name, runner) for name, runner in paths)))


class CpuMeter:
    """CPU seconds used by the stack's processes (Linux /proc), to show where a turn's work
    goes; empty when the processes are not ours to see."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids

    def read(self) -> dict[str, float]:
        used = {}
        for name, pid in self._pids.items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return used


# ---------- the script ----------------------------------------------------------------------
async def report_script(
    session: aiohttp.ClientSession, rasa_url: str, token: str = ""
) -> list[str]:
    """The report's messages in the order this model asks for them, learnt from one
    conversation with the engine (untimed), so every measured conversation completes.
    ``token``: the engine API's, when it has one (bench/load.py's cluster)."""
    sender = f"bench-calibrate-{uuid.uuid4().hex[:8]}"
    rest = RestPath(session, rasa_url)
    script = [OPENING]
    await rest.conversation(sender, [OPENING], 0)
    for _ in range(len(ANSWERS) + 2):
        tracker_url = f"{rasa_url}/conversations/{sender}/tracker"
        params = {"token": token} if token else None
        async with session.get(tracker_url, params=params) as response:
            slot = (await response.json())["slots"].get("requested_slot")
        if slot is None:
            break
        if slot not in ANSWERS:
            raise BenchError(f"the form asks for {slot!r}, which the bench cannot answer")
        script.append(ANSWERS[slot])
        await rest.conversation(sender, [ANSWERS[slot]], 0)
    script.append(CONFIRM)
    conv = await rest.conversation(sender, [CONFIRM], 0)
    if conv.reference is None:
        raise BenchError(f"the calibration report got no reference: {conv.texts}")
    return script


EMERGENCY_TURN = 2


def emergency_script(report: list[str], i: int) -> list[str]:
    """The report, interrupted after its first answer by an emergency, resumed when safe."""
    return [
        *report[:EMERGENCY_TURN],
        EMERGENCIES[i % len(EMERGENCIES)],
        SAFE_AGAIN,
        *report[EMERGENCY_TURN:],
    ]


# ---------- the run -------------------------------------------------------------------------
@dataclass
class Results:
    rest: list[Phase]
    socket: list[Phase]
    emergency: Phase
    conversations: int
    think: float
    paired: bool
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)


async def measure(
    gateway_url: str,
    rasa_url: str,
    conversations: int,
    emergency_n: int,
    rounds: int,
    think: float,
    paired: bool = True,
    cpu: CpuMeter | None = None,
) -> Results:
    limits = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=limits, timeout=timeout) as session:
        rest: tuple[str, Runner] = ("rest", RestPath(session, rasa_url).conversation)
        sock: tuple[str, Runner] = ("ws", SocketPath(session, gateway_url).conversation)
        report = await report_script(session, rasa_url)
        run = uuid.uuid4().hex[:6]
        # Warm both paths (first requests load lazily), untimed.
        await run_phases([rest, sock], f"bench-{run}-warm", [report[:2]], 0)
        scripts = [report] * conversations
        rest_phases: list[Phase] = []
        socket_phases: list[Phase] = []
        cpu_before = cpu.read() if cpu else {}
        for r in range(rounds):
            if paired:  # twins at the same moment: the same load and noise for both paths
                batches = [[rest, sock]]
            else:  # one path at a time, the order alternating between rounds
                batches = [[rest], [sock]] if r % 2 == 0 else [[sock], [rest]]
            for batch in batches:
                for phase in await run_phases(batch, f"bench-{run}-{r}", scripts, think):
                    (rest_phases if phase.name == "rest" else socket_phases).append(phase)
                    print(
                        f"round {r + 1} {phase.name}: {len(phase.turns)} turns in "
                        f"{phase.seconds:.1f}s, p50 {percentile(phase.replies_ms(), 50):.0f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
        cpu_after = cpu.read() if cpu else {}
        [emergency] = await run_phases(
            [("ws-emergency", sock[1])],
            f"bench-{run}-p1",
            [emergency_script(report, i) for i in range(emergency_n)],
            think,
        )
    ws_turns = sum(len(p.turns) for p in socket_phases)
    all_turns = ws_turns + sum(len(p.turns) for p in rest_phases)
    cpu_ms = {
        name: (cpu_after[name] - cpu_before[name])
        * 1000
        / (ws_turns if name == "gateway" else all_turns)
        for name in cpu_after
        if name in cpu_before
    }
    return Results(rest_phases, socket_phases, emergency, conversations, think, paired, cpu_ms)


def merged(phases: list[Phase], name: str) -> Phase:
    return Phase(name, [c for p in phases for c in p.conversations], sum(p.seconds for p in phases))


def report_table(results: Results) -> tuple[str, dict[str, Any]]:
    rest = merged(results.rest, "engine REST channel, direct")
    sock = merged(results.socket, "gateway WebSocket")
    emergency = results.emergency
    rows = []
    figures: dict[str, Any] = {"think_seconds": results.think}
    for phase in (sock, rest):
        replies = phase.replies_ms()
        row = {
            "conversations": len(phase.conversations),
            "reports": phase.reports,
            "turns": len(replies),
            "fallbacks": phase.fallbacks,
            "p50_ms": percentile(replies, 50),
            "p95_ms": percentile(replies, 95),
            "turns_per_s": len(replies) / phase.seconds,
        }
        figures[phase.name] = row
        rows.append((phase.name, row))
    overhead = figures[sock.name]["p50_ms"] / figures[rest.name]["p50_ms"] - 1
    figures["gateway_overhead_p50"] = overhead

    em_turns = [c.turns[EMERGENCY_TURN] for c in emergency.conversations]
    guidance = [t.guidance_ms for t in em_turns if t.guidance_ms is not None]
    bot_same = [t.reply_ms for t in em_turns]
    expected = len(emergency.conversations)
    # Guidance on any other message of these reports would be a false alarm.
    false_alarms = sum(t.guidance_ms is not None for t in emergency.turns) - len(guidance)
    emergency_row = {
        "conversations": expected,
        "reports": emergency.reports,
        "guidance_received": len(guidance),
        "guidance_on_other_messages": false_alarms,
        "guidance_p50_ms": percentile(guidance, 50) if guidance else None,
        "guidance_p95_ms": percentile(guidance, 95) if guidance else None,
        "bot_reply_same_message_p50_ms": percentile(bot_same, 50) if bot_same else None,
        "bot_reply_same_message_p95_ms": percentile(bot_same, 95) if bot_same else None,
        "all_turns_p50_ms": percentile(emergency.replies_ms(), 50),
        "all_turns_p95_ms": percentile(emergency.replies_ms(), 95),
        "turns_per_s": len(emergency.turns) / emergency.seconds,
        "fallbacks": emergency.fallbacks,
    }
    figures["emergency"] = emergency_row

    how = (
        "both paths at once, each conversation beside its twin"
        if results.paired
        else "one path at a time, alternating"
    )
    lines = [
        f"Web chat, {results.conversations} concurrent conversations per path ({how}), "
        f"{len(results.rest)} round(s), think time {results.think:g}s",
        "",
        "| path | conversations | reports | turns | p50 reply ms | p95 reply ms | turns/s "
        "| fallbacks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows:
        lines.append(
            f"| {name} | {row['conversations']} | {row['reports']} | {row['turns']} "
            f"| {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['turns_per_s']:.1f} "
            f"| {row['fallbacks']} |"
        )
    ok_overhead = overhead <= OVERHEAD_TARGET
    figures["paired"] = results.paired
    figures["cpu_ms_per_turn"] = results.cpu_ms_per_turn
    delta = figures[sock.name]["p50_ms"] - figures[rest.name]["p50_ms"]
    lines += [
        "",
        f"gateway overhead at p50: {overhead:+.1%}, {delta:+.0f} ms "
        f"(target at most +{OVERHEAD_TARGET:.0%}): " + ("met" if ok_overhead else "NOT MET"),
        *(
            [
                "CPU per turn: "
                + ", ".join(f"{k} {v:.1f} ms" for k, v in results.cpu_ms_per_turn.items())
                + " (gateway: per WebSocket turn; engine, action server: per turn of either path)"
            ]
            if results.cpu_ms_per_turn
            else []
        ),
        "",
        f"Emergency mid-report, {expected} concurrent conversations over the gateway",
        "",
        "| measure | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    g50, g95 = emergency_row["guidance_p50_ms"], emergency_row["guidance_p95_ms"]
    b50, b95 = (
        emergency_row["bot_reply_same_message_p50_ms"],
        emergency_row["bot_reply_same_message_p95_ms"],
    )
    lines += [
        f"| 999 guidance (gateway fast path) | {fmt(g50)} | {fmt(g95)} |",
        f"| bot's answer to the same message | {fmt(b50)} | {fmt(b95)} |",
        f"| every bot reply in these conversations | "
        f"{emergency_row['all_turns_p50_ms']:.0f} | {emergency_row['all_turns_p95_ms']:.0f} |",
    ]
    ok_emergency = g95 is not None and g95 < EMERGENCY_P95_TARGET_MS and len(guidance) == expected
    lines += [
        "",
        f"guidance received for {len(guidance)} of {expected} emergencies "
        f"(and for {false_alarms} other messages); "
        f"{emergency.reports} of {expected} reports completed after the emergency; "
        f"guidance p95 {fmt(g95)} ms (target under {EMERGENCY_P95_TARGET_MS:.0f} ms): "
        + ("met" if ok_emergency else "NOT MET"),
    ]
    figures["targets_met"] = {"gateway_overhead": ok_overhead, "emergency_p95": ok_emergency}
    return "\n".join(lines), figures


# ---------- the stack -----------------------------------------------------------------------
def run_with_stack(args: argparse.Namespace) -> Results:
    if args.gateway_url and args.rasa_url:
        return asyncio.run(
            measure(
                args.gateway_url.rstrip("/"),
                args.rasa_url.rstrip("/"),
                args.conversations,
                args.emergency_conversations,
                args.rounds,
                args.think,
                paired=not args.alternate,
            )
        )
    if not RASA_MODEL.exists():
        raise SystemExit("no models/current.tar.gz: run `make train` (or pass both URLs)")
    sys.path.insert(0, str(ROOT))
    from scripts.stack import Stack

    with tempfile.TemporaryDirectory(prefix="bluelamp-webchat-bench-") as tmp:
        stack = Stack.isolated(Path(tmp))
        stack.rasa_token = ""  # the bench reads trackers over the engine API
        print("starting engine, action server and gateway…", file=sys.stderr, flush=True)
        with stack.running(args.start_timeout):
            names = {"gateway": "gateway", "rasa engine": "engine", "action server": "actions"}
            pids = {
                names[s.name]: s.process.pid
                for s in stack.services
                if s.process is not None and s.name in names
            }
            return asyncio.run(
                measure(
                    f"http://127.0.0.1:{stack.gateway_port}",
                    f"http://127.0.0.1:{stack.rasa_port}",
                    args.conversations,
                    args.emergency_conversations,
                    args.rounds,
                    args.think,
                    paired=not args.alternate,
                    cpu=CpuMeter(pids),
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--conversations", type=int, default=20)
    parser.add_argument("--emergency-conversations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="measured rounds per path")
    parser.add_argument(
        "--alternate",
        action="store_true",
        help="run the paths one after the other (alternating order) instead of side by side",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.5,
        help="seconds between a reply and the next message (the gateway allows 10 in 10 s)",
    )
    parser.add_argument("--gateway-url", help="a running gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--rasa-url", help="its engine, e.g. http://127.0.0.1:5005")
    parser.add_argument("--start-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if bool(args.gateway_url) != bool(args.rasa_url):
        parser.error("give both --gateway-url and --rasa-url, or neither")
    if args.conversations < 1 or args.emergency_conversations < 1 or args.rounds < 1:
        parser.error("need at least one conversation and one round")

    results = run_with_stack(args)
    table, figures = report_table(results)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    if args.check and not all(figures["targets_met"].values()):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
