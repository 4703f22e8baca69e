"""`python -m triage cases ...` and `python -m triage outbox-worker`, as staff use them."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.cases.cli import main, table
from triage.cases.ports import ReportSubmission
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.wiring import build_sql_store
from triage.settings import Settings

from .support import report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo-style install: SQLite and the spool under a var/ of the test's own."""
    for name in ("DATABASE_URL", "REDIS_URL", "BLUELAMP_CASE_SYSTEM", "BLUELAMP_OUTBOX_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BLUELAMP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BLUELAMP_TIMEZONE", "Europe/London")
    return tmp_path / "var"


def seed(var_dir: Path, *reports: ReportSubmission) -> list[str]:
    async def submit() -> list[str]:
        store = build_sql_store(Settings(var_dir=var_dir))
        try:
            return [(await store.submit(r)).reference for r in reports]
        finally:
            await store.close()

    return asyncio.run(submit())


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_table_aligns_columns_and_cuts_long_cells() -> None:
    lines = table(("A", "LONGER"), [("x", "y" * 60), ("abc", "z")]).splitlines()
    assert lines[0] == "A    LONGER"
    assert lines[1].startswith("---  ------")
    assert lines[2].startswith("x    " + "y" * 39 + "…")
    assert lines[3] == "abc  z"


def test_list_shows_newest_first_and_filters(var_dir: Path) -> None:
    theft, assault = seed(var_dir, report("t:0"), report("a:0", crime_type="assault"))
    code, out = run("cases", "list")
    assert code == 0
    header, rule, first, second = out.splitlines()[:4]
    assert header.split() == [
        "REFERENCE",
        "RECEIVED",
        "TYPE",
        "FAMILY",
        "PRI",
        "STATUS",
        "FLAGS",
        "CHANNEL",
    ]
    assert set(rule) == {"-", " "}
    assert first.startswith(assault) and "violence" in first and "received" in first
    assert second.startswith(theft) and "repeat_victim" in second
    assert "2 case(s)" in out
    assert "Jo" not in out  # the list carries no personal data
    code, out = run("cases", "list", "--family", "violence")
    assert assault in out and theft not in out


def test_update_close_and_message_then_show(var_dir: Path) -> None:
    [reference] = seed(var_dir, report())
    code, out = run("cases", "update", reference, "--status", "closed")
    assert code == 2 and "needs an outcome" in out
    code, out = run(
        "cases",
        "update",
        reference.lower(),
        "--status",
        "further_information_needed",
        "--note",
        "need the frame number",
        "--message",
        "Please tell us the bike's frame number.",
        "--by",
        "PC 1234",
    )
    assert code == 0
    assert f"{reference}: now We need more information from you." in out
    assert run("cases", "message", reference, "Thank you for your patience.")[0] == 0
    code, out = run("cases", "update", reference, "--status", "closed", "--outcome", "no_crime")
    assert code == 0
    code, out = run("cases", "show", reference)
    assert code == 0
    assert "Status        Closed: Looked into: no crime was committed [closed]" in out
    assert "Jo.Bloggs@Example.com" in out and "My bike was taken from the rack" in out
    history = out[out.index("Status history") : out.index("Messages to the reporter")]
    assert "further_information_needed" in history and "PC 1234" in history
    assert "need the frame number" in history and "no_crime" in history
    assert "PC 1234: Please tell us the bike's frame number." in out
    assert "Thank you for your patience." in out


def test_unknown_case_and_unknown_status(var_dir: Path) -> None:
    seed(var_dir, report())
    assert run("cases", "show", "BL-0000-0000") == (1, "No case BL-0000-0000.\n")
    assert run("cases", "message", "BL-0000-0000", "hello")[0] == 1
    with pytest.raises(SystemExit) as usage:
        run("cases", "update", "BL-0000-0000", "--status", "lost")
    assert usage.value.code == 2


def test_statuses_lists_what_the_public_sees() -> None:
    code, out = run("cases", "statuses")
    assert code == 0
    assert "further_information_needed" in out and "We need more information from you" in out
    assert "no_suspect_identified" in out


def test_outbox_worker_once_delivers_and_outbox_counts(var_dir: Path) -> None:
    seed(var_dir, report("first:0"))  # creates and migrates the database file

    async def hold() -> str:
        spool = SpoolOutbox(var_dir / "outbox.db")
        try:
            return (await spool.put(report("held:0"))).receipt_code
        finally:
            await spool.close()

    code = asyncio.run(hold())
    assert "pending    1" in run("cases", "outbox")[1]
    env = {**os.environ, "BLUELAMP_VAR_DIR": str(var_dir)}
    worker = subprocess.run(
        [sys.executable, "-m", "triage", "outbox-worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    assert "delivered 1" in worker.stdout
    status, out = run("cases", "show", code)
    assert status == 0 and f"Receipt code  {code}" in out


def test_python_m_triage_dispatches_cases_and_still_knows_classify(var_dir: Path) -> None:
    env = {**os.environ, "BLUELAMP_VAR_DIR": str(var_dir)}
    listing = subprocess.run(
        [sys.executable, "-m", "triage", "cases", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (listing.returncode, listing.stdout) == (0, "No cases.\n")
    classify = subprocess.run(
        [sys.executable, "-m", "triage", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert classify.returncode == 0 and "classify" in classify.stdout
