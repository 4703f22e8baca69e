"""Poll mentions and DMs: durable cursor, rate limits honoured, errors backed off.

The mentions cursor (``since_id``) only moves past posts that are done, so a restart or a
crash re-reads anything unfinished and the per-post claims stop anything being done twice.
Two pollers (two gateways) may run at once: each post is claimed by exactly one of them.

A read may bring a backlog (thousands of posts after an outage or a viral moment), so the
whole batch is classified first and its P1 posts are handled, to the end, before any other:
a stabbing reported at the back of the page gets its 999 reply and alert first. The rest go
in priority order, oldest first within a priority. Order of handling never moves the cursor:
that is still decided in post order.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from dataclasses import dataclass

import structlog

from channels.x.api import XApi, XError, XRateLimited
from channels.x.intake import MAX_RATE_WAIT_SECONDS, Outcome, XIntake
from channels.x.models import DirectMessage, Post
from channels.x.state import XState, id_key
from triage.decisions import Decision, Priority

log = structlog.get_logger(__name__)

MENTIONS_CURSOR = "mentions"
CONCURRENCY = 32
"""Posts handled at once (within the P1 group, then within the rest)."""
MAX_BACKOFF_SECONDS = 300.0


@dataclass
class PollStats:
    polls: int = 0
    processed: int = 0
    rate_limited: int = 0
    errors: int = 0


class XPoller:
    def __init__(
        self, api: XApi, state: XState, intake: XIntake, interval: float, *, dms: bool = True
    ) -> None:
        self.api = api
        self.state = state
        self.intake = intake
        self.interval = interval
        self.dms = dms
        self.stats = PollStats()
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def poll_mentions(self) -> int:
        """One read of every new mention; returns how many this poller processed."""
        since = await self.state.get_cursor(MENTIONS_CURSOR)
        batch = await self.api.mentions(since)
        outcomes = await self._handle_batch(batch.posts)
        done_through: str | None = None
        for post, outcome in zip(batch.posts, outcomes, strict=True):
            finished = outcome is Outcome.DONE or (
                outcome is Outcome.DUPLICATE and await self.intake.is_done(post.id)
            )
            if not finished:
                break  # keep the cursor before it: the next poll reads it again
            done_through = post.id
        newest = batch.newest_id
        if not batch.posts or (
            done_through == batch.posts[-1].id and newest and id_key(newest) > id_key(done_through)
        ):
            done_through = newest
        if done_through is not None:
            await self.state.advance_cursor(MENTIONS_CURSOR, done_through)
        processed = sum(1 for o in outcomes if o is Outcome.DONE)
        self.stats.processed += processed
        return processed

    async def _handle_batch(self, posts: tuple[Post, ...]) -> list[Outcome]:
        """Classify all, finish every P1, then the rest by priority; outcomes in post order."""
        decisions = await self.intake.classify_posts(posts)
        order = sorted(range(len(posts)), key=lambda n: decisions[n].priority.rank)
        urgent = [n for n in order if decisions[n].priority is Priority.P1]
        rest = [n for n in order if decisions[n].priority is not Priority.P1]
        outcomes: list[Outcome] = [Outcome.FAILED] * len(posts)
        for group in (urgent, rest):
            results = await asyncio.gather(*(self._one(posts[n], decisions[n]) for n in group))
            for n, outcome in zip(group, results, strict=True):
                outcomes[n] = outcome
        return outcomes

    async def _one(self, post: Post, decision: Decision) -> Outcome:
        async with self._limit:
            return (await self.intake.handle_post(post, decision)).outcome

    async def poll_dms(self) -> int:
        """Every recent DM not yet done; in order within a conversation, parallel across."""
        events = await self.api.dm_events()
        by_conversation: dict[str, list[DirectMessage]] = defaultdict(list)
        for dm in events:
            by_conversation[dm.dm_conversation_id].append(dm)

        async def conversation(dms: list[DirectMessage]) -> int:
            count = 0
            for dm in dms:
                if await self.state.get(f"dm:{dm.id}") is not None:
                    continue
                if await self.intake.handle_dm(dm) is Outcome.DONE:
                    count += 1
            return count

        counts = await asyncio.gather(*(conversation(d) for d in by_conversation.values()))
        return sum(counts)

    async def poll_once(self) -> int:
        self.stats.polls += 1
        count = await self.poll_mentions()
        if self.dms and self.intake.conversations is not None:
            count += await self.poll_dms()
        return count

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop``; 429 waits for the named reset, other errors back off."""
        failures = 0
        while not stop.is_set():
            try:
                await self.poll_once()
            except XRateLimited as exc:
                self.stats.rate_limited += 1
                wait = min(exc.wait_seconds(default=self.interval * 4), MAX_RATE_WAIT_SECONDS)
                log.warning("x_rate_limited", wait_seconds=round(wait, 2))
            except XError as exc:
                self.stats.errors += 1
                failures += 1
                wait = min(self.interval * 2**failures, MAX_BACKOFF_SECONDS)
                wait *= random.uniform(0.8, 1.2)
                log.warning("x_poll_failed", error=str(exc), wait_seconds=round(wait, 2))
            except Exception:
                self.stats.errors += 1
                failures += 1
                wait = min(self.interval * 2**failures, MAX_BACKOFF_SECONDS)
                log.exception("x_poll_crashed")
            else:
                failures = 0
                wait = self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
