"""Throughput of `python -m triage classify` on one core, beside the Rasa engine's
`/model/parse` on the same messages, in one run (issue 3, "Figures").

The triage command runs as a subprocess pinned to one core (`taskset -c 0` when available)
over N messages from the project's data (repeated as needed); the rate is reported with
and without its start-up. The Rasa engine is measured with sequential HTTP posts, either
at `--rasa-url` or by starting one with `scripts/stack.py` when `models/current.tar.gz`
exists; otherwise its row says why it was not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from triage.nlp.train import ensure_model
from triage.nlp.training_data import load_training_data

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
RASA_MODEL = ROOT / "models" / "current.tar.gz"
TARGET_RATE = 2000.0


@dataclass(frozen=True)
class Measured:
    name: str
    messages: int
    seconds: float | None
    note: str

    @property
    def rate(self) -> float | None:
        return self.messages / self.seconds if self.seconds else None


def sample_texts(n: int) -> list[str]:
    """n message texts from the training data, in a fixed order, repeated when n is larger."""
    texts = sorted(e.text for e in load_training_data())
    return list(itertools.islice(itertools.cycle(texts), n))


def _jsonl(texts: list[str]) -> bytes:
    channels = ("webchat", "x")
    lines = (
        json.dumps({"id": i, "text": t, "channel": channels[i % 2]}) for i, t in enumerate(texts)
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _classify_command(cpu: int) -> list[str]:
    command = [str(PYTHON), "-m", "triage", "classify"]
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu), *command] if taskset else command


def run_classify(texts: list[str], cpu: int) -> float:
    """Wall-clock seconds for the command to answer every line (start-up included)."""
    payload = _jsonl(texts)
    started = time.perf_counter()
    done = subprocess.run(
        _classify_command(cpu), input=payload, capture_output=True, cwd=ROOT, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"triage classify exited {done.returncode}: {done.stderr[-2000:]!r}")
    answers = done.stdout.count(b"\n")
    if answers != len(texts):
        raise RuntimeError(f"triage classify answered {answers} of {len(texts)} lines")
    return elapsed


def measure_triage(n: int, cpu: int) -> list[Measured]:
    pinned = f"core {cpu}" if shutil.which("taskset") else "not pinned: no taskset"
    texts = sample_texts(n)
    startup = min(run_classify(texts[:1], cpu) for _ in range(2))
    total = run_classify(texts, cpu)
    return [
        Measured("triage classify, end to end", n, total, f"one process, {pinned}"),
        Measured(
            "triage classify, after start-up",
            n - 1,
            max(total - startup, 1e-9),
            f"start-up {startup:.2f}s taken off",
        ),
    ]


async def _parse_all(url: str, texts: list[str], timeout: float) -> float:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        async with session.post(f"{url}/model/parse", json={"text": texts[0]}) as warm:
            warm.raise_for_status()
        started = time.perf_counter()
        for text in texts:
            async with session.post(f"{url}/model/parse", json={"text": text}) as response:
                response.raise_for_status()
                await response.read()
        return time.perf_counter() - started


def measure_rasa(url: str | None, n: int, timeout: float, start_timeout: float = 300.0) -> Measured:
    name = "Rasa engine /model/parse"
    texts = sample_texts(n)
    if url:
        try:
            seconds = asyncio.run(_parse_all(url.rstrip("/"), texts, timeout))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return Measured(name, n, None, f"not measured: {url} failed ({exc})")
        return Measured(name, n, seconds, f"sequential HTTP posts to {url}")
    if not RASA_MODEL.exists():
        return Measured(
            name, n, None, "not measured: no --rasa-url and no models/current.tar.gz (make train)"
        )
    sys.path.insert(0, str(ROOT))
    from scripts.stack import Stack

    stack = Stack.isolated(ROOT / "var" / "bench", with_gateway=False)
    stack.rasa_token = ""  # the bench calls the engine API (/model/parse) directly
    try:
        with stack.running(start_timeout):  # loading a model on a busy machine takes a while
            url = f"http://127.0.0.1:{stack.rasa_port}"
            seconds = asyncio.run(_parse_all(url, texts, timeout))
    except (RuntimeError, TimeoutError, aiohttp.ClientError, OSError) as exc:
        return Measured(name, n, None, f"not measured: the engine did not serve ({exc})")
    return Measured(name, n, seconds, "engine started for this run, sequential HTTP posts")


def table(rows: list[Measured]) -> str:
    lines = ["| engine | messages | seconds | messages/s | note |", "|---|---|---|---|---|"]
    for row in rows:
        seconds = "-" if row.seconds is None else f"{row.seconds:.2f}"
        rate = "not measured" if row.rate is None else f"{row.rate:,.0f}"
        lines.append(f"| {row.name} | {row.messages} | {seconds} | {rate} | {row.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--messages", type=int, default=20000, help="messages for triage")
    parser.add_argument("--rasa-messages", type=int, default=300, help="messages for Rasa")
    parser.add_argument("--rasa-url", help="an already running engine, e.g. http://127.0.0.1:5005")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin triage to")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for Rasa")
    parser.add_argument(
        "--engine-start-timeout",
        type=float,
        default=300.0,
        help="seconds allowed for an engine started here to load its model",
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 below {TARGET_RATE:,.0f} messages/s"
    )
    args = parser.parse_args(argv)
    if args.messages < 2 or args.rasa_messages < 1:
        parser.error("need at least 2 triage messages and 1 Rasa message")

    ensure_model(log=lambda m: print(m, file=sys.stderr, flush=True))  # not timed
    rows = measure_triage(args.messages, args.cpu)
    rows.append(
        measure_rasa(args.rasa_url, args.rasa_messages, args.timeout, args.engine_start_timeout)
    )
    print(table(rows))
    end_to_end = rows[0].rate or 0.0
    if args.check and end_to_end < TARGET_RATE:
        print(
            f"triage classify: {end_to_end:,.0f} messages/s < {TARGET_RATE:,.0f}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
