"""X intake figures (issue 6): 10,000 mixed posts from `nlu_data/social_triage.yml` served
by the local fake X server, read by the real tweepy client, triaged, routed and answered.

Two runs, both through the same poller, client and SQLite state store (the `make demo`
default, in a temporary directory):

* backlog: all posts waiting at once; posts per second end to end (read, claim, triage,
  reply, back office, cursor) is the intake's capacity;
* stream: the same posts arriving at ``--rate`` per second while the poller runs every
  ``--interval`` seconds; the time from a post's arrival at X to its P1 operator alert
  (p50/p95) is the end-to-end figure the issue targets (p95 under 1 second).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import structlog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "x"))

from fake_x import FakeX, start_fake_x  # noqa: E402

from channels.triage_gate import load_triage_model  # noqa: E402
from channels.x.api import TweepyXApi, XApi  # noqa: E402
from channels.x.intake import XIntake  # noqa: E402
from channels.x.models import DirectMessage, MentionBatch  # noqa: E402
from channels.x.poller import XPoller  # noqa: E402
from channels.x.state import SqliteXState  # noqa: E402
from triage.audit.memory import InMemoryDecisionLog  # noqa: E402
from triage.nlp.training_data import DATA_DIR, load_social_file  # noqa: E402
from triage.queue.alerts import InMemoryAlertBus  # noqa: E402
from triage.queue.memory import InMemoryOperatorQueue  # noqa: E402
from triage.routing.dispatch import BackOffice  # noqa: E402
from triage.settings import Settings  # noqa: E402

TARGET_P95_SECONDS = 1.0


class TimedApi(XApi):
    """Notes when each post was read (its intake time)."""

    def __init__(self, inner: XApi) -> None:
        self.inner = inner
        self.read_at: dict[str, float] = {}

    async def mentions(self, since_id: str | None) -> MentionBatch:
        batch = await self.inner.mentions(since_id)
        now = time.monotonic()
        for post in batch.posts:
            self.read_at.setdefault(post.id, now)
        return batch

    async def dm_events(self) -> tuple[DirectMessage, ...]:
        return await self.inner.dm_events()

    async def reply(self, post_id: str, text: str) -> str:
        return await self.inner.reply(post_id, text)

    async def send_dm(self, participant_id: str, text: str) -> str:
        return await self.inner.send_dm(participant_id, text)

    async def aclose(self) -> None:
        await self.inner.aclose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_once(
    texts: list[str], count: int, rate: float | None, interval: float
) -> tuple[int, float, int, list[float]]:
    """(posts processed, seconds, replies, arrival/read → alert latencies)."""
    fake, server = await start_fake_x(FakeX())
    arrived: dict[str, float] = {}
    posts = list(zip(range(count), itertools.cycle(texts), strict=False))

    def arrive(n: int, text: str) -> None:
        post_id = fake.add_mention(text, author_id=str(10_000 + n % 2000), handle=f"u{n % 2000}")
        arrived[post_id] = time.monotonic()

    if rate is None:
        for n, text in posts:
            arrive(n, text)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            var_dir=Path(tmp), x_bearer_token="bench", x_user_id=fake.user_id, x_api_base=fake.url
        )
        api = TimedApi(TweepyXApi(settings))
        state = SqliteXState(Path(tmp) / "x_state.db")
        office = BackOffice(
            InMemoryOperatorQueue(), InMemoryAlertBus(), InMemoryDecisionLog(), MODEL.version
        )
        intake = XIntake(api, state, MODEL, office)
        poller = XPoller(api, state, intake, interval, dms=False)

        async def feed() -> None:
            assert rate is not None
            began = time.monotonic()
            for n, text in posts:
                await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
                arrive(n, text)

        started = time.perf_counter()
        feeder = asyncio.create_task(feed()) if rate is not None else None
        processed = 0
        while processed < count:
            done = await poller.poll_mentions()
            processed += done
            feeding = feeder is not None and not feeder.done()
            if done == 0 and not feeding:
                break  # nothing more will come: report what was processed
            if rate is not None:
                await asyncio.sleep(interval)
        seconds = time.perf_counter() - started
        if feeder is not None:
            await feeder
        await api.aclose()
        await state.aclose()
    await server.close()
    origin = arrived if rate is not None else api.read_at
    latencies = [at - origin[pid] for pid, at in intake.alert_times.items()]
    return processed, seconds, len(fake.tweets), latencies


MODEL = load_triage_model()


def row(name: str, result: tuple[int, float, int, list[float]]) -> float:
    processed, seconds, replies, latencies = result
    p50 = statistics.median(latencies) * 1000
    p95 = percentile(latencies, 0.95)
    print(
        f"| {name} | {processed} | {seconds:.1f} | {processed / seconds:.0f} | {replies} "
        f"| {len(latencies)} | {p50:.0f} ms | {p95 * 1000:.0f} ms |"
    )
    return p95


async def run(count: int, rate: float, interval: float) -> bool:
    texts = [item.text for item in load_social_file(DATA_DIR / "social_triage.yml")]
    print("| run | posts | seconds | posts/s | replies | P1 alerts | alert p50 | alert p95 |")
    print("|---|---|---|---|---|---|---|---|")
    backlog = await run_once(texts, count, None, 0.0)
    row("backlog (read → alert)", backlog)
    stream = await run_once(texts, count, rate, interval)
    p95 = row(f"stream {rate:.0f}/s (arrival → alert)", stream)
    ok = backlog[0] == count and stream[0] == count and p95 < TARGET_P95_SECONDS
    print(f"target stream p95 < {TARGET_P95_SECONDS:.0f} s:", "met" if ok else "NOT met")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="stream arrivals per second")
    parser.add_argument("--interval", type=float, default=0.2, help="poll interval (s)")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    sys.exit(0 if asyncio.run(run(args.posts, args.rate, args.interval)) else 1)


if __name__ == "__main__":
    main()
