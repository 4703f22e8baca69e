"""The outbox as a local SQLite spool file (default ``var/outbox.db``).

A file of its own, not a table in the case database: the outbox exists for the moments
that database is down. SQLite with ``synchronous=FULL`` makes a held report survive a
crash or power cut once `put` returns, and several processes on one machine (action
servers, workers) can share the file: claims take a write lock and a lease. Deployments
on several machines use the Redis outbox instead.

Blocking sqlite3 calls run in a worker thread so the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import structlog

from triage.cases.outbox import (
    DELIVERED_RETENTION_SECONDS,
    ERASED_KEY_PREFIX,
    HeldReport,
    HeldState,
    Outbox,
    OutboxItem,
    OutboxUnavailable,
    Put,
    erased_key,
    verify_tokens_of,
    with_receipt,
)
from triage.cases.ports import ReportSubmission
from triage.cases.references import new_receipt_code
from triage.cases.wire import MalformedBody, report_from_json, report_to_json
from triage.sqlite_wal import enable_wal

log = structlog.get_logger(__name__)
T = TypeVar("T")

LEASE_SECONDS = 60.0
BUSY_TIMEOUT_SECONDS = 10.0
CODE_ATTEMPTS = 8
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    receipt_code TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    payload TEXT,
    verify_tokens TEXT NOT NULL DEFAULT '[]',
    reference TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    lease_until REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    settled_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
"""


class SpoolOutbox(Outbox):
    """Held reports in a SQLite file; safe for several processes on one machine."""

    def __init__(
        self,
        path: Path,
        *,
        lease_seconds: float = LEASE_SECONDS,
        retention_seconds: float = DELIVERED_RETENTION_SECONDS,
        clock: Callable[[], float] = time.time,
        code_factory: Callable[[], str] = new_receipt_code,
    ) -> None:
        """Nothing is opened until first use (no I/O at construction)."""
        self.path = path
        self.lease_seconds = lease_seconds
        self.retention_seconds = retention_seconds
        self._clock = clock
        self._new_code = code_factory
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # explicit BEGIN IMMEDIATE below
                check_same_thread=False,
            )
            connection.row_factory = sqlite3.Row
            enable_wal(connection.cursor())
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(SCHEMA)
            self._connection = connection
        return self._connection

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

    async def _run(self, operation: str, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await asyncio.to_thread(self._transaction, work)
        except (sqlite3.Error, OSError) as exc:
            raise OutboxUnavailable(f"outbox spool unavailable during {operation}") from exc

    # --- the port -------------------------------------------------------------------------

    async def put(self, report: ReportSubmission) -> Put:
        now = self._clock()
        tokens = json.dumps(verify_tokens_of(report))

        def work(connection: sqlite3.Connection) -> Put:
            row = connection.execute(
                "SELECT receipt_code FROM outbox WHERE idempotency_key IN (?, ?)",
                (report.idempotency_key, erased_key(report.idempotency_key)),
            ).fetchone()
            if row is not None:
                return Put(row["receipt_code"], created=False)
            for _ in range(CODE_ATTEMPTS):
                code = self._new_code()
                held = with_receipt(report, code)
                try:
                    connection.execute(
                        "INSERT INTO outbox (receipt_code, idempotency_key, state, payload, "
                        "verify_tokens, next_attempt_at, created_at) "
                        "VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                        (
                            code,
                            report.idempotency_key,
                            json.dumps(report_to_json(held)),
                            tokens,
                            now,
                            now,
                        ),
                    )
                except sqlite3.IntegrityError:
                    continue  # the random code is taken (the key was checked above)
                return Put(code, created=True)
            raise RuntimeError(f"no free receipt code after {CODE_ATTEMPTS} attempts")

        return await self._run("put", work)

    async def find(self, receipt_code: str) -> HeldReport | None:
        def work(connection: sqlite3.Connection) -> HeldReport | None:
            row = connection.execute(
                "SELECT receipt_code, state, reference, verify_tokens, created_at "
                "FROM outbox WHERE receipt_code = ?",
                (receipt_code,),
            ).fetchone()
            if row is None:
                return None
            return HeldReport(
                receipt_code=row["receipt_code"],
                state=HeldState(row["state"]),
                reference=row["reference"],
                verify_tokens=tuple(json.loads(row["verify_tokens"])),
                created_at=datetime.fromtimestamp(row["created_at"], UTC),
            )

        return await self._run("find", work)

    async def claim(self, limit: int) -> list[OutboxItem]:
        now = self._clock()

        def work(connection: sqlite3.Connection) -> list[tuple[str, str, int]]:
            rows = connection.execute(
                "SELECT receipt_code, payload, attempts FROM outbox "
                "WHERE state = 'pending' AND next_attempt_at <= ? AND lease_until <= ? "
                "ORDER BY created_at, receipt_code LIMIT ?",
                (now, now, limit),
            ).fetchall()
            for row in rows:
                connection.execute(
                    "UPDATE outbox SET lease_until = ?, attempts = attempts + 1 "
                    "WHERE receipt_code = ?",
                    (now + self.lease_seconds, row["receipt_code"]),
                )
            return [(r["receipt_code"], r["payload"], r["attempts"] + 1) for r in rows]

        items = []
        for code, payload, attempts in await self._run("claim", work):
            try:
                report = report_from_json(json.loads(payload))
            except (ValueError, MalformedBody):
                log.error("outbox_payload_unreadable", receipt_code=code)
                await self._settle(code, "dead", None, "unreadable payload")
                continue
            items.append(OutboxItem(code, report, attempts))
        return items

    async def _settle(
        self, code: str, state: str, reference: str | None, reason: str | None
    ) -> None:
        now = self._clock()
        keep_payload = state != HeldState.DELIVERED.value

        def work(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE outbox SET state = ?, reference = COALESCE(?, reference), "
                "lease_until = 0, settled_at = ?, last_error = ?, "
                "payload = CASE WHEN ? THEN payload ELSE NULL END, "
                "verify_tokens = CASE WHEN ? THEN verify_tokens ELSE '[]' END "
                "WHERE receipt_code = ? AND state = 'pending'",
                (state, reference, now, reason, keep_payload, keep_payload, code),
            )

        await self._run(state, work)

    async def delivered(self, item: OutboxItem, reference: str) -> None:
        await self._settle(item.receipt_code, HeldState.DELIVERED.value, reference, None)

    async def retry_later(self, item: OutboxItem, delay_seconds: float, reason: str) -> None:
        due = self._clock() + max(delay_seconds, 0.0)

        def work(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE outbox SET next_attempt_at = ?, lease_until = 0, last_error = ? "
                "WHERE receipt_code = ? AND state = 'pending'",
                (due, reason, item.receipt_code),
            )

        await self._run("retry_later", work)

    async def dead(self, item: OutboxItem, reason: str) -> None:
        await self._settle(item.receipt_code, HeldState.DEAD.value, None, reason)

    async def counts(self) -> dict[str, int]:
        def work(connection: sqlite3.Connection) -> dict[str, int]:
            rows = connection.execute("SELECT state, count(*) AS n FROM outbox GROUP BY state")
            found = {row["state"]: int(row["n"]) for row in rows}
            return {state.value: found.get(state.value, 0) for state in HeldState}

        return await self._run("counts", work)

    async def purge(self) -> int:
        cutoff = self._clock() - self.retention_seconds

        def work(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(
                "DELETE FROM outbox WHERE state = 'delivered' AND settled_at < ?", (cutoff,)
            )
            return int(cursor.rowcount)

        return await self._run("purge", work)

    async def holding_personal_data(self) -> Mapping[str, tuple[str, ...]]:
        def held_by(row: sqlite3.Row) -> tuple[bool, bool, bool]:
            return bool(row["payload"]), bool(row["tokens"]), bool(row["key"])

        def work(connection: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
            rows = connection.execute(
                "SELECT receipt_code, payload IS NOT NULL AS payload, "
                "verify_tokens != '[]' AS tokens, substr(idempotency_key, 1, ?) != ? AS key "
                "FROM outbox WHERE state = 'delivered' ORDER BY created_at, receipt_code",
                (len(ERASED_KEY_PREFIX), ERASED_KEY_PREFIX),
            ).fetchall()
            found = {}
            for row in rows:
                names = ("payload", "verify_tokens", "idempotency_key")
                fields = tuple(
                    f"outbox.{name}" for name, held in zip(names, held_by(row), strict=True) if held
                )
                if fields:
                    found[row["receipt_code"]] = fields
            return found

        return await self._run("holding_personal_data", work)

    async def erase_delivered(self, receipt_codes: Sequence[str]) -> int:
        def work(connection: sqlite3.Connection) -> int:
            erased = 0
            for code in receipt_codes:
                row = connection.execute(
                    "SELECT idempotency_key FROM outbox "
                    "WHERE receipt_code = ? AND state = 'delivered'",
                    (code,),
                ).fetchone()
                if row is None:
                    continue
                key = row["idempotency_key"]
                if not key.startswith(ERASED_KEY_PREFIX):
                    key = erased_key(key)
                connection.execute(
                    "UPDATE outbox SET payload = NULL, verify_tokens = '[]', idempotency_key = ? "
                    "WHERE receipt_code = ?",
                    (key, code),
                )
                erased += 1
            return erased

        return await self._run("erase_delivered", work)

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:
                if self._connection is not None:
                    self._connection.close()
                    self._connection = None

        await asyncio.to_thread(shut)
