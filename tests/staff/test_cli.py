"""`python -m triage staff ...` end to end, as staff run it, on a SQLite file of the test's own."""

from __future__ import annotations

import asyncio
import getpass
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.triage_queue.support import TEST_REDIS_URL, closed_port_url, redis_prefix
from triage.settings import Settings
from triage.staff import cli
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, Role, StaffAccount
from triage.staff.redis_sessions import RedisSessionStore
from triage.staff.wiring import build_account_store, build_staff_audit

from .support import GOOD_PASSWORD, OTHER_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ALICE = StaffAccount("alice", "Alice Smith", Role.SUPERVISOR)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A demo-style install: the SQLite database under a var/ of the test's own, no Redis.

    Set for this process too, for the checks run in process (`run`).
    """
    for name in ("DATABASE_URL", "REDIS_URL", "BLUELAMP_REDIS_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BLUELAMP_VAR_DIR", str(tmp_path / "var"))
    return dict(os.environ)


def staff(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "triage", "staff", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def run(*args: str, stdin: str = "") -> tuple[int, str]:
    """The same command in this process (quicker, for the many refusals)."""
    out = io.StringIO()
    code = cli.main(list(args), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def settings_for(env: dict[str, str]) -> Settings:
    return Settings(var_dir=Path(env["BLUELAMP_VAR_DIR"]))


def authenticate(env: dict[str, str], username: str, password: str) -> StaffAccount | None:
    async def check() -> StaffAccount | None:
        accounts = build_account_store(settings_for(env))
        try:
            return await accounts.authenticate(username, password)
        finally:
            await accounts.aclose()

    return asyncio.run(check())


def audit_entries(env: dict[str, str]) -> list[AuditEntry]:
    async def search() -> list[AuditEntry]:
        audit = build_staff_audit(settings_for(env))
        try:
            return list(reversed(await audit.search(AuditQuery())))
        finally:
            await audit.aclose()

    return asyncio.run(search())


def add_alice(env: dict[str, str]) -> None:
    code, out = staff(
        env,
        "add",
        "Alice",
        "--name",
        "Alice Smith",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert (code, out.strip()) == (0, "Added alice (supervisor).")


def test_add_list_and_sign_in(env: dict[str, str]) -> None:
    add_alice(env)
    code, _ = staff(
        env,
        "add",
        "pc1234",
        "--name",
        "PC Patel",
        "--role",
        "operator",
        "--password-stdin",
        stdin=OTHER_PASSWORD,  # no final newline: still one line
    )
    assert code == 0
    code, out = staff(env, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["USERNAME", "NAME", "ROLE", "ACTIVE", "CREATED"]
    assert lines[2].split()[:5] == ["alice", "Alice", "Smith", "supervisor", "yes"]
    assert lines[3].split()[:5] == ["pc1234", "PC", "Patel", "operator", "yes"]
    assert "2 account(s)" in out
    assert "argon2" not in out and GOOD_PASSWORD not in out
    signed_in = authenticate(env, "alice", GOOD_PASSWORD)
    assert signed_in is not None and signed_in.role is Role.SUPERVISOR
    assert authenticate(env, "pc1234", OTHER_PASSWORD) is not None


def test_an_empty_list_says_how_to_add(env: dict[str, str]) -> None:
    code, out = run("list")
    assert code == 0
    assert "No staff accounts" in out


@pytest.mark.parametrize(
    ("args", "stdin", "code", "says"),
    [
        (("bad name", "--name", "X", "--role", "operator"), GOOD_PASSWORD, 2, "2 to 40 characters"),
        (("bob", "--name", " ", "--role", "operator"), GOOD_PASSWORD, 2, "display name"),
        (("bob", "--name", "Bob", "--role", "operator"), "short\n", 2, "at least 12"),
        (("bob", "--name", "Bob", "--role", "operator"), "password1234\n", 2, "too common"),
        (("bob", "--name", "Bob", "--role", "operator"), "Bob\n", 2, "at least 12"),
        (("bob", "--name", "Bob", "--role", "operator"), "", 2, "no password"),
    ],
)
def test_bad_input_is_refused_clearly(
    env: dict[str, str], args: tuple[str, ...], stdin: str, code: int, says: str
) -> None:
    result = run("add", *args, "--password-stdin", stdin=stdin)
    assert result[0] == code
    assert says in result[1]
    assert run("list")[1].startswith("No staff accounts")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("bob", "--name", "Bob", "--role", "admin"), "invalid choice"),
        (("bob", "--role", "operator"), "--name"),
    ],
)
def test_usage_errors_exit_2(env: dict[str, str], args: tuple[str, ...], says: str) -> None:
    code, out = staff(env, "add", *args, "--password-stdin", stdin=GOOD_PASSWORD)
    assert code == 2
    assert says in out
    assert "Traceback" not in out


def test_an_existing_account_is_not_replaced(env: dict[str, str]) -> None:
    add_alice(env)
    code, out = staff(
        env,
        "add",
        "ALICE",
        "--name",
        "Impostor",
        "--role",
        "operator",
        "--password-stdin",
        stdin=OTHER_PASSWORD,
    )
    assert code == 1
    assert "already exists" in out
    assert authenticate(env, "alice", GOOD_PASSWORD) is not None
    assert authenticate(env, "alice", OTHER_PASSWORD) is None


def test_disable_enable_and_password(env: dict[str, str]) -> None:
    add_alice(env)
    code, out = run("disable", "Alice")
    assert code == 0
    assert "alice is now disabled." in out
    assert "No REDIS_URL" in out  # says how sessions end without Redis
    assert authenticate(env, "alice", GOOD_PASSWORD) is None
    assert "no" in run("list")[1].splitlines()[2].split()
    assert run("enable", "alice")[0] == 0
    assert authenticate(env, "alice", GOOD_PASSWORD) is not None
    code, out = run("password", "alice", "--password-stdin", stdin="too-short\n")
    assert code == 2 and "at least 12" in out
    code, out = run("password", "alice", "--password-stdin", stdin=OTHER_PASSWORD + "\n")
    assert code == 0 and "Password changed for alice." in out
    assert authenticate(env, "alice", GOOD_PASSWORD) is None
    assert authenticate(env, "alice", OTHER_PASSWORD) is not None


@pytest.mark.parametrize("action", ["disable", "enable", "password"])
def test_unknown_accounts_are_reported(env: dict[str, str], action: str) -> None:
    code, out = run(action, "nobody", stdin=GOOD_PASSWORD)
    assert code == 1
    assert "No account 'nobody'" in out


def test_every_change_is_audited_as_the_os_user(env: dict[str, str]) -> None:
    add_alice(env)
    run("disable", "alice")
    run("enable", "alice")
    run("password", "alice", "--password-stdin", stdin=OTHER_PASSWORD)
    run("disable", "nobody")  # nothing changed: nothing recorded
    run("list")  # a read of accounts, not of anyone's data: not recorded
    entries = audit_entries(env)
    user = getpass.getuser()
    assert [(e.actor, e.action, e.detail) for e in entries] == [
        (f"cli:{user}", AuditAction.ACCOUNT_CREATED, "account=alice role=supervisor"),
        (f"cli:{user}", AuditAction.ACCOUNT_CHANGED, "account=alice disabled"),
        (f"cli:{user}", AuditAction.ACCOUNT_CHANGED, "account=alice enabled"),
        (f"cli:{user}", AuditAction.ACCOUNT_CHANGED, "account=alice password_changed"),
    ]
    assert all(GOOD_PASSWORD not in str(e) and OTHER_PASSWORD not in str(e) for e in entries)


@pytest.mark.parametrize("action", ["disable", "password"])
async def test_disable_and_password_end_the_accounts_sessions_in_redis(
    env: dict[str, str], action: str
) -> None:
    await asyncio.to_thread(add_alice, env)
    async with redis_prefix() as (client, prefix):
        sessions = RedisSessionStore(client, prefix, 900, 3600)
        alice = [await sessions.create(ALICE) for _ in range(2)]
        bob = await sessions.create(StaffAccount("bob", "Bob", Role.OPERATOR))
        redis_env = {**env, "REDIS_URL": TEST_REDIS_URL, "BLUELAMP_REDIS_PREFIX": prefix}
        args = ("--password-stdin",) if action == "password" else ()
        code, out = await asyncio.to_thread(
            staff, redis_env, action, "alice", *args, stdin=OTHER_PASSWORD
        )
        assert code == 0
        assert "Ended 2 console session(s)." in out
        assert [await sessions.touch(s.id) for s in alice] == [None, None]
        assert await sessions.touch(bob.id) is not None


def test_redis_down_is_reported_after_the_change(env: dict[str, str]) -> None:
    add_alice(env)
    code, out = staff({**env, "REDIS_URL": closed_port_url()}, "disable", "alice")
    assert code == 1
    assert "alice is now disabled." in out  # the account change itself stands
    assert "Could not reach Redis" in out
    assert authenticate(env, "alice", GOOD_PASSWORD) is None


def test_passwords_typed_at_the_terminal_must_match(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process, with the terminal prompt answered by the test."""
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD + "!"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    out = io.StringIO()
    argv = ["add", "carol", "--name", "Carol", "--role", "operator"]
    assert cli.main(argv, out=out) == 2
    assert "differ" in out.getvalue()
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD])
    out = io.StringIO()
    assert cli.main(argv, out=out) == 0
    assert "Added carol (operator)." in out.getvalue()
    assert authenticate(env, "carol", GOOD_PASSWORD) is not None
