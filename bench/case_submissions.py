"""Report submissions per second into the case store, SQLite and PostgreSQL, with concurrent
writers; then every report is counted: zero duplicates and zero losses (issue 4, "Figures").

Each run submits N distinct reports from W concurrent writers through `SqlCaseSystem`, the
adapter the action server uses. A share of the reports is also submitted a second time by
another writer at about the same moment (a double click, a retried action), so the count
at the end checks idempotency under contention, not just throughput. Afterwards the rows
are counted in the database itself: a duplicate is a key stored twice or a replay that got
a different reference; a loss is a key that was acknowledged but is not stored.

SQLite is a file in a temporary folder; PostgreSQL is a database created for the run on
the server at ``--postgres-url`` (migrated with Alembic) and dropped afterwards.

    .venv/bin/python bench/case_submissions.py [--reports 3000] [--writers 16] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from triage.cases.migrate import upgrade_to_head  # noqa: E402
from triage.cases.ports import ReportSubmission  # noqa: E402
from triage.cases.sql_store import SqlCaseSystem  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_POSTGRES_RATE = 200.0


@dataclass(frozen=True)
class Outcome:
    """One database's run and what was found in it afterwards."""

    database: str
    writers: int
    reports: int
    replays: int
    seconds: float
    latencies_ms: list[float]
    stored: int
    duplicates: int
    lost: int
    errors: int

    @property
    def rate(self) -> float:
        return (self.reports + self.replays) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def sample_report(run: str, index: int) -> ReportSubmission:
    """A realistic report: a form's answers, contact details and a place with a postcode."""
    return ReportSubmission(
        idempotency_key=f"{run}:{index}",
        conversation_id=f"{run}-conversation-{index}",
        channel="webchat" if index % 3 else "rest",
        crime_type=("theft", "burglary", "criminal_damage", "assault", "asb")[index % 5],
        details={
            "property_details": f"a red bike, serial WTU{index:06d}",
            "property_value": "£350",
            "suspect_description": "none given",
            "evidence": "doorbell camera",
        },
        reporter_name="Jo Bloggs",
        reporter_contact=f"jo.{index}@example.com",
        contact_consent=True,
        flags=("injuries",) if index % 7 == 0 else (),
        account="Someone took my bike from the rack outside the library while I was inside.",
        location=f"{index % 200 + 1} Station Road, NE1 4ST",
        time_window="Tue 24 Nov 2026, about 15:00",
    )


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="bluelamp-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'cases.db'}"
        await asyncio.to_thread(upgrade_to_head, url)
        yield url


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    name = f"bluelamp_bench_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        yield url
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(
    database: str, url: str, reports: int, writers: int, replay_every: int
) -> Outcome:
    run = f"bench-{uuid.uuid4().hex[:8]}"
    # Every replay_every-th report is sent twice, by two writers, back to back in the queue.
    jobs: asyncio.Queue[int] = asyncio.Queue()
    for index in range(reports):
        jobs.put_nowait(index)
        if replay_every and index % replay_every == 0:
            jobs.put_nowait(index)
    replays = jobs.qsize() - reports
    store = SqlCaseSystem.from_url(url, pool_size=writers)
    answers: dict[int, set[str]] = {}
    latencies: list[float] = []
    errors = 0

    async def writer() -> None:
        nonlocal errors
        while True:
            try:
                index = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                receipt = await store.submit(sample_report(run, index))
            except Exception as exc:  # counted and shown; a bench must not stop half way
                errors += 1
                print(
                    f"{database}: submission {index} failed: {type(exc).__name__}", file=sys.stderr
                )
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            answers.setdefault(index, set()).add(receipt.reference)

    try:
        await store.list_cases(1)  # connect and warm the pool outside the timing
        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        seconds = time.perf_counter() - started
    finally:
        await store.close()

    keys = await stored_keys(url, run)
    acknowledged = {f"{run}:{index}" for index in answers}
    # A duplicate: a key stored twice, or a replay answered with a different reference.
    split_answers = sum(1 for refs in answers.values() if len(refs) > 1)
    return Outcome(
        database=database,
        writers=writers,
        reports=reports,
        replays=replays,
        seconds=seconds,
        latencies_ms=latencies,
        stored=len(keys),
        duplicates=(len(keys) - len(set(keys))) + split_answers,
        lost=len(acknowledged - set(keys)),
        errors=errors,
    )


async def stored_keys(url: str, run: str) -> list[str]:
    """Every idempotency key of this run as stored, read back from the database itself."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT idempotency_key FROM cases WHERE idempotency_key LIKE :run"),
                {"run": f"{run}:%"},
            )
            return [str(key) for key in result.scalars()]
    finally:
        await engine.dispose()


def render(outcomes: list[Outcome]) -> str:
    headers = (
        "database",
        "writers",
        "reports",
        "replays",
        "seconds",
        "submits/s",
        "p50 ms",
        "p95 ms",
        "stored",
        "duplicates",
        "lost",
        "errors",
    )
    rows = [
        (
            o.database,
            str(o.writers),
            str(o.reports),
            str(o.replays),
            f"{o.seconds:.2f}",
            f"{o.rate:.0f}",
            f"{statistics.median(o.latencies_ms) if o.latencies_ms else 0:.1f}",
            f"{o.percentile(0.95):.1f}",
            str(o.stored),
            str(o.duplicates),
            str(o.lost),
            str(o.errors),
        )
        for o in outcomes
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Outcome]:
    outcomes = []
    for database in args.databases:
        if database == "sqlite":
            async with sqlite_database() as url:
                outcomes.append(
                    await measure("sqlite", url, args.reports, args.writers, args.replay_every)
                )
        else:
            async with postgres_database(args.postgres_url) as url:
                outcomes.append(
                    await measure("postgresql", url, args.reports, args.writers, args.replay_every)
                )
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--replay-every", type=int, default=10, help="0: no replays")
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on any duplicate, loss or error, or PostgreSQL below the target rate",
    )
    args = parser.parse_args(argv)
    outcomes = asyncio.run(main_async(args))
    print(render(outcomes))
    print(
        f"\n{args.writers} concurrent writers; every {args.replay_every}th report submitted twice; "
        f"target: >= {TARGET_POSTGRES_RATE:.0f} submissions/s into PostgreSQL."
    )
    if not args.check:
        return 0
    failed = [
        o.database
        for o in outcomes
        if o.duplicates
        or o.lost
        or o.errors
        or o.stored != o.reports
        or (o.database == "postgresql" and o.rate < TARGET_POSTGRES_RATE)
    ]
    if failed:
        print(f"check failed for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
