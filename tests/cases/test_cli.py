"""`python -m triage cases ...` and `python -m triage outbox-worker`, as staff use them."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import timedelta
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
    code, out = run("cases", "show", reference, "--reason", "closing check")
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
    assert run("cases", "show", "BL-0000-0000", "--reason", "x") == (1, "No case BL-0000-0000.\n")
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
    status, out = run("cases", "show", code, "--reason", "outbox check")
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


def test_show_and_log_refuse_politely_without_a_reason_and_log_nothing(var_dir: Path) -> None:
    [reference] = seed(var_dir, report())
    code, out = run("cases", "show", reference, "--by", "PC 1234")
    assert code == 2 and out.startswith("Not shown: please say why") and "Jo" not in out
    code, out = run("cases", "log", reference, "--by", "PC 1234", "--reason", "  ")
    assert code == 2 and "--reason" in out and "s.62" in out
    code, out = run("cases", "log", reference, "--by", "auditor", "--reason", "audit")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Processing log for {reference} (oldest first)"
    body = "\n".join(lines[3:])
    assert "collection" in body and "public:" in body
    assert body.count("consultation") == 1  # only this reading, not the refused ones
    assert "staff:auditor" in body and "audit" in body and "PC 1234" not in body
    assert "2 entries." in out


def test_staff_commands_are_logged_with_who_and_why(var_dir: Path) -> None:
    [reference] = seed(var_dir, report())
    run("cases", "update", reference, "--status", "under_review", "--by", "PC 1")
    run("cases", "message", reference, "We are looking at it.", "--by", "PC 2")
    run("cases", "show", reference, "--by", "PC 3", "--reason", "allocation")
    code, out = run("cases", "log", reference, "--by", "PC 4", "--reason", "complaint")
    assert code == 0
    rows = out.splitlines()[3:-2]
    assert [row.split()[2:4] for row in rows] == [
        ["collection", "public:" + rows[0].split()[3].split(":")[1]],
        ["alteration", "staff:PC"],
        ["alteration", "staff:PC"],
        ["consultation", "staff:PC"],
        ["consultation", "staff:PC"],
    ]
    assert "status received -> under_review" in rows[1] and "PC 1" in rows[1]
    assert "allocation" in rows[3] and "complaint" in rows[4]
    assert "We are looking at it" not in out


def age_case(var_dir: Path, reference: str, days: int) -> None:
    from sqlalchemy import update

    from triage.cases.models import Case, utcnow

    async def go() -> None:
        store = build_sql_store(Settings(var_dir=var_dir))
        try:
            async with store.engine.begin() as connection:
                await connection.execute(
                    update(Case)
                    .where(Case.reference == reference)
                    .values(updated_at=utcnow() - timedelta(days=days))
                )
        finally:
            await store.close()

    asyncio.run(go())


def test_purge_dry_run_then_purge_and_review(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_RETENTION_CLOSED_DAYS", "30")
    monkeypatch.setenv("BLUELAMP_REVIEW_DAYS", "7")
    closed, idle, fresh = seed(var_dir, report("c:0"), report("i:0"), report("f:0"))
    assert run("cases", "update", closed, "--status", "closed", "--outcome", "no_crime")[0] == 0
    age_case(var_dir, closed, 31)
    age_case(var_dir, idle, 8)

    code, out = run("cases", "review")
    assert code == 0 and idle in out and closed not in out and fresh not in out
    assert "1 open case(s) untouched for more than 7 days" in out

    code, out = run("cases", "purge", "--dry-run", "--by", "records")
    assert code == 0
    assert out.startswith("Dry run: nothing was changed.\nWould erase the personal data of 1")
    assert closed in out and "cases.account" in out
    code, out = run("cases", "show", closed, "--reason", "check")
    assert "My bike was taken from the rack" in out

    code, out = run("cases", "purge", "--by", "records")
    assert code == 0 and "Erased the personal data of 1 closed case(s) unchanged for more " in out
    assert "Forgot 0 expired delivered receipt code(s)." in out
    code, out = run("cases", "show", closed, "--reason", "check")
    assert code == 0 and "My bike was taken" not in out and "Jo" not in out
    code, out = run("cases", "log", closed, "--reason", "check")
    assert "erasure" in out and "staff:records" in out and "My bike" not in out
    code, out = run("cases", "purge", "--by", "records")
    assert "Erased the personal data of 0 closed case(s)" in out
    code, out = run("cases", "show", fresh, "--reason", "check")
    assert "My bike was taken from the rack" in out


def test_settings_read_the_retention_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLUELAMP_RETENTION_CLOSED_DAYS", raising=False)
    monkeypatch.delenv("BLUELAMP_REVIEW_DAYS", raising=False)
    assert (Settings.from_env().retention_closed_days, Settings.from_env().review_days) == (
        365,
        90,
    )
    monkeypatch.setenv("BLUELAMP_RETENTION_CLOSED_DAYS", "730")
    monkeypatch.setenv("BLUELAMP_REVIEW_DAYS", "30")
    assert (Settings.from_env().retention_closed_days, Settings.from_env().review_days) == (730, 30)
    monkeypatch.setenv("BLUELAMP_REVIEW_DAYS", "a while")
    with pytest.raises(ValueError, match="BLUELAMP_REVIEW_DAYS"):
        Settings.from_env()
