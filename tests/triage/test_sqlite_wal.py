"""Many connections switching one new SQLite file to WAL at once all succeed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from triage.sqlite_wal import enable_wal


def test_racing_openers_all_end_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite3"
    start = threading.Barrier(12)
    modes: list[str] = []
    errors: list[BaseException] = []

    def open_and_switch() -> None:
        connection = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            start.wait()
            enable_wal(connection.cursor())
            modes.append(connection.execute("PRAGMA journal_mode").fetchone()[0])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    for _ in range(5):
        path.unlink(missing_ok=True)
        threads = [threading.Thread(target=open_and_switch) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert modes == ["wal"] * 60


def test_a_lock_that_never_ends_still_surfaces(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            enable_wal(other.cursor(), patience=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        other.close()
