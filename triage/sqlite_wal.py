"""Switching a SQLite file to WAL when several connections open it at once.

WAL mode is stored in the file, but the switch itself needs an exclusive lock, and
SQLite answers a racing switch with "database is locked" at once instead of waiting in
the busy handler. Every process and thread that opens the file at the same moment (the
outbox spool, the case store, the staff tables) would otherwise fail its first request.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Protocol

WAL_SWITCH_PATIENCE_SECONDS = 10.0


class _Cursor(Protocol):
    def execute(self, sql: str, /) -> Any: ...

    def fetchone(self) -> Any: ...


def enable_wal(cursor: _Cursor, *, patience: float = WAL_SWITCH_PATIENCE_SECONDS) -> None:
    """Put the file in WAL mode, retrying briefly while another connection switches it."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            row = cursor.fetchone()
            if row is not None and str(row[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
