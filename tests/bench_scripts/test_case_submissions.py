"""The case-submission bench counts what it claims: a small run, and a run it must fail."""

from __future__ import annotations

import asyncio

import pytest

from bench.case_submissions import Outcome, main, measure, render, sqlite_database


def test_a_small_sqlite_run_stores_every_report_once(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--databases", "sqlite", "--reports", "60", "--writers", "6", "--replay-every", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    header, rule, row = out.splitlines()[:3]
    assert header.split(" | ")[0].strip() == "database" and "duplicates" in header
    assert set(rule) <= {"-", "+"}
    cells = [cell.strip() for cell in row.split("|")]
    assert cells[0] == "sqlite"
    assert cells[2:4] == ["60", "20"]  # 60 reports, every 3rd sent twice
    assert cells[8:12] == ["60", "0", "0", "0"]  # stored, duplicates, lost, errors


async def test_replays_under_contention_are_counted_and_not_stored() -> None:
    async with sqlite_database() as url:
        outcome = await measure("sqlite", url, reports=40, writers=8, replay_every=1)
    assert (outcome.reports, outcome.replays) == (40, 40)
    assert (outcome.stored, outcome.duplicates, outcome.lost, outcome.errors) == (40, 0, 0, 0)
    assert len(outcome.latencies_ms) == 80


def test_check_fails_on_a_slow_or_lossy_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = Outcome("postgresql", 4, 100, 10, 10.0, [1.0], 100, 0, 0, 0)  # 11 submissions/s
    lossy = Outcome("sqlite", 4, 100, 10, 0.1, [1.0], 99, 0, 1, 0)

    async def fake(_args: object) -> list[Outcome]:
        await asyncio.sleep(0)
        return [slow, lossy]

    monkeypatch.setattr("bench.case_submissions.main_async", fake)
    assert main(["--check"]) == 1
    assert "check failed for: postgresql, sqlite" in capsys.readouterr().err
    assert "11" in render([slow]).splitlines()[2]
